#include "rankflow/job/map_job.hpp"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <sstream>

#include "config/map_config.hpp"
#include "map_tasks.hpp"
#include "rankflow/comm/phase.hpp"
#include "rankflow/comm/task_counter.hpp"
#include "rankflow/core/log.hpp"
#include "rankflow/core/process.hpp"
#include "rankflow/core/stop_signal.hpp"

namespace fs = std::filesystem;

namespace rankflow::job {
namespace {

std::string host_name() {
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) != 0) return "unknown";
  return name;
}

// Inputs joined by '\0' (no path holds one), to broadcast as one string.
std::string pack(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) out += item + '\0';
  return out;
}

std::vector<std::string> unpack(const std::string& text) {
  std::vector<std::string> items;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = text.find('\0', start);
    items.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return items;
}

// Every rank: the program must exist before any task runs (a placeholder as the program is
// checked per task instead).
void check_program(const MapJobConfig& job) {
  const Template& program = job.command.front();
  if (program.pieces.size() != 1) return;
  if (!process::find_program(program.pieces[0]))
    throw ConfigError(
        "{}: [map] command: program '{}' not found{}", job.source, program.pieces[0],
        program.pieces[0].find('/') == std::string::npos ? " on the PATH" : " or not executable");
}

// Rank 0: folders, duplicate outputs, and which tasks the journal says need not run again.
std::vector<std::uint64_t> plan_tasks(const MapJobConfig& job,
                                      const std::vector<std::string>& inputs,
                                      std::vector<TaskRecord>& reused) {
  std::error_code ignored;
  const fs::path summary(job.summary_path);
  if (summary.has_parent_path()) fs::create_directories(summary.parent_path(), ignored);
  fs::create_directories(job.log_dir, ignored);
  if (!fs::is_directory(job.log_dir))
    throw DataError("{}: [map] log_dir '{}': cannot create the folder", job.source, job.log_dir);
  const std::size_t width = std::to_string(inputs.empty() ? 0 : inputs.size() - 1).size();
  std::map<std::string, std::uint64_t> outputs;
  std::map<std::string, TaskRecord> journal;
  if (job.rerun_all)
    fs::remove(journal_path(job), ignored);
  else
    journal = read_journal(journal_path(job));
  std::vector<std::uint64_t> to_run;
  for (std::uint64_t index = 0; index < inputs.size(); ++index) {
    const MapTask task = make_task(job, index, inputs[index], width);
    if (!task.output.empty()) {
      auto [place, fresh] = outputs.emplace(task.output, index);
      if (!fresh)
        throw ConfigError(
            "{}: [map] output: inputs '{}' and '{}' both write '{}'; use {{index}} "
            "or another placeholder in output",
            job.source, inputs[place->second], inputs[index], task.output);
    }
    auto done = journal.find(task.input);
    const bool still_there =
        done != journal.end() && (done->second.output.empty() || fs::exists(done->second.output));
    if (done != journal.end() && done->second.status == "ok" &&
        done->second.definition == task.definition() && still_there) {
      TaskRecord record = done->second;
      record.index = index;
      record.reused = true;
      reused.push_back(record);
    } else {
      to_run.push_back(index);
    }
  }
  return to_run;
}

// Every rank: runs tasks while the counter hands them out. Returns this rank's records.
std::vector<TaskRecord> run_tasks(const comm::Communicator& comm, const MapJobConfig& job,
                                  const std::vector<std::string>& inputs,
                                  const std::vector<std::uint64_t>& to_run,
                                  comm::TaskCounter& counter) {
  const std::string host = host_name();
  const std::string journal = journal_path(job);
  const std::size_t width = std::to_string(inputs.empty() ? 0 : inputs.size() - 1).size();
  std::vector<TaskRecord> records;
  while (stop_signal() == 0) {
    const std::optional<std::uint64_t> slot = counter.next();
    if (!slot) break;
    const MapTask task = make_task(job, to_run[*slot], inputs[to_run[*slot]], width);
    TaskOutcome outcome = run_task(task, job, counter, comm.rank(), host);
    if (!outcome.interrupted) append_journal(journal, outcome.record);
    if (outcome.record.status != "ok" && !outcome.interrupted && job.on_error == OnError::kStop)
      counter.stop();
    records.push_back(std::move(outcome.record));
    if (outcome.interrupted) break;
  }
  if (stop_signal() != 0) counter.stop();
  return records;
}

// The phase of running the tasks, agreed like comm::run_phase, except that a rank out of work
// waits for the others in counter.wait_for_all() (sleeping), outside the try, before agreeing.
std::vector<TaskRecord> run_tasks_phase(const comm::Communicator& comm, const MapJobConfig& job,
                                        const std::vector<std::string>& inputs,
                                        const std::vector<std::uint64_t>& to_run) {
  constexpr const char* kPhase = "running the [map] tasks";
  comm::TaskCounter counter(comm, to_run.size());
  std::vector<TaskRecord> records;
  comm::Failure failure;
  try {
    comm::maybe_inject_failure(comm, kPhase);
    records = run_tasks(comm, job, inputs, to_run, counter);
  } catch (...) {
    failure = comm::current_exception_as_error();
    counter.stop();  // the others end after their current task
  }
  counter.wait_for_all();
  comm::agree(comm, kPhase, failure);
  return records;
}

std::string pack_records(const std::vector<TaskRecord>& records) {
  std::string out;
  for (const TaskRecord& record : records) out += encode_record(record);
  return out;
}

// Every rank: all records in input order; inputs nobody ran are skipped.
std::vector<TaskRecord> merge_records(const std::vector<std::string>& inputs,
                                      const std::vector<std::string>& packed) {
  std::vector<TaskRecord> all(inputs.size());
  for (std::uint64_t index = 0; index < inputs.size(); ++index) {
    all[index].index = index;
    all[index].input = inputs[index];
  }
  for (const std::string& text : packed) {
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line))
      if (std::optional<TaskRecord> record = decode_record(line))
        if (record->index < all.size()) all[record->index] = std::move(*record);
  }
  return all;
}

void report(const MapJobConfig& job, const std::vector<TaskRecord>& records, int signal) {
  std::size_t ok = 0, reused = 0, skipped = 0;
  std::vector<std::string> failed;
  for (const TaskRecord& record : records) {
    ok += record.status == "ok";
    reused += record.reused;
    skipped += record.status == "skipped";
    if (record.status == "failed" || record.status == "timeout")
      failed.push_back("'" + record.input + "' (" +
                       (record.status == "timeout" ? std::string("timeout")
                                                   : "exit " + std::to_string(record.exit_code)) +
                       ", log " + record.log + ")");
  }
  log::info("map: {} tasks: {} ok ({} from an earlier run), {} failed, {} skipped; summary {}",
            records.size(), ok, reused, failed.size(), skipped, job.summary_path);
  if (signal != 0)
    throw Stopped(signal, fmt::format("map: stopped by signal {}: {} of {} tasks done; the "
                                      "journal {} lets the same job continue",
                                      signal, ok, records.size(), journal_path(job)));
  if (failed.empty()) return;
  std::string first;
  for (std::size_t idx = 0; idx < failed.size() && idx < 3; ++idx)
    first += (idx == 0 ? "" : ", ") + failed[idx];
  throw Error(ErrorKind::kRuntime,
              fmt::format("map: {} of {} tasks failed{}: {}{}; see {}", failed.size(),
                          records.size(), skipped > 0 ? " (the others were skipped)" : "", first,
                          failed.size() > 3 ? ", ..." : "", job.summary_path),
              /*agreed=*/true);
}

}  // namespace

void validate_map_job(const RawConfig& config) { parse_map_job(config); }

void run_map_job(const comm::Communicator& comm, const RawConfig& config) {
  const MapJobConfig job = parse_map_job(config);
  std::string packed_inputs;
  comm::run_phase(comm, "listing the [map] inputs", [&] {
    if (comm.rank() == 0) packed_inputs = pack(list_inputs(job));
  });
  comm.bcast(packed_inputs, 0);
  const std::vector<std::string> inputs = unpack(packed_inputs);
  comm::run_phase(comm, "checking the [map] command", [&] { check_program(job); });
  std::vector<TaskRecord> reused;
  std::vector<std::uint64_t> to_run;
  comm::run_phase(comm, "reading the [map] journal", [&] {
    if (comm.rank() == 0) to_run = plan_tasks(job, inputs, reused);
  });
  std::uint64_t count = to_run.size();
  comm.bcast(&count, 1, 0);
  to_run.resize(count);
  comm.bcast(to_run.data(), to_run.size(), 0);
  log::info("map: {} inputs, {} to run on {} ranks ({} done in an earlier run)", inputs.size(),
            to_run.size(), comm.size(), reused.size());
  StopSignalScope stop_scope;  // until the summary is written
  const std::vector<TaskRecord> mine = run_tasks_phase(comm, job, inputs, to_run);
  const int signal = comm.allreduce(stop_signal(), comm::ReduceOp::kMax);
  std::vector<TaskRecord> records =
      merge_records(inputs, comm.allgather_strings(pack_records(mine)));
  for (TaskRecord& record : reused) records[record.index] = std::move(record);
  comm::run_phase(comm, "writing the [map] summary", [&] {
    if (comm.rank() == 0) write_summary(job.summary_path, records);
  });
  report(job, records, signal);
}

}  // namespace rankflow::job
