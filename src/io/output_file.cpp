#include "rankflow/io/output_file.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "rankflow/comm/phase.hpp"

namespace fs = std::filesystem;

namespace rankflow::io {
namespace {

std::string make_temp_name(const std::string& final_path) {
  const fs::path path(final_path);
  const std::string folder = path.parent_path().empty() ? "." : path.parent_path().string();
  std::error_code status;
  if (!fs::is_directory(folder, status))
    throw DataError("cannot write '{}': the folder '{}' does not exist", final_path, folder);
  if (access(folder.c_str(), W_OK) != 0)
    throw DataError("cannot write '{}': the folder '{}' is not writable ({})", final_path,
                    folder, std::strerror(errno));
  if (fs::is_directory(final_path, status))
    throw DataError("cannot write '{}': it is a folder", final_path);
  const char* job = std::getenv("SLURM_JOB_ID");
  return (fs::path(folder) / fmt::format(".{}.rankflow-tmp-{}-{}", path.filename().string(),
                                          job != nullptr ? job : "local", getpid()))
      .string();
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

AtomicOutput::AtomicOutput(const comm::Communicator& comm, std::string final_path)
    : comm_(&comm), final_path_(std::move(final_path)) {
  temp_path_ = comm::run_phase(comm, "preparing the output", [&] {
    return comm.rank() == 0 ? make_temp_name(final_path_) : std::string();
  });
  comm.bcast(temp_path_, 0);
}

AtomicOutput::~AtomicOutput() {
  if (!committed_ && comm_->rank() == 0) std::remove(temp_path_.c_str());
}

void AtomicOutput::commit() {
  comm_->barrier();
  comm::run_phase(*comm_, "renaming the output", [&] {
    if (comm_->rank() != 0) return;
    if (std::rename(temp_path_.c_str(), final_path_.c_str()) != 0)
      throw DataError("cannot rename '{}' to '{}': {}", temp_path_, final_path_,
                      std::strerror(errno));
  });
  committed_ = true;
}

}  // namespace rankflow::io
