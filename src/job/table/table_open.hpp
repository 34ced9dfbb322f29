// The inputs and the output of a table job, opened by their format: the one place where a
// config section becomes an io::TableSource or io::TableSink. Internal to job/.
//
//   auto source = open_table_input(comm, config, "input.sales");  // collective
//   auto sink = open_table_output(comm, config, plan.output, result_schema);  // collective
//
// Both are collective over `comm` and agree on errors (comm::run_phase): a missing file, a bad
// key or an unwritable folder throws the same Error on every rank before any row is read.
#pragma once

#include <memory>
#include <string>

#include "rankflow/comm/communicator.hpp"
#include "rankflow/io/table_io.hpp"
#include "rankflow/job/config.hpp"
#include "table_plan.hpp"

namespace rankflow::job {

// The table of config section `section` ([input] or [input.NAME]); its format comes from
// `format` or the path's extension (job::input_format).
std::unique_ptr<io::TableSource> open_table_input(const comm::Communicator& comm,
                                                  const RawConfig& config,
                                                  const std::string& section);

// The sink of [output] for rows of `schema`, or nullptr when the output has no path.
std::unique_ptr<io::TableSink> open_table_output(const comm::Communicator& comm,
                                                 const RawConfig& config, const OutputPlan& output,
                                                 const table::Schema& schema);

}  // namespace rankflow::job
