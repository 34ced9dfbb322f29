// rankflow's one exception type, and the exit codes the CLI maps it to.
//
// An Error carries a kind (what the user did wrong vs. what went wrong while running) so that
// the CLI can exit with 2 for usage/config errors and 1 for runtime/data errors, and a flag
// saying whether every rank already agreed on it (see comm/phase.hpp): an agreed error is
// printed once by rank 0; an error that was not agreed ends the job with MPI_Abort.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

#include <fmt/format.h>

namespace rankflow {

enum class ErrorKind : int {
  kRuntime = 1,  // data, I/O, MPI, HDF5: exit code 1
  kConfig = 2,   // command line or job config: exit code 2, raised before any data is read
  kInterrupted = 130,  // stopped by SIGINT (core/stop.hpp): exit code 128 + 2
  kTerminated = 143,   // stopped by SIGTERM (core/stop.hpp): exit code 128 + 15
};

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, std::string message, bool agreed = false)
      : std::runtime_error(std::move(message)), kind_(kind), agreed_(agreed) {}

  ErrorKind kind() const noexcept { return kind_; }
  int exit_code() const noexcept { return static_cast<int>(kind_); }
  // True when every rank of the communicator throws this same error (comm/phase.hpp).
  bool agreed() const noexcept { return agreed_; }

  // Where in the input the error was found (a byte of the input's global byte space), for
  // the agreement: when ranks fail at different places of one input, the earliest is what a
  // serial reading reports, at every rank count. kNoPosition: not tied to a place.
  static constexpr std::uint64_t kNoPosition = ~std::uint64_t{0};
  std::uint64_t input_position() const noexcept { return input_position_; }
  void set_input_position(std::uint64_t position) noexcept { input_position_ = position; }

 private:
  ErrorKind kind_;
  bool agreed_;
  std::uint64_t input_position_ = kNoPosition;
};

// ConfigError(...) and DataError(...) format their message with fmt.
template <typename... Args>
Error ConfigError(fmt::format_string<Args...> format, Args&&... args) {
  return Error(ErrorKind::kConfig, fmt::format(format, std::forward<Args>(args)...));
}

template <typename... Args>
Error DataError(fmt::format_string<Args...> format, Args&&... args) {
  return Error(ErrorKind::kRuntime, fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace rankflow
