#include "vlen_strings.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>

#include "handle.hpp"
#include "raw_file.hpp"
#include "rankflow/core/error.hpp"

namespace rankflow::io::hdf5 {
namespace {

// The tag of the opaque memory type that receives a variable-length value's raw bytes.
constexpr const char* kRawTag = "rankflow: raw variable-length reference";

// The no-op conversion from a variable-length type in a file to an opaque type of the same
// size tagged kRawTag: the bytes stay as the file holds them (length, heap address, index).
herr_t keep_raw_reference(hid_t src, hid_t dst, H5T_cdata_t* cdata, std::size_t /*count*/,
                          std::size_t /*buf_stride*/, std::size_t /*bkg_stride*/, void* /*buf*/,
                          void* /*bkg*/, hid_t /*dxpl*/) {
  if (cdata->command != H5T_CONV_INIT) return 0;  // H5T_CONV_CONV: in place; H5T_CONV_FREE
  if (H5Tget_class(dst) != H5T_OPAQUE || H5Tget_size(src) != H5Tget_size(dst)) return -1;
  char* tag = H5Tget_tag(dst);
  const bool ours = tag != nullptr && std::strcmp(tag, kRawTag) == 0;
  H5free_memory(tag);
  if (!ours) return -1;  // not this path: HDF5 keeps looking
  cdata->need_bkg = H5T_BKG_NO;
  return 0;
}

void register_raw_conversion() {
  static std::once_flag once;
  std::call_once(once, [] {
    DatatypeHandle vlen(check_id(H5Tcopy(H5T_C_S1), "string type"));
    check(H5Tset_size(vlen.get(), H5T_VARIABLE), "string type");
    DatatypeHandle opaque(check_id(H5Tcreate(H5T_OPAQUE, 16), "opaque type"));
    check(H5Tset_tag(opaque.get(), kRawTag), "opaque type");
    check(H5Tregister(H5T_PERS_SOFT, "rankflow_raw_vlen", vlen.get(), opaque.get(),
                      keep_raw_reference),
          "registering a conversion");
  });
}

// The objects of the global heap collection at `address` (index -> size), decoded as HDF5
// 1.10's H5HG__cache_heap_deserialize does; throws where HDF5 would loop or overrun.
std::map<unsigned, std::uint64_t> walk_collection(const FileLayout& file, std::ifstream& in,
                                                  std::uint64_t address, const std::string& what) {
  const std::size_t header = 4 + 1 + 3 + file.sizeof_size;         // "GCOL", version, size
  const std::size_t object_header = 2 + 2 + 4 + file.sizeof_size;  // index, refs, size
  auto corrupt = [&](const char* why) {
    return DataError(
        "{}: its variable-length strings point at a corrupt global heap at byte {} "
        "of '{}' ({}); the file is damaged",
        what, address, file.path, why);
  };
  if (address >= file.end || file.end - address < header) throw corrupt("outside the file");
  std::vector<unsigned char> chunk;
  if (!read_at(file, in, address, header, chunk)) throw corrupt("unreadable");
  if (std::memcmp(chunk.data(), "GCOL", 4) != 0 || chunk[4] != 1) throw corrupt("no collection");
  const std::uint64_t size = decode_unsigned(chunk.data() + 8, file.sizeof_size);
  if (size < header || size > file.end - address) throw corrupt("its size runs past the file");
  if (!read_at(file, in, address, size, chunk)) throw corrupt("unreadable");
  std::map<unsigned, std::uint64_t> objects;
  std::uint64_t at = header;
  while (at < size) {
    if (size - at < object_header) break;  // too small for an object: free space (as HDF5)
    const auto index = static_cast<unsigned>(decode_unsigned(chunk.data() + at, 2));
    const std::uint64_t object_size = decode_unsigned(chunk.data() + at + 8, file.sizeof_size);
    std::uint64_t need = object_size;  // the free-space object (index 0) counts its header
    if (index > 0) {
      if (object_size > size) throw corrupt("an object larger than its collection");
      need = object_header + (object_size + 7) / 8 * 8;
    }
    if (need == 0) throw corrupt("an object of size 0");
    if (need > size - at) throw corrupt("an object runs past its collection");
    if (index > 0) objects[index] = object_size;
    at += need;
  }
  return objects;
}

// In the file each variable-length string is its length (4 bytes), a heap address and an
// object index: the bytes of one reference.
std::size_t reference_bytes(const FileLayout& file) { return 4 + file.sizeof_addr + 4; }

DatatypeHandle raw_reference_type(const FileLayout& file) {
  DatatypeHandle raw(check_id(H5Tcreate(H5T_OPAQUE, reference_bytes(file)), "opaque type"));
  check(H5Tset_tag(raw.get(), kRawTag), "opaque type");
  return raw;
}

// Checks `count` raw references (elements of `per_element` references each, the first one
// element number `first_element`) against the global heap collections they name.
void check_references(const FileLayout& file, const unsigned char* raw, std::size_t count,
                      std::size_t per_element, std::uint64_t first_element,
                      const std::string& what) {
  const std::size_t reference = reference_bytes(file);
  std::ifstream in(file.path, std::ios::binary);
  if (!in) throw DataError("{}: cannot reopen '{}' to check its global heap", what, file.path);
  std::map<std::uint64_t, std::map<unsigned, std::uint64_t>> collections;
  for (std::size_t idx = 0; idx < count; ++idx) {
    const unsigned char* value = raw + idx * reference;
    const std::uint64_t length = decode_unsigned(value, 4);
    const std::uint64_t address = decode_unsigned(value + 4, file.sizeof_addr);
    const auto index = static_cast<unsigned>(decode_unsigned(value + 4 + file.sizeof_addr, 4));
    if (address == 0) continue;  // a null string: HDF5 reads no heap
    auto found = collections.find(address);
    if (found == collections.end())
      found = collections.emplace(address, walk_collection(file, in, address, what)).first;
    const auto object = found->second.find(index);
    if (object == found->second.end() || object->second != length)
      throw DataError(
          "{}: its string {} names object {} of the global heap at byte {} of '{}', "
          "{}; the file is damaged",
          what, first_element + idx / per_element, index, address, file.path,
          object == found->second.end() ? "which is not there"
                                        : "whose size is not the string's length");
  }
}

// The raw type that reads the variable-length strings of elements of file type `type`: one
// reference for a string; for a compound, a compound of its string fields (each a reference,
// named as in the file; HDF5 leaves the other fields out). `per_element` says how many.
DatatypeHandle raw_type_of(const FileLayout& file, hid_t type, std::size_t& per_element) {
  per_element = 0;
  if (H5Tis_variable_str(type) > 0) {
    per_element = 1;
    return raw_reference_type(file);
  }
  if (H5Tget_class(type) != H5T_COMPOUND) return {};
  const int members = H5Tget_nmembers(type);
  check(members, "compound type");
  std::vector<std::string> names;
  for (int member_idx = 0; member_idx < members; ++member_idx) {
    const auto idx = static_cast<unsigned>(member_idx);
    DatatypeHandle member(check_id(H5Tget_member_type(type, idx), "compound type"));
    if (H5Tis_variable_str(member.get()) <= 0) continue;
    char* name = H5Tget_member_name(type, idx);
    names.emplace_back(name != nullptr ? name : "");
    if (name != nullptr) H5free_memory(name);
  }
  if (names.empty()) return {};
  per_element = names.size();
  const std::size_t reference = reference_bytes(file);
  DatatypeHandle raw(check_id(H5Tcreate(H5T_COMPOUND, reference * names.size()), "raw type"));
  DatatypeHandle field = raw_reference_type(file);
  for (std::size_t idx = 0; idx < names.size(); ++idx)
    check(H5Tinsert(raw.get(), names[idx].c_str(), idx * reference, field.get()), "raw type");
  return raw;
}

}  // namespace

std::vector<std::string> read_variable_strings(hid_t attribute, hid_t type, hid_t space,
                                               std::size_t count, const std::string& what) {
  register_raw_conversion();
  const FileLayout file = layout_of(attribute, what);
  // (HDF5 finds no conversion, an error, if the file's values are of another size.)
  DatatypeHandle raw_type = raw_reference_type(file);
  std::vector<unsigned char> raw(reference_bytes(file) * count);
  check(H5Aread(attribute, raw_type.get(), raw.data()), what);
  check_references(file, raw.data(), count, 1, 0, what);

  DatatypeHandle memory(check_id(H5Tcopy(H5T_C_S1), "string type"));
  check(H5Tset_size(memory.get(), H5T_VARIABLE), "string type");
  check(H5Tset_cset(memory.get(), H5Tget_cset(type)), "string type");  // no ASCII<->UTF-8 path
  std::vector<char*> pointers(count, nullptr);
  check(H5Aread(attribute, memory.get(), pointers.data()), what);
  std::vector<std::string> values;
  values.reserve(count);
  for (char* text : pointers) values.emplace_back(text != nullptr ? text : "");
  H5Dvlen_reclaim(memory.get(), space, H5P_DEFAULT, pointers.data());
  return values;
}

void check_variable_strings(hid_t dataset, const DatasetSelection& selection,
                            const std::string& what) {
  register_raw_conversion();
  const FileLayout file = layout_of(dataset, what);
  DatatypeHandle type(check_id(H5Dget_type(dataset), what));
  std::size_t per_element = 0;
  DatatypeHandle raw_type = raw_type_of(file, type.get(), per_element);
  if (per_element == 0) return;
  // At least one byte: HDF5 wants a buffer even for an empty (collective) selection.
  std::vector<unsigned char> raw(
      std::max<std::size_t>(1, reference_bytes(file) * per_element * selection.count));
  check(H5Dread(dataset, raw_type.get(), selection.memory_space, selection.file_space,
                selection.transfer, raw.data()),
        what);
  check_references(file, raw.data(), per_element * selection.count, per_element,
                   selection.first_element, what);
}

}  // namespace rankflow::io::hdf5
