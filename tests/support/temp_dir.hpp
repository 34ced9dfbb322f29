// TempDir: a fresh directory under $TMPDIR (or /tmp), removed with its contents at scope end.
// In MPI tests rank 0 creates it and broadcasts the name (TempDir::shared); a shared TempDir's
// destructor is collective (a barrier, then rank 0 removes it).
#pragma once

#include <string>

#include "rankflow/comm/communicator.hpp"

namespace rankflow::test {

class TempDir {
 public:
  TempDir();
  static TempDir shared(const comm::Communicator& comm);  // collective
  ~TempDir();
  TempDir(TempDir&& other) noexcept;
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  TempDir& operator=(TempDir&&) = delete;

  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  TempDir(std::string path, bool owner, const comm::Communicator* comm)
      : path_(std::move(path)), owner_(owner), comm_(comm) {}
  std::string path_;
  bool owner_ = true;
  const comm::Communicator* comm_ = nullptr;
};

// Whole-file helpers.
std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& text);
bool file_exists(const std::string& path);
// Names in `dir` (no . and ..), sorted.
std::vector<std::string> list_dir(const std::string& dir);

}  // namespace rankflow::test
