#include "raw_file.hpp"

#include "handle.hpp"
#include "rankflow/core/error.hpp"

namespace rankflow::io::hdf5 {

std::uint64_t decode_unsigned(const unsigned char* bytes, std::size_t size) {
  std::uint64_t value = 0;
  for (std::size_t idx = size; idx-- > 0;) value = (value << 8) | bytes[idx];
  return value;
}

FileLayout layout_of(hid_t object, const std::string& what) {
  FileLayout layout;
  FileHandle file(check_id(H5Iget_file_id(object), what));
  const ssize_t length = H5Fget_name(file.get(), nullptr, 0);
  if (length < 0) check(-1, what);
  layout.path.resize(static_cast<std::size_t>(length) + 1);
  if (H5Fget_name(file.get(), layout.path.data(), layout.path.size()) < 0) check(-1, what);
  layout.path.resize(static_cast<std::size_t>(length));
  PropListHandle fcpl(check_id(H5Fget_create_plist(file.get()), what));
  hsize_t userblock = 0;
  check(H5Pget_userblock(fcpl.get(), &userblock), what);
  check(H5Pget_sizes(fcpl.get(), &layout.sizeof_addr, &layout.sizeof_size), what);
  check(H5Pget_shared_mesg_nindexes(fcpl.get(), &layout.shared_message_indexes), what);
  std::ifstream in(layout.path, std::ios::binary | std::ios::ate);
  if (!in) throw DataError("{}: cannot reopen '{}' to check its bytes", what, layout.path);
  const auto size = static_cast<std::uint64_t>(in.tellg());
  layout.base = userblock;
  layout.end = size > userblock ? size - userblock : 0;
  return layout;
}

bool read_at(const FileLayout& file, std::ifstream& in, std::uint64_t address, std::uint64_t size,
             std::vector<unsigned char>& out) {
  if (address > file.end || size > file.end - address) return false;
  out.resize(static_cast<std::size_t>(size));
  in.clear();
  in.seekg(static_cast<std::streamoff>(file.base + address));
  return static_cast<bool>(
      in.read(reinterpret_cast<char*>(out.data()), static_cast<std::streamsize>(size)));
}

}  // namespace rankflow::io::hdf5
