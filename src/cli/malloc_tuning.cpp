#include "malloc_tuning.hpp"

#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RANKFLOW_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define RANKFLOW_ASAN 1
#endif

namespace rankflow::cli {
namespace {

// Set only between the exec and the restore: "none" (the user had no GLIBC_TUNABLES) or "saved"
// (their value is in kSaved).
constexpr const char* kMarker = "RANKFLOW_MALLOC_TUNED";
constexpr const char* kSaved = "RANKFLOW_USER_GLIBC_TUNABLES";
constexpr const char* kTunables = "GLIBC_TUNABLES";

const char* status = "not asked (only rankflow run and generate)";

void restore_user_tunables(const char* marker) {
  const char* saved = std::getenv(kSaved);
  if (std::strcmp(marker, "saved") == 0 && saved != nullptr)
    setenv(kTunables, saved, 1);
  else
    unsetenv(kTunables);
  unsetenv(kSaved);
  unsetenv(kMarker);
}

}  // namespace

const char* malloc_tunables() {
  // hugetlb=1: malloc madvises its heap and mmapped chunks for transparent huge pages (one
  //   fault per 2 MiB, and the kernel zeroes a huge page ~3x faster per byte here).
  // mmap_threshold=32 MiB: blocks below it come from the heap and are reused after free
  //   instead of being unmapped and faulted in fresh (glibc's adaptive threshold grows only
  //   after the first free). Blocks above it are still mmapped (and returned on free).
  // trim_threshold=64 GiB: freed memory at the top of the heap is kept for the next block.
  return "glibc.malloc.hugetlb=1:glibc.malloc.mmap_threshold=33554432:"
         "glibc.malloc.trim_threshold=68719476736";
}

bool prepare_tuned_environment() {
#ifdef RANKFLOW_ASAN
  status = "off (AddressSanitizer build)";
  return false;
#else
  if (std::getenv(kMarker) != nullptr) return false;
  const char* opt_out = std::getenv("RANKFLOW_MALLOC_TUNING");
  if (opt_out != nullptr && std::strcmp(opt_out, "off") == 0) {
    status = "off (RANKFLOW_MALLOC_TUNING=off)";
    return false;
  }
  const char* user = std::getenv(kTunables);
  std::string tunables = malloc_tunables();
  if (user != nullptr && *user != '\0') tunables += std::string(":") + user;
  if (user != nullptr) setenv(kSaved, user, 1);
  setenv(kMarker, user != nullptr ? "saved" : "none", 1);
  setenv(kTunables, tunables.c_str(), 1);
  return true;
#endif
}

void tune_malloc(char** argv) {
  // Started by the rankflow command (entry.cpp), or re-executed below.
  if (const char* marker = std::getenv(kMarker)) {
    restore_user_tunables(marker);
    status = "on";
    return;
  }
  if (!prepare_tuned_environment()) return;
  // By its path, not as /proc/self/exe: the process keeps its name (/proc/PID/comm, what top,
  // pidof, pkill and sstat show) "rankflow" instead of "exe".
  std::error_code error;
  const std::string binary = program_path(error);
  if (!error) execv(binary.c_str(), argv);
  execv("/proc/self/exe", argv);  // the binary was replaced or removed since it started
  // Still here: no /proc (not Linux) or the binary is gone. Run with glibc's defaults.
  restore_user_tunables(std::getenv(kMarker));
  status = "off (the re-exec through /proc/self/exe failed)";
}

std::string program_path(std::error_code& error) {
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", error);
  return error ? std::string() : self.string();
}

const char* malloc_tuning_status() { return status; }

std::string process_name() {
  std::ifstream comm("/proc/self/comm");
  std::string name;
  std::getline(comm, name);
  return name;
}

}  // namespace rankflow::cli
