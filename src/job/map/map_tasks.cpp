// Listing, defining and running the tasks of a [map] job (map_tasks.hpp).
#include "map_tasks.hpp"

#include <fcntl.h>
#include <glob.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "rankflow/core/process.hpp"
#include "rankflow/core/stop_signal.hpp"

namespace fs = std::filesystem;

namespace rankflow::job {
namespace {

// A task's child gets this long to end after SIGTERM before SIGKILL: after its timeout, and
// when the job is stopped. The stop's is short because mpirun sends SIGKILL to its ranks 1 s
// after it passes on a SIGTERM (odls_base_sigkill_timeout), and the summary comes after it.
constexpr double kTimeoutGraceSeconds = 2.0;
constexpr double kStopGraceSeconds = 0.3;

bool has_glob_characters(const std::string& text) {
  return text.find_first_of("*?[") != std::string::npos;
}

void list_file(const MapJobConfig& job, const std::string& list, std::vector<std::string>& out) {
  std::ifstream file(list);
  if (!file)
    throw ConfigError(
        "{}: [map] inputs: cannot read the list '@{}': no such file or not "
        "readable",
        job.source, list);
  std::string line;
  while (std::getline(file, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) out.push_back(line);
  }
}

void list_glob(const MapJobConfig& job, const std::string& pattern, std::vector<std::string>& out) {
  if (!has_glob_characters(pattern)) {
    struct stat info {};
    if (::stat(pattern.c_str(), &info) != 0)
      throw ConfigError("{}: [map] inputs: '{}': no such file", job.source, pattern);
    out.push_back(pattern);
    return;
  }
  glob_t matches{};
  const int result = ::glob(pattern.c_str(), 0, nullptr, &matches);
  if (result == 0)
    for (std::size_t idx = 0; idx < matches.gl_pathc; ++idx) out.push_back(matches.gl_pathv[idx]);
  globfree(&matches);
  if (result == GLOB_NOMATCH)
    throw ConfigError("{}: [map] inputs: '{}' matches no file", job.source, pattern);
  if (result != 0) throw ConfigError("{}: [map] inputs: cannot list '{}'", job.source, pattern);
}

std::string file_name(const std::string& path) {
  std::string trimmed = path;
  while (trimmed.size() > 1 && trimmed.back() == '/') trimmed.pop_back();
  const std::size_t slash = trimmed.find_last_of('/');
  return slash == std::string::npos ? trimmed : trimmed.substr(slash + 1);
}

std::string stem_of(const std::string& name) {
  const std::size_t dot = name.find_last_of('.');
  return dot == std::string::npos || dot == 0 ? name : name.substr(0, dot);
}

std::string temp_beside(const std::string& path) {
  const std::size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".rankflow-tmp." + path;
  return path.substr(0, slash + 1) + ".rankflow-tmp." + path.substr(slash + 1);
}

// Escapes what would break a journal field or the command's word boundaries.
std::string escape(const std::string& text) {
  std::string out;
  for (const char c : text) {
    if (c == '%' || c == ',' || c == ' ' || c == '\n' || c == '\r' || c == '\t') {
      static const char* kHex = "0123456789ABCDEF";
      out += '%';
      out += kHex[(static_cast<unsigned char>(c) >> 4) & 0xF];
      out += kHex[static_cast<unsigned char>(c) & 0xF];
    } else {
      out += c;
    }
  }
  return out;
}

void sleep_for_seconds(double seconds) {
  timespec request{0, static_cast<long>(seconds * 1e9)};
  nanosleep(&request, nullptr);  // EINTR (a stop signal) ends it early, as wanted
}

// One attempt: the child runs with its output into the log; waits, watching the timeout and
// the stop signal. `timed_out` / `stopped` say why it was killed.
process::ExitStatus run_attempt(const MapTask& task, const MapJobConfig& job, int log_fd,
                                const comm::TaskCounter& counter, bool& timed_out, bool& stopped) {
  process::ChildProcess child(task.argv, log_fd);
  const auto started = std::chrono::steady_clock::now();
  double pause = 50e-6;
  while (true) {
    if (std::optional<process::ExitStatus> status = child.poll()) return *status;
    if (stop_signal() != 0) {
      stopped = true;
      return child.terminate(kStopGraceSeconds);
    }
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (job.timeout_seconds > 0 && elapsed >= job.timeout_seconds) {
      timed_out = true;
      return child.terminate(kTimeoutGraceSeconds);
    }
    counter.progress();
    sleep_for_seconds(pause);
    pause = std::min(pause * 2, 2e-3);
  }
}

int open_log(const MapTask& task, int attempt) {
  const int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (attempt == 1 ? O_TRUNC : O_APPEND);
  const int fd = ::open(task.log_path.c_str(), flags, 0644);
  if (fd < 0)
    throw DataError("[map] task {} ({}): cannot write its log '{}': {}", task.index, task.input,
                    task.log_path, std::strerror(errno));
  return fd;
}

void write_text(int fd, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    done += static_cast<std::size_t>(n);
  }
}

// After a successful attempt: the temporary output becomes the final one.
void commit_output(const MapTask& task, TaskRecord& record) {
  if (task.output.empty()) return;
  std::error_code error;
  if (!fs::exists(task.temp_output, error)) return;  // the command wrote nothing: allowed
  fs::rename(task.temp_output, task.output, error);
  if (error) {
    record.status = "failed";
    fs::remove(task.temp_output, error);
    return;
  }
  record.output = task.output;
}

}  // namespace

std::string MapTask::definition() const {
  std::string command;
  for (const std::string& arg : argv) command += (command.empty() ? "" : " ") + escape(arg);
  return command + "," + escape(input) + "," + std::to_string(input_size) + "," +
         std::to_string(input_mtime_ns) + "," + escape(output);
}

std::vector<std::string> list_inputs(const MapJobConfig& job) {
  std::vector<std::string> inputs;
  for (const std::string& item : job.inputs) {
    if (!item.empty() && item[0] == '@')
      list_file(job, item.substr(1), inputs);
    else
      list_glob(job, item, inputs);
  }
  return inputs;
}

MapTask make_task(const MapJobConfig& job, std::uint64_t index, const std::string& input,
                  std::size_t index_width) {
  MapTask task;
  task.index = index;
  task.input = input;
  TaskNames names;
  names.input = input;
  names.name = file_name(input);
  names.stem = stem_of(names.name);
  names.index = std::to_string(index);
  if (job.has_output) {
    task.output = expand(job.output, names);
    task.temp_output = temp_beside(task.output);
    names.output = task.temp_output;
  }
  for (const Template& word : job.command) task.argv.push_back(expand(word, names));
  std::string number = names.index;
  if (number.size() < index_width) number.insert(0, index_width - number.size(), '0');
  // A name of at most 255 bytes whatever the stem.
  task.log_path = job.log_dir + "/" + number + "-" + names.stem.substr(0, 200) + ".log";
  struct stat info {};
  if (::stat(input.c_str(), &info) == 0 && S_ISREG(info.st_mode)) {
    task.input_size = static_cast<std::int64_t>(info.st_size);
    task.input_mtime_ns = static_cast<std::int64_t>(info.st_mtim.tv_sec) * 1000000000 +
                          static_cast<std::int64_t>(info.st_mtim.tv_nsec);
  }
  return task;
}

TaskOutcome run_task(const MapTask& task, const MapJobConfig& job, const comm::TaskCounter& counter,
                     int rank, const std::string& host) {
  TaskOutcome outcome;
  TaskRecord& record = outcome.record;
  record.index = task.index;
  record.input = task.input;
  record.rank = rank;
  record.host = host;
  record.log = task.log_path;
  record.definition = task.definition();
  std::error_code ignored;
  if (!task.output.empty()) fs::create_directories(fs::path(task.output).parent_path(), ignored);
  const auto started = std::chrono::steady_clock::now();
  for (int attempt = 1; attempt <= job.retries + 1; ++attempt) {
    if (stop_signal() != 0) {
      outcome.interrupted = true;
      break;
    }
    if (!task.temp_output.empty()) fs::remove(task.temp_output, ignored);
    const int log_fd = open_log(task, attempt);
    if (attempt > 1)
      write_text(log_fd, "--- rankflow: attempt " + std::to_string(attempt) +
                             " (the previous "
                             "one: " +
                             record.status + ", exit code " + std::to_string(record.exit_code) +
                             ") ---\n");
    record.attempts = attempt;
    bool timed_out = false;
    bool stopped = false;
    process::ExitStatus status;
    try {
      status = run_attempt(task, job, log_fd, counter, timed_out, stopped);
    } catch (const std::runtime_error& error) {
      write_text(log_fd, std::string("rankflow: ") + error.what() + "\n");
      status.code = 127;
    }
    ::close(log_fd);
    record.exit_code = status.code;
    record.status = timed_out ? "timeout" : status.ok() ? "ok" : "failed";
    if (stopped) {
      outcome.interrupted = true;
      break;
    }
    if (status.ok()) commit_output(task, record);
    if (record.status == "ok") break;
  }
  if (!task.temp_output.empty()) fs::remove(task.temp_output, ignored);
  record.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (outcome.interrupted) record.status = "skipped";
  return outcome;
}

}  // namespace rankflow::job
