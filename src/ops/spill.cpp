#include "rankflow/ops/spill.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>

#include "rankflow/core/error.hpp"
#include "rankflow/ops/memory_budget.hpp"

namespace rankflow::ops {
namespace {

// Paths the signal path removes: fixed slots of fixed size, so that a handler reads them
// without allocating. A slot is taken with a compare-exchange and freed by clearing it.
constexpr std::size_t kSlots = 64;
constexpr std::size_t kPathBytes = 512;
struct Slot {
  std::atomic<int> state{0};  // 0 free, 1 being written, 2 a file, 3 a folder
  char path[kPathBytes];
};
Slot g_slots[kSlots];

int register_path(const std::string& path, int kind) {
  if (path.size() >= kPathBytes) return -1;
  for (std::size_t idx = 0; idx < kSlots; ++idx) {
    int expected = 0;
    if (!g_slots[idx].state.compare_exchange_strong(expected, 1)) continue;
    std::memcpy(g_slots[idx].path, path.c_str(), path.size() + 1);
    g_slots[idx].state.store(kind);
    return static_cast<int>(idx);
  }
  return -1;  // full: the destructor still removes it, only SIGTERM would miss it
}

void unregister_path(int slot) {
  if (slot >= 0) g_slots[slot].state.store(0);
}

// The files of `folder` (not . and ..), by name.
std::vector<std::string> entries_of(const std::string& folder) {
  std::vector<std::string> names;
  DIR* dir = ::opendir(folder.c_str());
  if (dir == nullptr) return names;
  while (const dirent* entry = ::readdir(dir)) {
    const std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  ::closedir(dir);
  return names;
}

bool ends_with(const std::string& text, const std::string& tail) {
  return text.size() >= tail.size() && text.compare(text.size() - tail.size(), tail.size(), tail) == 0;
}

constexpr const char* kFolderPrefix = "rankflow-scratch-";

// A spill file or lock of a rank: rank-<digits>-... or rank-<digits>.lock. Nothing else is
// ever removed, whatever else a folder holds.
bool is_ours(const std::string& name) {
  if (name.rfind("rank-", 0) != 0) return false;
  std::size_t at = 5;
  while (at < name.size() && name[at] >= '0' && name[at] <= '9') ++at;
  return at > 5 && at < name.size() && (name[at] == '-' || name.compare(at, 5, ".lock") == 0);
}

// A job folder whose owners are gone: it holds at least one lock and every lock in it can be
// taken (an flock dies with its process), or it holds no lock and only our files and has not
// changed for an hour (its job died between creating it and locking). Only our files go.
void remove_if_abandoned(const std::string& folder) {
  const std::vector<std::string> names = entries_of(folder);
  std::vector<int> held;
  bool abandoned = true;
  bool any_lock = false;
  for (const std::string& name : names) {
    if (!is_ours(name)) {
      abandoned = false;  // something else lives here: leave the folder alone
      break;
    }
    if (!ends_with(name, ".lock")) continue;
    any_lock = true;
    const int fd = ::open((folder + "/" + name).c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) continue;
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      ::close(fd);
      abandoned = false;
      break;
    }
    held.push_back(fd);
  }
  if (abandoned && !any_lock) {
    struct stat info {};
    abandoned = ::stat(folder.c_str(), &info) == 0 && std::time(nullptr) - info.st_mtime > 3600;
  }
  if (abandoned) {
    for (const std::string& name : names) ::unlink((folder + "/" + name).c_str());
    ::rmdir(folder.c_str());
  }
  for (int fd : held) ::close(fd);
}

void remove_abandoned(const std::string& dir, const std::string& mine) {
  for (const std::string& name : entries_of(dir))
    if (name.rfind(kFolderPrefix, 0) == 0 && dir + "/" + name != mine)
      remove_if_abandoned(dir + "/" + name);
}

std::string job_name(const comm::Communicator& comm) {
  std::string name;
  if (comm.rank() == 0) {
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    const char* slurm = std::getenv("SLURM_JOB_ID");
    name = std::string(host) + "-" + std::to_string(::getpid());
    if (slurm != nullptr && *slurm != '\0') name = std::string("slurm") + slurm + "-" + name;
  }
  comm.bcast(name, 0);
  return name;
}

}  // namespace

std::string default_scratch_dir() {
  const char* tmp = std::getenv("TMPDIR");
  return tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
}

std::shared_ptr<Scratch> Scratch::open(const comm::Communicator& comm, ScratchOptions options) {
  if (options.dir.empty()) options.dir = default_scratch_dir();
  while (options.dir.size() > 1 && options.dir.back() == '/') options.dir.pop_back();
  const std::string folder = options.dir + "/" + kFolderPrefix + job_name(comm);
  remove_abandoned(options.dir, folder);
  return std::shared_ptr<Scratch>(new Scratch(std::move(options), folder, comm.rank()));
}

Scratch::Scratch(ScratchOptions options, std::string folder, int rank)
    : options_(std::move(options)), folder_(std::move(folder)), rank_(rank) {}

Scratch::~Scratch() { remove(); }

void Scratch::ensure() {
  if (lock_fd_ >= 0) return;
  if (::mkdir(folder_.c_str(), 0700) != 0 && errno != EEXIST)
    throw DataError("scratch: cannot create the folder {}: {} (set [job] scratch to a writable "
                    "folder)", folder_, std::strerror(errno));
  const std::string lock = folder_ + "/rank-" + std::to_string(rank_) + ".lock";
  lock_fd_ = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock_fd_ < 0 || ::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0)
    throw DataError("scratch: cannot lock {}: {}", lock, std::strerror(errno));
  lock_slot_ = register_path(lock, 2);
  folder_slot_ = register_path(folder_, 3);
}

std::string Scratch::file_path(const std::string& name) const {
  return folder_ + "/rank-" + std::to_string(rank_) + "-" + name;
}

void Scratch::charge(std::uint64_t bytes) {
  if (options_.max_bytes_per_rank != 0 && used_ + bytes > options_.max_bytes_per_rank)
    throw DataError("scratch: rank {} needs more than {} of spill files in {} ({}); raise it, "
                    "use more ranks or a larger memory_per_rank",
                    rank_, format_bytes(options_.max_bytes_per_rank), folder_, options_.origin);
  used_ += bytes;
  written_ += bytes;
}

void Scratch::remove() noexcept {
  if (lock_fd_ < 0) return;
  const std::string prefix = "rank-" + std::to_string(rank_) + "-";
  for (const std::string& name : entries_of(folder_))
    if (name.rfind(prefix, 0) == 0 && is_ours(name)) ::unlink((folder_ + "/" + name).c_str());
  const std::string lock = folder_ + "/rank-" + std::to_string(rank_) + ".lock";
  ::unlink(lock.c_str());
  ::close(lock_fd_);
  lock_fd_ = -1;
  ::rmdir(folder_.c_str());  // fails while another rank still has files there: it removes it
  unregister_path(lock_slot_);
  unregister_path(folder_slot_);
  lock_slot_ = folder_slot_ = -1;
}

void remove_scratch_for_signal() noexcept {
  for (int kind = 2; kind <= 3; ++kind)  // files first, then their folders
    for (Slot& slot : g_slots)
      if (slot.state.load() == kind) {
        if (kind == 2)
          ::unlink(slot.path);
        else
          ::rmdir(slot.path);
      }
}

SpillFile::SpillFile(Scratch& scratch, const std::string& name, std::size_t block_bytes)
    : scratch_(&scratch), path_(scratch.file_path(name)), block_bytes_(block_bytes) {
  scratch.ensure();
  fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd_ < 0) fail("create", errno);
  slot_ = register_path(path_, 2);
  buffer_.reserve(block_bytes_);
}

SpillFile::~SpillFile() {
  if (fd_ >= 0) ::close(fd_);
  ::unlink(path_.c_str());
  unregister_path(slot_);
  scratch_->release(size_);
}

void SpillFile::fail(const char* what, int error) const {
  if (error == ENOSPC || error == EDQUOT)
    throw DataError("scratch: the disk is full: could not {} {} in the scratch folder {} (free "
                    "space there, or set [job] scratch to a larger disk)",
                    what, path_, scratch_->folder());
  throw DataError("scratch: could not {} {} in the scratch folder {}: {}", what, path_,
                  scratch_->folder(), std::strerror(error));
}

namespace {
void write_all(int fd, const std::byte* data, std::size_t size, std::uint64_t offset, int& error) {
  while (size > 0) {
    const ssize_t done = ::pwrite(fd, data, size, static_cast<off_t>(offset));
    if (done < 0 && errno == EINTR) continue;
    if (done <= 0) {
      error = done < 0 ? errno : ENOSPC;
      return;
    }
    data += done;
    size -= static_cast<std::size_t>(done);
    offset += static_cast<std::uint64_t>(done);
  }
}
}  // namespace

Extent SpillFile::append(const std::byte* data, std::size_t size) {
  scratch_->charge(size);
  const Extent at{size_, size};
  size_ += size;
  if (buffer_.size() + size > block_bytes_) flush();
  if (size >= block_bytes_) {
    int error = 0;
    write_all(fd_, data, size, flushed_, error);
    if (error != 0) fail("write", error);
    flushed_ += size;
  } else {
    buffer_.insert(buffer_.end(), data, data + size);
  }
  return at;
}

void SpillFile::flush() {
  if (buffer_.empty()) return;
  int error = 0;
  write_all(fd_, buffer_.data(), buffer_.size(), flushed_, error);
  if (error != 0) fail("write", error);
  flushed_ += buffer_.size();
  buffer_.clear();
}

void SpillFile::read(Extent at, std::vector<std::byte>& out) {
  if (at.offset + at.size > flushed_) flush();
  out.resize(static_cast<std::size_t>(at.size));
  std::size_t done = 0;
  while (done < out.size()) {
    const ssize_t got = ::pread(fd_, out.data() + done, out.size() - done,
                                static_cast<off_t>(at.offset + done));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) fail("read", got < 0 ? errno : EIO);
    done += static_cast<std::size_t>(got);
  }
  read_ += at.size;
}

}  // namespace rankflow::ops
