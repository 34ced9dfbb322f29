#include "rankflow/io/output_file.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <vector>

#include "rankflow/comm/phase.hpp"
#include "rankflow/core/stop.hpp"

namespace fs = std::filesystem;

namespace rankflow::io {
namespace {

constexpr const char* kTempMark = ".rankflow-tmp-";
constexpr const char* kLockSuffix = ".lock";

bool ends_with(const std::string& text, const std::string& tail) {
  return text.size() >= tail.size() &&
         text.compare(text.size() - tail.size(), tail.size(), tail) == 0;
}

// The file of `entry` is one of `stem`'s: the stem itself or the stem followed by '.'.
bool belongs_to(const std::string& entry, const std::string& stem) {
  return entry.compare(0, stem.size(), stem) == 0 &&
         (entry.size() == stem.size() || entry[stem.size()] == '.');
}

// A lock file that nobody holds: its writer has gone (died, killed, or ended).
bool lock_is_free(const std::string& lock_path) {
  const int fd = ::open(lock_path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return false;
  const bool free = ::flock(fd, LOCK_EX | LOCK_NB) == 0;
  ::close(fd);
  return free;
}

}  // namespace

void remove_stale_temps(const std::string& folder, const std::string& name) {
  const std::string prefix = "." + name + kTempMark;
  std::vector<std::string> entries;
  if (DIR* dir = ::opendir(folder.c_str())) {
    while (const dirent* entry = ::readdir(dir))
      if (std::strncmp(entry->d_name, prefix.c_str(), prefix.size()) == 0)
        entries.emplace_back(entry->d_name);
    ::closedir(dir);
  }
  std::vector<std::string> live;   // stems whose lock is held
  std::vector<std::string> stale;  // stems whose lock is free
  for (const std::string& entry : entries) {
    if (!ends_with(entry, kLockSuffix)) continue;
    const std::string stem = entry.substr(0, entry.size() - std::strlen(kLockSuffix));
    (lock_is_free(folder + "/" + entry) ? stale : live).push_back(stem);
  }
  for (const std::string& entry : entries) {
    if (ends_with(entry, kLockSuffix)) continue;
    bool keep = false;
    for (const std::string& stem : live) keep = keep || belongs_to(entry, stem);
    // A file with no lock at all is stale too: a writer creates its lock before any of its
    // files and removes it after them.
    if (!keep) ::unlink((folder + "/" + entry).c_str());
  }
  for (const std::string& stem : stale) ::unlink((folder + "/" + stem + kLockSuffix).c_str());
}

namespace {

struct Prepared {
  std::string temp_path;  // empty: write the final path itself (a character device)
  int lock_fd = -1;
};

void check_target(const std::string& final_path, const std::string& folder, bool devices,
                  bool& direct) {
  std::error_code status;
  if (!fs::is_directory(folder, status))
    throw DataError("cannot write '{}': the folder '{}' does not exist", final_path, folder);
  if (access(folder.c_str(), W_OK) != 0)
    throw DataError("cannot write '{}': the folder '{}' is not writable ({})", final_path, folder,
                    std::strerror(errno));
  struct stat target {};
  direct = false;
  if (::stat(final_path.c_str(), &target) != 0 || S_ISREG(target.st_mode)) return;
  if (S_ISDIR(target.st_mode)) throw DataError("cannot write '{}': it is a folder", final_path);
  if (S_ISCHR(target.st_mode) && !devices)
    throw Error(ErrorKind::kConfig,
                fmt::format("cannot write '{}': it is a character device, and an HDF5 output "
                            "must be a regular file",
                            final_path));
  if (S_ISCHR(target.st_mode)) {  // /dev/null and the like: written to, never replaced
    direct = true;
    return;
  }
  throw Error(ErrorKind::kConfig,
              fmt::format("cannot write '{}': it is a {}, and rankflow writes its outputs in "
                          "parallel at file offsets and renames them into place; write a "
                          "regular file (and copy it) instead",
                          final_path,
                          S_ISFIFO(target.st_mode)   ? "FIFO (named pipe)"
                          : S_ISSOCK(target.st_mode) ? "socket"
                                                     : "block device"));
}

Prepared prepare(const std::string& final_path, bool devices) {
  const fs::path path(final_path);
  const std::string folder = path.parent_path().empty() ? "." : path.parent_path().string();
  bool direct = false;
  check_target(final_path, folder, devices, direct);
  if (direct) return {};
  const std::string name = path.filename().string();
  remove_stale_temps(folder, name);
  const char* job = std::getenv("SLURM_JOB_ID");
  Prepared prepared;
  prepared.temp_path = (fs::path(folder) / fmt::format(".{}{}{}-{}", name, kTempMark,
                                                       job != nullptr ? job : "local", getpid()))
                           .string();
  // The lock is taken under a name the cleanup does not look at, and only then linked to
  // its own name, so that no other job ever sees it free while this one is alive.
  const std::string lock_path = prepared.temp_path + kLockSuffix;
  const std::string early =
      (fs::path(folder) / fmt::format(".{}.rankflow-lock-{}", name, getpid())).string();
  prepared.lock_fd =
      ::open(early.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (prepared.lock_fd < 0) throw DataError("cannot create '{}': {}", early, std::strerror(errno));
  // Held for the output's life. A file system without locks: no lock, and then another job's
  // cleanup may take these files for stale (docs/outputs.md).
  (void)::flock(prepared.lock_fd, LOCK_EX | LOCK_NB);
  const int linked = ::link(early.c_str(), lock_path.c_str()) == 0 ? 0 : errno;
  ::unlink(early.c_str());
  if (linked != 0) {
    ::close(prepared.lock_fd);
    throw DataError("cannot create '{}': {}", lock_path, std::strerror(linked));
  }
  return prepared;
}

}  // namespace

std::optional<std::string> input_at(const std::string& output,
                                    const std::vector<std::string>& inputs) {
  struct stat target {};
  if (::stat(output.c_str(), &target) != 0) return std::nullopt;
  for (const std::string& input : inputs) {
    struct stat seen {};
    if (::stat(input.c_str(), &seen) == 0 && seen.st_dev == target.st_dev &&
        seen.st_ino == target.st_ino)
      return input;
  }
  return std::nullopt;
}

std::string part_path_beside(const std::string& target, const std::string& suffix) {
  struct stat seen {};
  if (::stat(target.c_str(), &seen) != 0 || !S_ISCHR(seen.st_mode)) return target + suffix;
  const char* tmp = std::getenv("TMPDIR");
  return fmt::format("{}/rankflow-part-{}{}", tmp != nullptr && *tmp != '\0' ? tmp : "/tmp",
                     getpid(), suffix);
}

AtomicOutput::AtomicOutput(const comm::Communicator& comm, std::string final_path, Target target)
    : comm_(&comm), final_path_(std::move(final_path)) {
  temp_path_ = comm::run_phase(comm, "preparing the output", [&] {
    if (comm.rank() != 0) return std::string();
    Prepared prepared = prepare(final_path_, target == Target::kAnyFile);
    lock_fd_ = prepared.lock_fd;
    if (lock_fd_ >= 0) {
      lock_path_ = prepared.temp_path + kLockSuffix;
      lock_registration_ = core::TempFile(lock_path_);
      temp_registration_ = core::TempFile(prepared.temp_path);
    }
    return prepared.temp_path;  // empty: a character device, written directly
  });
  comm.bcast(temp_path_, 0);
  direct_ = temp_path_.empty();
  if (direct_) temp_path_ = final_path_;
}

AtomicOutput::~AtomicOutput() {
  if (!committed_ && !direct_ && comm_->rank() == 0) std::remove(temp_path_.c_str());
  release_lock();
}

void AtomicOutput::release_lock() noexcept {
  if (lock_fd_ < 0) return;
  ::unlink(lock_path_.c_str());  // after the files it guards
  ::close(lock_fd_);
  lock_fd_ = -1;
}

void AtomicOutput::commit() {
  comm_->barrier();
  comm::run_phase(*comm_, "renaming the output", [&] {
    core::throw_if_stopped();  // a stop before the rename leaves the old output in place
    if (comm_->rank() != 0 || direct_) return;
    if (std::rename(temp_path_.c_str(), final_path_.c_str()) != 0)
      throw DataError("cannot rename '{}' to '{}': {}", temp_path_, final_path_,
                      std::strerror(errno));
  });
  committed_ = true;
}

}  // namespace rankflow::io
