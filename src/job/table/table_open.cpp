#include "table_open.hpp"

#include "rankflow/comm/phase.hpp"
#include "rankflow/io/csv/csv_sink.hpp"
#include "rankflow/io/csv/csv_source.hpp"
#include "rankflow/job/csv_config.hpp"
#include "config/hdf5_table_config.hpp"
#include "rankflow/job/provenance.hpp"

namespace rankflow::job {

std::unique_ptr<io::TableSource> open_table_input(const comm::Communicator& comm,
                                                  const RawConfig& config,
                                                  const std::string& section) {
  const Section input(config, section);
  if (comm::run_phase(comm, "opening the input", [&] { return input_format(input); }) == "hdf5") {
    const io::hdf5::TableSourceOptions options = comm::run_phase(
        comm, "opening the input", [&] { return hdf5_source_options_from(input); });
    return io::hdf5::open_table_source(comm, options);
  }
  const io::CsvOptions options =
      comm::run_phase(comm, "opening the input", [&] { return csv_options_from(input); });
  try {
    return io::open_csv_source(comm, options);
  } catch (const Error& error) {
    // A key found wrong once the header is read (schema naming a column it lacks): the error
    // names the job file and the key like the others; every rank rewrites the same agreed error.
    const auto found = io::csv_option_problem_of(error.what());
    if (error.kind() != ErrorKind::kConfig || !found) throw;
    throw Error(ErrorKind::kConfig, input.error(found->key, found->problem).what(), error.agreed());
  }
}

std::unique_ptr<io::TableSink> open_table_output(const comm::Communicator& comm,
                                                 const RawConfig& config, const OutputPlan& output,
                                                 const table::Schema& schema) {
  if (output.path.empty()) return nullptr;
  if (output.format == "hdf5") {
    io::hdf5::TableSinkOptions options = comm::run_phase(comm, "opening the output", [&] {
      return hdf5_sink_options_from(Section(config, "output"));
    });
    options.attributes = collect_provenance(comm, config).pairs();
    return io::hdf5::open_table_sink(comm, output.path, schema, options);
  }
  const io::CsvWriteOptions options = comm::run_phase(comm, "opening the output", [&] {
    return csv_write_options_from(Section(config, "output"));
  });
  return io::open_csv_sink(comm, output.path, schema, options);
}

}  // namespace rankflow::job
