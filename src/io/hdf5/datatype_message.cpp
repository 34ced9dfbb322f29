#include "datatype_message.hpp"

#include <cstring>

#include "raw_file.hpp"

namespace rankflow::io::hdf5 {
namespace {

constexpr int kMaxDepth = 32;  // nested compound, array, enum and vlen types

// Walks one datatype as H5O_dtype_decode_helper (HDF5 1.10) does, from `at` within [0, size):
// sets `at` past it, or returns why it would read past the message.
class DatatypeWalk {
 public:
  DatatypeWalk(const unsigned char* bytes, std::uint64_t size) : bytes_(bytes), size_(size) {}

  const char* walk(std::uint64_t& at, int depth) {
    if (depth > kMaxDepth) return "a datatype nested more than 32 deep";
    if (size_ - at < 8) return "a datatype shorter than its header";
    const unsigned version = bytes_[at] >> 4;
    const unsigned type_class = bytes_[at] & 0x0F;
    const std::uint64_t flags = decode_unsigned(bytes_ + at + 1, 3);
    const std::uint64_t type_size = decode_unsigned(bytes_ + at + 4, 4);
    at += 8;
    if (version < 1 || version > 4) return nullptr;  // HDF5 refuses it
    switch (type_class) {
      case 0: return skip(at, 4);   // fixed-point: offset, precision
      case 1: return skip(at, 12);  // floating-point
      case 2: return skip(at, 2);   // time
      case 3: return nullptr;       // string
      case 4: return skip(at, 4);   // bitfield
      case 5: return skip(at, flags & 0xFF);  // opaque: its tag
      case 6: return compound(at, version, flags & 0xFFFF, type_size, depth);
      case 7: return nullptr;  // reference
      case 8: return enumeration(at, version, flags & 0xFFFF, depth);
      case 9: return variable_length(at, flags, depth);
      case 10: return array(at, version, depth);
      default: return nullptr;  // HDF5 refuses it
    }
  }

 private:
  const char* skip(std::uint64_t& at, std::uint64_t bytes) {
    if (bytes > size_ - at) return "a datatype whose properties run past its message";
    at += bytes;
    return nullptr;
  }

  // A NUL-terminated name, padded to 8 bytes before version 3.
  const char* name(std::uint64_t& at, unsigned version) {
    const void* nul = std::memchr(bytes_ + at, '\0', static_cast<std::size_t>(size_ - at));
    if (nul == nullptr) return "a member name without its NUL inside its datatype message";
    const auto length =
        static_cast<std::uint64_t>(static_cast<const unsigned char*>(nul) - (bytes_ + at));
    const std::uint64_t step = version < 3 ? (length + 8) / 8 * 8 : length + 1;
    at += step < size_ - at ? step : size_ - at;
    return nullptr;
  }

  const char* compound(std::uint64_t& at, unsigned version, std::uint64_t members,
                       std::uint64_t type_size, int depth) {
    // Version 3 encodes a member's offset in as many bytes as the type's size needs.
    std::uint64_t offset_bytes = 1;
    for (std::uint64_t rest = type_size >> 8; rest != 0; rest >>= 8) ++offset_bytes;
    for (std::uint64_t member = 0; member < members; ++member) {
      if (const char* why = name(at, version)) return why;
      const std::uint64_t fixed = version == 1 ? 32 : version == 2 ? 4 : offset_bytes;
      if (const char* why = skip(at, fixed)) return why;
      if (const char* why = walk(at, depth + 1)) return why;
    }
    return nullptr;
  }

  const char* enumeration(std::uint64_t& at, unsigned version, std::uint64_t members, int depth) {
    const std::uint64_t base = at;
    if (const char* why = walk(at, depth + 1)) return why;
    const std::uint64_t base_size = decode_unsigned(bytes_ + base + 4, 4);
    for (std::uint64_t member = 0; member < members; ++member)
      if (const char* why = name(at, version)) return why;
    if (base_size != 0 && members > (size_ - at) / base_size)
      return "enum values that run past their datatype message";
    at += members * base_size;
    return nullptr;
  }

  // Its base type. A string's characters are one byte: HDF5 1.10 sizes the buffers of a read
  // as length x the base type's size, which a damaged file can make gigabytes (fuzz_hdf5: a
  // 18 GB malloc reading one attribute).
  const char* variable_length(std::uint64_t& at, std::uint64_t flags, int depth) {
    const std::uint64_t base = at;
    if (const char* why = walk(at, depth + 1)) return why;
    if ((flags & 0x0F) == 1 && decode_unsigned(bytes_ + base + 4, 4) != 1)
      return "a variable-length string whose characters are not one byte long";
    return nullptr;
  }

  const char* array(std::uint64_t& at, unsigned version, int depth) {
    if (size_ - at < (version < 3 ? 4 : 1)) return "an array datatype shorter than its rank";
    const std::uint64_t rank = bytes_[at];
    at += version < 3 ? 4 : 1;
    if (const char* why = skip(at, rank * (version < 3 ? 8 : 4))) return why;  // dims (+ perms)
    return walk(at, depth + 1);
  }

  const unsigned char* bytes_;
  std::uint64_t size_;
};

}  // namespace

const char* datatype_problem(const unsigned char* bytes, std::uint64_t size) {
  std::uint64_t at = 0;
  return DatatypeWalk(bytes, size).walk(at, 0);
}

}  // namespace rankflow::io::hdf5
