// Shared by the fuzz targets (tests/fuzz/fuzz_*.cpp) and their replay test.
//
// Each target is a function `fuzz_one(data, size)` in its own namespace, compiled both into a
// libFuzzer binary (fuzz_main.cpp, the `fuzz` preset) and into test_fuzz_replay, which feeds it
// every file of tests/fuzz/corpus/<target>/ and tests/fuzz/crashes/<target>/ in the normal
// build. A target returns 0; a bug is a crash, a sanitizer report or fuzz_check failing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "rankflow/comm/communicator.hpp"

namespace rankflow::fuzz {

// Reads option bytes off the front of the input; the rest is the payload.
class FuzzInput {
 public:
  FuzzInput(const std::uint8_t* data, std::size_t size)
      : data_(reinterpret_cast<const char*>(data)), size_(size) {}
  // The next byte (0 once the input is used up).
  std::uint8_t byte() {
    if (pos_ >= size_) return 0;
    return static_cast<std::uint8_t>(data_[pos_++]);
  }
  // Up to the next '\n' (without it), or the rest.
  std::string line();
  std::string rest() {
    std::string text(data_ + pos_, size_ - pos_);
    pos_ = size_;
    return text;
  }
  bool done() const { return pos_ >= size_; }

 private:
  const char* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

// A private folder of this process for the files a target writes (created once).
const std::string& scratch_dir();
// Writes `bytes` to scratch_dir()/name and returns the path.
std::string write_scratch(const std::string& name, std::string_view bytes);

// A one-rank communicator over MPI_COMM_SELF (MPI must be initialized: fuzz_main.cpp does it
// in LLVMFuzzerInitialize, the replay test's main before the tests).
const comm::Communicator& self_comm();

// A property a target checks: on failure prints `what` and aborts (a finding for libFuzzer).
void fuzz_check(bool ok, const char* what);

}  // namespace rankflow::fuzz

// The targets, for fuzz_main.cpp and the replay test.
namespace rankflow::fuzz::csv { int fuzz_one(const std::uint8_t* data, std::size_t size); }
namespace rankflow::fuzz::csv_ranges { int fuzz_one(const std::uint8_t* data, std::size_t size); }
namespace rankflow::fuzz::expr { int fuzz_one(const std::uint8_t* data, std::size_t size); }
namespace rankflow::fuzz::ini { int fuzz_one(const std::uint8_t* data, std::size_t size); }
namespace rankflow::fuzz::datetime { int fuzz_one(const std::uint8_t* data, std::size_t size); }
namespace rankflow::fuzz::hdf5 { int fuzz_one(const std::uint8_t* data, std::size_t size); }
