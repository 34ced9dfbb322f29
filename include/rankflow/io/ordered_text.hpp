// OrderedTextOutput: one text file made of every rank's text, in rank order, written in
// parallel with memory bounded per rank.
//
//   header (rank 0) | rank 0's text | rank 1's text | ... | rank P-1's text
//
// Each rank appends its text locally; what does not fit the in-memory buffer spills to a
// hidden part file next to the target. finish() learns every rank's size (MPI_Exscan), rank 0
// creates the target with the header, then every rank writes its bytes at its own offset
// (pwrite; no rank waits for another's data). Used for row-by-row results too large to gather
// on rank 0 (a reduction along axis 1 of a billion-row dataset).
//
// Write to an AtomicOutput's temp_path(): the target appears only when the job commits.
// append() is local; finish() is collective and agrees on errors (every rank throws the same
// agreed Error). The destructor removes the part file (never throws, no collectives).
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "rankflow/comm/communicator.hpp"
#include "rankflow/core/temp_files.hpp"

namespace rankflow::io {

class OrderedTextOutput {
 public:
  static constexpr std::size_t kDefaultBufferBytes = std::size_t{4} << 20;

  // Local. `header` is written by rank 0 only (other ranks' header is ignored).
  OrderedTextOutput(const comm::Communicator& comm, std::string target_path, std::string header,
                    std::size_t buffer_bytes = kDefaultBufferBytes);
  ~OrderedTextOutput();
  OrderedTextOutput(const OrderedTextOutput&) = delete;
  OrderedTextOutput& operator=(const OrderedTextOutput&) = delete;

  // Local: appends to this rank's text. Throws DataError when the part file cannot be written.
  void append(std::string_view text);
  std::string& buffer() { return buffer_; }  // append to it directly, then call spill_if_full()
  void spill_if_full();

  // Collective: writes the target file. Throws an agreed Error on failure.
  void finish();

 private:
  void spill();
  const comm::Communicator* comm_;
  std::string target_;
  std::string header_;
  std::size_t buffer_bytes_;
  std::string buffer_;
  std::string part_path_;
  core::TempFile part_registration_;  // for the stop watchdog (core/stop.hpp)
  std::FILE* part_ = nullptr;
  std::uint64_t part_bytes_ = 0;
};

}  // namespace rankflow::io
