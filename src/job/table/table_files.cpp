#include "rankflow/job/table_files.hpp"

#include "rankflow/comm/phase.hpp"
#include "rankflow/job/schema.hpp"
#include "table_open.hpp"
#include "table_plan.hpp"

namespace rankflow::job {
namespace {

// The settings as one config section, checked like a job file's (unknown keys included).
RawConfig config_of(const std::string& what, const std::string& section, const std::string& path,
                    const Settings& settings) {
  RawConfig config(what);
  config.set(section, "path", path, what);
  for (const auto& [key, value] : settings) {
    if (key == "path") throw ConfigError("{}: give the path as the argument, not a setting", what);
    config.set(section, key, value, what);
  }
  validate_keys(config);
  return config;
}

}  // namespace

std::unique_ptr<io::TableSource> open_table_source(const comm::Communicator& comm,
                                                   const std::string& path,
                                                   const Settings& settings) {
  const RawConfig config = comm::run_phase(comm, "opening the input", [&] {
    RawConfig checked = config_of("read " + path, "input", path, settings);
    plan_table_job(checked);  // the input's keys, as for a job
    return checked;
  });
  return open_table_input(comm, config, "input");
}

std::unique_ptr<io::TableSink> open_table_sink(const comm::Communicator& comm,
                                               const std::string& path,
                                               const table::Schema& schema,
                                               const Settings& settings) {
  RawConfig config("write " + path);
  const OutputPlan output = comm::run_phase(comm, "opening the output", [&] {
    config = config_of("write " + path, "output", path, settings);
    return plan_output(config);
  });
  return open_table_output(comm, config, output, schema);
}

}  // namespace rankflow::job
