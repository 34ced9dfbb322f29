// Table inputs and outputs opened from key = value settings: the keys of a job's [input] and
// [output] sections (`rankflow keys`), for C++ callers such as api::Frame.
//
//   auto source = job::open_table_source(comm, "data/sales.csv", {{"delimiter", ";"}});
//   auto sink = job::open_table_sink(comm, "out/result.csv", schema, {});
//
// A job config and these calls go through the same code (src/job/table_io.cpp), so the formats,
// keys, checks and messages are the same. Both are collective over `comm` and agree on errors:
// an unknown key, a bad value, a missing file or an unwritable folder throws the same Error on
// every rank (ErrorKind::kConfig for the settings, kRuntime for files), before any row moves.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "rankflow/comm/communicator.hpp"
#include "rankflow/exec/stage.hpp"
#include "rankflow/io/table_io.hpp"

namespace rankflow::job {

// key = value pairs, as in a config section ("schema", "key:int64"); the path is separate.
using Settings = std::vector<std::pair<std::string, std::string>>;

// The table at `path` (a file or a glob; format by extension or the "format" setting), this
// rank's part of it. Collective.
std::unique_ptr<io::TableSource> open_table_source(const comm::Communicator& comm,
                                                   const std::string& path,
                                                   const Settings& settings = {});

// A sink writing rows of `schema` to `path` (atomically: complete, or not at all). Collective.
std::unique_ptr<io::TableSink> open_table_sink(const comm::Communicator& comm,
                                               const std::string& path,
                                               const table::Schema& schema,
                                               const Settings& settings = {});

// The stages that read a source block by block and write to a sink (what table jobs use),
// for a pipeline of one's own (exec/pipeline.hpp); `phase` names the phase in errors.
std::unique_ptr<exec::Stage> read_stage(io::TableSource& source, std::string phase);
std::unique_ptr<exec::Stage> write_stage(io::TableSink& sink, const table::Schema& schema,
                                         std::string phase);

}  // namespace rankflow::job
