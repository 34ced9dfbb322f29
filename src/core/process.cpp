#include "rankflow/core/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

extern char** environ;

namespace rankflow::process {
namespace {

// A pipe whose ends close themselves.
struct Pipe {
  int fds[2] = {-1, -1};
  Pipe() {
    if (pipe2(fds, O_CLOEXEC) != 0)
      throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  }
  ~Pipe() {
    close_end(0);
    close_end(1);
  }
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
  void close_end(int end) {
    if (fds[end] >= 0) ::close(fds[end]);
    fds[end] = -1;
  }
};

struct SpawnActions {
  posix_spawn_file_actions_t actions;
  SpawnActions() { posix_spawn_file_actions_init(&actions); }
  ~SpawnActions() { posix_spawn_file_actions_destroy(&actions); }
  SpawnActions(const SpawnActions&) = delete;
  SpawnActions& operator=(const SpawnActions&) = delete;
};

// Feeds `input` to the child's stdin and drains its stdout and stderr until all three are done;
// poll() keeps a child that writes a lot before reading from deadlocking with us.
void exchange(Pipe& in, Pipe& out, Pipe& err, const std::string& input, CommandResult& result) {
  std::size_t written = 0;
  if (input.empty()) in.close_end(1);
  char buffer[4096];
  while (in.fds[1] >= 0 || out.fds[0] >= 0 || err.fds[0] >= 0) {
    pollfd fds[3] = {{in.fds[1], POLLOUT, 0}, {out.fds[0], POLLIN, 0}, {err.fds[0], POLLIN, 0}};
    if (poll(fds, 3, -1) < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error(std::string("poll: ") + std::strerror(errno));
    }
    if (fds[0].revents != 0) {
      // Non-blocking: a blocking write of all the rest would wait for the child to read it
      // while the child waits for us to drain its output.
      const ssize_t n = ::write(in.fds[1], input.data() + written, input.size() - written);
      if (n > 0) written += static_cast<std::size_t>(n);
      const bool retry = n < 0 && (errno == EAGAIN || errno == EINTR);
      if ((n < 0 && !retry) || written == input.size())
        in.close_end(1);  // EPIPE: it stopped reading
    }
    for (int idx : {1, 2}) {
      if (fds[idx].revents == 0) continue;
      Pipe& pipe = idx == 1 ? out : err;
      const ssize_t n = ::read(pipe.fds[0], buffer, sizeof(buffer));
      if (n > 0)
        (idx == 1 ? result.out : result.err).append(buffer, static_cast<std::size_t>(n));
      else if (n == 0 || errno != EINTR)
        pipe.close_end(0);
    }
  }
}

}  // namespace

CommandResult run_command(const std::vector<std::string>& argv, const std::string& input) {
  CommandResult result;
  Pipe in, out, err;
  SpawnActions spawn;
  posix_spawn_file_actions_adddup2(&spawn.actions, in.fds[0], 0);
  posix_spawn_file_actions_adddup2(&spawn.actions, out.fds[1], 1);
  posix_spawn_file_actions_adddup2(&spawn.actions, err.fds[1], 2);
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  // A child that exits before reading all of stdin must not kill us with SIGPIPE.
  struct sigaction ignore {
  }, previous{};
  ignore.sa_handler = SIG_IGN;
  sigaction(SIGPIPE, &ignore, &previous);
  pid_t pid = 0;
  const int spawn_error =
      posix_spawnp(&pid, args[0], &spawn.actions, nullptr, args.data(), environ);
  if (spawn_error != 0) {
    sigaction(SIGPIPE, &previous, nullptr);
    result.err = std::strerror(spawn_error);
    return result;
  }
  result.started = true;
  in.close_end(0);
  fcntl(in.fds[1], F_SETFL, fcntl(in.fds[1], F_GETFL) | O_NONBLOCK);
  out.close_end(1);
  err.close_end(1);
  exchange(in, out, err, input, result);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  sigaction(SIGPIPE, &previous, nullptr);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

}  // namespace rankflow::process
