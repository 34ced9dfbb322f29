// An open HDF5 file's own bytes, for the checks that HDF5 1.10 does not make before it decodes
// them: global heap collections (vlen_strings.cpp) and attribute messages in object headers
// (attribute_messages.cpp). Internal to io/hdf5.
#pragma once

#include <hdf5.h>

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

namespace rankflow::io::hdf5 {

// The little-endian unsigned integer of `size` bytes (at most 8) at `bytes`.
std::uint64_t decode_unsigned(const unsigned char* bytes, std::size_t size);

// Where HDF5's addresses point in the file of an open object, and how wide they are.
struct FileLayout {
  std::string path;
  std::uint64_t base = 0;  // the user block: addresses count from its end
  std::uint64_t end = 0;   // bytes of the file after the user block
  std::size_t sizeof_addr = 8;
  std::size_t sizeof_size = 8;
  unsigned shared_message_indexes = 0;  // of shared object header messages (SOHM)
};

// The layout of the file holding `object`. Throws Error(kRuntime) when HDF5 fails, DataError
// naming `what` when the file cannot be reopened.
FileLayout layout_of(hid_t object, const std::string& what);

// Reads `size` bytes at HDF5 address `address` of `file` into `out` (resized); false when they
// are not all inside the file.
bool read_at(const FileLayout& file, std::ifstream& in, std::uint64_t address, std::uint64_t size,
             std::vector<unsigned char>& out);

}  // namespace rankflow::io::hdf5
