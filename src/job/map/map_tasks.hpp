// The tasks of a [map] job (private to job/; docs/map.md): what defines each one, how it is
// run (argv, log, atomic output, retries, timeout), the journal that lets a rerun skip what
// succeeded, and the summary CSV.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/map_config.hpp"
#include "rankflow/comm/task_counter.hpp"

namespace rankflow::job {

struct MapTask {
  std::uint64_t index = 0;
  std::string input;
  std::vector<std::string> argv;  // placeholders substituted; {output} is temp_output
  std::string output;             // the final path ("" when [map] output is not set)
  std::string temp_output;        // beside it, hidden: .rankflow-tmp.NAME
  std::string log_path;
  std::int64_t input_size = -1;  // -1: not a file
  std::int64_t input_mtime_ns = -1;
  // The command, input, size, mtime and output: a journal record of the same definition that
  // succeeded means the task need not run again.
  std::string definition() const;
};

// What happened to a task: a journal line and a summary row.
struct TaskRecord {
  std::uint64_t index = 0;
  std::string input;
  std::string status = "skipped";  // ok, failed, timeout, skipped
  int exit_code = -1;              // -1: none (skipped)
  int attempts = 0;
  int rank = -1;
  std::string host;
  double seconds = 0;
  std::string output;  // the final output when the task wrote one
  std::string log;
  bool reused = false;     // taken from the journal of an earlier run
  std::string definition;  // MapTask::definition()
};

// Rank 0 only: the inputs in order (globs sorted, @lists as written). Throws a ConfigError for
// a glob that matches nothing or a list that cannot be read.
std::vector<std::string> list_inputs(const MapJobConfig& job);
MapTask make_task(const MapJobConfig& job, std::uint64_t index, const std::string& input,
                  std::size_t index_width);

struct TaskOutcome {
  TaskRecord record;
  bool interrupted = false;  // stopped by a signal: not finished, not journaled
};
// Runs a task with its retries; returns early (interrupted) when stop_signal() is set. Calls
// counter.progress() while it waits, so that rank 0 keeps serving the counter.
TaskOutcome run_task(const MapTask& task, const MapJobConfig& job, const comm::TaskCounter& counter,
                     int rank, const std::string& host);

// The journal: one line per finished task, appended and flushed as each task ends, by the rank
// that ran it (O_APPEND: lines of different ranks never interleave).
std::string journal_path(const MapJobConfig& job);
void append_journal(const std::string& path, const TaskRecord& record);
// The latest record of each input; lines that do not parse (a write cut by SIGKILL) are
// skipped.
std::map<std::string, TaskRecord> read_journal(const std::string& path);

std::string encode_record(const TaskRecord& record);
std::optional<TaskRecord> decode_record(const std::string& line);

// Rank 0: the summary CSV, one row per task in input order, written under a temporary name
// and renamed. Throws DataError when it cannot be written.
void write_summary(const std::string& path, const std::vector<TaskRecord>& records);

}  // namespace rankflow::job
