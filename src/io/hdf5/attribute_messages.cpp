#include "attribute_messages.hpp"

#include <cstdint>
#include <cstring>
#include <deque>
#include <fstream>
#include <set>
#include <vector>

#include "datatype_message.hpp"
#include "handle.hpp"
#include "rankflow/core/error.hpp"
#include "raw_file.hpp"

namespace rankflow::io::hdf5 {
namespace {

constexpr unsigned kDatatypeMessage = 0x0003;
constexpr unsigned kAttributeMessage = 0x000C;
constexpr unsigned kContinuationMessage = 0x0010;
constexpr unsigned kMessageShared = 0x02;  // the message is stored elsewhere (a reference)
constexpr std::size_t kMaxChunks = 4096;   // a header of more chunks is a loop
constexpr unsigned kMaxRank = 32;          // H5S_MAX_RANK

std::uint64_t align8(std::uint64_t bytes) { return (bytes + 7) / 8 * 8; }

// `bytes` (one message's data, `size` of them) as HDF5 1.10 decodes an attribute message:
// throws `fail(why)` where it would read past them. Versions HDF5 refuses are left to HDF5.
template <typename Fail>
void check_attribute(const FileLayout& file, const unsigned char* bytes, std::uint64_t size,
                     Fail&& fail) {
  if (size < 1) fail("an empty attribute message");
  const unsigned version = bytes[0];
  if (version < 1 || version > 3) return;
  const std::uint64_t header = version == 3 ? 9 : 8;  // version 3 adds the name's encoding
  if (size < header) fail("an attribute message shorter than its header");
  const unsigned flags = version >= 2 ? bytes[1] : 0;
  const bool type_shared = (flags & 0x01) != 0;
  const bool space_shared = (flags & 0x02) != 0;
  const std::uint64_t name_size = decode_unsigned(bytes + 2, 2);  // with its NUL
  const std::uint64_t type_size = decode_unsigned(bytes + 4, 2);
  const std::uint64_t space_size = decode_unsigned(bytes + 6, 2);
  auto padded = [&](std::uint64_t part) { return version == 1 ? align8(part) : part; };

  std::uint64_t at = header;
  if (name_size == 0 || name_size > size - at) fail("an attribute name that runs past its message");
  if (std::memchr(bytes + at, '\0', static_cast<std::size_t>(name_size)) == nullptr)
    fail("an attribute name without its terminating NUL");
  at = std::min(size, at + padded(name_size));

  if (type_size > size - at) fail("an attribute datatype that runs past its message");
  std::uint64_t element_size = 0;
  if (!type_shared) {
    if (type_size < 8) fail("an attribute datatype shorter than a datatype's header");
    if (const char* why = datatype_problem(bytes + at, type_size)) fail(why);
    element_size = decode_unsigned(bytes + at + 4, 4);
  }
  at = std::min(size, at + padded(type_size));

  if (space_size > size - at) fail("an attribute dataspace that runs past its message");
  std::uint64_t elements = 0;
  if (!space_shared) {
    if (space_size < 4) fail("an attribute dataspace shorter than a dataspace's header");
    const unsigned space_version = bytes[at];
    const unsigned rank = bytes[at + 1];
    const unsigned space_flags = bytes[at + 2];
    const std::uint64_t space_header = space_version == 1 ? 8 : 4;
    if (rank > kMaxRank) fail("an attribute dataspace of more than 32 dimensions");
    const std::uint64_t dims_bytes =
        std::uint64_t{rank} * file.sizeof_size * ((space_flags & 0x01) != 0 ? 2 : 1);
    if (space_header + dims_bytes > space_size)
      fail("attribute dims that run past their dataspace");
    elements = space_version >= 2 && bytes[at + 3] == 2 ? 0 : 1;  // a null dataspace: none
    for (unsigned axis = 0; axis < rank; ++axis) {
      const std::uint64_t dim =
          decode_unsigned(bytes + at + space_header + axis * file.sizeof_size, file.sizeof_size);
      if (dim != 0 && elements > UINT64_MAX / dim) fail("an attribute of too many elements");
      elements *= dim;
    }
  }
  at = std::min(size, at + padded(space_size));

  if (type_shared || space_shared) return;  // the element size or count is elsewhere
  if (element_size != 0 && elements > (size - at) / element_size)
    fail("attribute data that runs past its message");
}

// One chunk of an object header: where its messages are.
struct Chunk {
  std::uint64_t address = 0;  // of the chunk's first byte
  std::uint64_t begin = 0;    // offsets of its messages inside the chunk
  std::uint64_t end = 0;
  bool signature = false;  // begins with "OCHK"
};

class HeaderWalk {
 public:
  // attributes: check attribute messages too, not only datatype messages.
  HeaderWalk(FileLayout file, std::uint64_t address, std::string what, bool attributes)
      : file_(std::move(file)), in_(file_.path, std::ios::binary), what_(std::move(what)),
        header_(address), attributes_(attributes) {
    if (!in_)
      throw DataError("{}: cannot reopen '{}' to check its object headers", what_, file_.path);
  }

  void run() {
    std::deque<Chunk> chunks{first_chunk()};
    std::set<std::uint64_t> seen{header_};
    while (!chunks.empty()) {
      const Chunk chunk = chunks.front();
      chunks.pop_front();
      load(chunk);
      for (const auto& [address, length] : messages_of(chunk)) {
        if (seen.size() >= kMaxChunks) fail(header_, "more than 4096 header chunks");
        if (!seen.insert(address).second) continue;  // HDF5 refuses a loop itself
        chunks.push_back(continuation(address, length));
      }
    }
  }

 private:
  [[noreturn]] void fail(std::uint64_t address, const char* why) const {
    throw DataError(
        "{}: the object header at byte {} of '{}' has {} (at byte {}); the file is damaged",
        what_, header_, file_.path, why, address);
  }

  void read(std::uint64_t address, std::uint64_t size, std::vector<unsigned char>& out) {
    if (!read_at(file_, in_, address, size, out)) fail(address, "bytes past the end of the file");
  }

  bool version2() const { return version_ == 2; }

  // Chunk 0, from the header's prefix.
  Chunk first_chunk() {
    std::vector<unsigned char> prefix;
    read(header_, 16, prefix);
    if (std::memcmp(prefix.data(), "OHDR", 4) == 0) {
      version_ = 2;
      flags_ = prefix[5];
      std::uint64_t at = 6;
      if ((flags_ & 0x20) != 0) at += 16;  // access, modification, change, birth times
      if ((flags_ & 0x10) != 0) at += 4;   // attribute storage phase change values
      const std::size_t width = std::size_t{1} << (flags_ & 0x03);
      read(header_, at + width, prefix);
      const std::uint64_t size = decode_unsigned(prefix.data() + at, width);
      return {header_, at + width, at + width + size, false};
    }
    if (prefix[0] != 1) fail(header_, "an unknown version");  // HDF5 opened it: not reached
    version_ = 1;
    return {header_, 16, 16 + decode_unsigned(prefix.data() + 8, 4), false};
  }

  // A continuation chunk: in version 2, "OCHK", its messages, a checksum.
  Chunk continuation(std::uint64_t address, std::uint64_t length) const {
    if (!version2()) return {address, 0, length, false};
    if (length < 8) fail(address, "a continuation chunk shorter than its signature");
    return {address, 4, length - 4, true};
  }

  // Reads the chunk's bytes into chunk_bytes_.
  void load(const Chunk& chunk) {
    if (chunk.end < chunk.begin) fail(chunk.address, "a chunk of negative size");
    read(chunk.address, chunk.end, chunk_bytes_);
    if (chunk.signature && std::memcmp(chunk_bytes_.data(), "OCHK", 4) != 0)
      fail(chunk.address, "a continuation chunk without its OCHK signature");
  }

  // Checks the chunk's attribute messages; returns its continuation messages' targets.
  std::vector<std::pair<std::uint64_t, std::uint64_t>> messages_of(const Chunk& chunk) {
    std::vector<std::pair<std::uint64_t, std::uint64_t>> next;
    const std::uint64_t message_header =
        version2() ? ((flags_ & 0x04) != 0 ? 6 : 4) : 8;  // creation order: 2 more bytes
    std::uint64_t at = chunk.begin;
    while (chunk.end - at >= message_header) {
      const unsigned char* head = chunk_bytes_.data() + at;
      const unsigned type = version2() ? head[0] : static_cast<unsigned>(decode_unsigned(head, 2));
      const std::uint64_t size = decode_unsigned(head + (version2() ? 1 : 2), 2);
      const unsigned flags = head[version2() ? 3 : 4];
      at += message_header;
      if (size > chunk.end - at) fail(chunk.address + at, "a message that runs past its chunk");
      const unsigned char* data = chunk_bytes_.data() + at;
      if (type == kAttributeMessage && attributes_ && (flags & kMessageShared) == 0) {
        check_attribute(file_, data, size,
                        [&](const char* why) { fail(chunk.address + at, why); });
      } else if (type == kDatatypeMessage && (flags & kMessageShared) == 0) {
        if (const char* why = datatype_problem(data, size)) fail(chunk.address + at, why);
      } else if ((flags & kMessageShared) != 0 && size >= 2 && data[0] >= 2 && data[1] == 1 &&
                 file_.shared_message_indexes == 0) {
        // A message kept in the shared-message heap of a file that has none: HDF5 1.10 reads
        // the missing table from an undefined address into a buffer it never got (a SEGV).
        fail(chunk.address + at, "a shared message, and the file keeps no shared messages");
      } else if (type == kContinuationMessage) {
        if (size < file_.sizeof_addr + file_.sizeof_size)
          fail(chunk.address + at, "a continuation message too short for its address");
        next.emplace_back(decode_unsigned(data, file_.sizeof_addr),
                          decode_unsigned(data + file_.sizeof_addr, file_.sizeof_size));
      }
      at += size;
    }
    return next;
  }

  FileLayout file_;
  std::ifstream in_;
  std::string what_;
  std::uint64_t header_;
  bool attributes_;
  unsigned version_ = 1;
  unsigned flags_ = 0;
  std::vector<unsigned char> chunk_bytes_;  // of the chunk being walked
};

}  // namespace

void check_header_messages(hid_t object, const std::string& what) {
  H5O_info_t info;
  check(H5Oget_info2(object, &info, H5O_INFO_BASIC), what);
  // (Not info.num_attrs: HDF5 1.10 counts 0 when the attributes sit in a continuation chunk.)
  HeaderWalk(layout_of(object, what), info.addr, what, true).run();
}

void check_datatype_messages(hid_t location, const std::string& name, const std::string& what) {
  H5O_info_t info;
  check(H5Oget_info_by_name2(location, name.c_str(), &info, H5O_INFO_BASIC, H5P_DEFAULT), what);
  HeaderWalk(layout_of(location, what), info.addr, what, false).run();
}

}  // namespace rankflow::io::hdf5
