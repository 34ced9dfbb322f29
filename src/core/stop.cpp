#include "rankflow/core/stop.hpp"

#include <pthread.h>
#include <semaphore.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <ctime>

#include "rankflow/core/temp_files.hpp"

namespace rankflow::core {
namespace {

std::atomic<int> g_signal{0};
std::atomic<bool> g_installed{false};
std::atomic<bool> g_reporter{false};
std::atomic<bool> g_reported{false};
sem_t g_wake;

static_assert(std::atomic<int>::is_always_lock_free, "the signal handler needs a lock-free int");

const char* signal_name(int signal_number) noexcept {
  return signal_number == SIGINT ? "SIGINT" : "SIGTERM";
}

void record(int signal_number) noexcept {
  int none = 0;
  g_signal.compare_exchange_strong(none, signal_number);
}

// Async-signal-safe: an atomic store and sem_post.
extern "C" void on_stop_signal(int signal_number) {
  const int saved = errno;
  record(signal_number);
  if (g_installed.load()) sem_post(&g_wake);
  errno = saved;
}

void sleep_for(std::chrono::milliseconds wait) noexcept {
  const auto ms = wait.count();
  timespec left{static_cast<time_t>(ms / 1000), static_cast<long>((ms % 1000) * 1000000)};
  while (nanosleep(&left, &left) != 0 && errno == EINTR) {
  }
}

// The last resort: the rank did not get out by itself in time.
extern "C" void* watchdog(void*) {
  while (sem_wait(&g_wake) != 0) {
  }
  sleep_for(kStopGrace);
  remove_temp_files();
  report_stop();
  _exit(128 + g_signal.load());
}

}  // namespace

void install_stop_handlers(bool reporter) {
  g_reporter.store(reporter);
  if (g_installed.exchange(true)) return;
  sem_init(&g_wake, 0, 0);
  // The watchdog takes no signal itself: it is created with every signal blocked.
  sigset_t all;
  sigset_t previous;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &previous);
  pthread_t thread;
  if (pthread_create(&thread, nullptr, watchdog, nullptr) == 0) pthread_detach(thread);
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);

  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
  // A signal that came before the handlers (during MPI_Init) is not lost: none can, since
  // the default action would have ended the process; nothing to replay.
}

bool stop_requested() noexcept { return g_signal.load(std::memory_order_relaxed) != 0; }

int stop_signal() noexcept { return g_signal.load(); }

bool is_stop(ErrorKind kind) noexcept {
  return kind == ErrorKind::kInterrupted || kind == ErrorKind::kTerminated;
}

Error stop_error() {
  const int signal_number = stop_signal();
  return Error(signal_number == SIGINT ? ErrorKind::kInterrupted : ErrorKind::kTerminated,
               std::string("stopped by ") + signal_name(signal_number));
}

void report_stop() noexcept {
  if (!g_reporter.load() || g_reported.exchange(true)) return;
  const char* name = signal_name(g_signal.load());
  const char prefix[] = "rankflow: stopped by ";
  ssize_t ignored = ::write(STDERR_FILENO, prefix, sizeof(prefix) - 1);
  ignored = ::write(STDERR_FILENO, name, std::strlen(name));
  ignored = ::write(STDERR_FILENO, "\n", 1);
  (void)ignored;
}

void request_stop_for_test(int signal_number) noexcept { record(signal_number); }

}  // namespace rankflow::core
