#include "fuzz_support.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <stdexcept>

namespace rankflow::fuzz {

std::string FuzzInput::line() {
  std::string text;
  while (pos_ < size_ && data_[pos_] != '\n') text += data_[pos_++];
  if (pos_ < size_) ++pos_;
  return text;
}

const std::string& scratch_dir() {
  static const std::string dir = [] {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") +
                          "/rankflow-fuzz-XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    return pattern;
  }();
  return dir;
}

std::string write_scratch(const std::string& name, std::string_view bytes) {
  const std::string path = scratch_dir() + "/" + name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path);
  return path;
}

const comm::Communicator& self_comm() {
  // Never freed: it must outlive every target call, and MPI_Finalize comes last.
  static const comm::Communicator* comm = new comm::Communicator(MPI_COMM_SELF);
  return *comm;
}

void fuzz_check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "fuzz_check failed: %s\n", what);
  std::abort();
}

}  // namespace rankflow::fuzz
