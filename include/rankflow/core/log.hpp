// Messages to stderr, prefixed with the rank (and the Slurm job id inside Slurm).
//
// The CLI calls log::init once after MPI is up. info() and warn() print on rank 0 only unless
// told otherwise: a 64-rank job prints one line, not 64. debug() prints on every rank when the
// level is kDebug (RANKFLOW_LOG=debug or --verbose).
#pragma once

#include <string>
#include <string_view>

#include <fmt/format.h>

namespace rankflow::log {

enum class Level { kQuiet, kInfo, kDebug };

struct Context {
  int rank = 0;
  int size = 1;
  Level level = Level::kInfo;
  std::string job_id;  // SLURM_JOB_ID when set
};

void init(const Context& context);
const Context& context();

void write(std::string_view severity, std::string_view message);  // this rank, always

template <typename... Args>
void info(fmt::format_string<Args...> format, Args&&... args) {
  if (context().rank == 0 && context().level != Level::kQuiet)
    write("info", fmt::format(format, std::forward<Args>(args)...));
}

template <typename... Args>
void warn(fmt::format_string<Args...> format, Args&&... args) {
  if (context().rank == 0) write("warning", fmt::format(format, std::forward<Args>(args)...));
}

template <typename... Args>
void debug(fmt::format_string<Args...> format, Args&&... args) {
  if (context().level == Level::kDebug)
    write("debug", fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace rankflow::log
