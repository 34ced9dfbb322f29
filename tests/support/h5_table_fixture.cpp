#include "support/h5_table_fixture.hpp"

#include <hdf5.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace rankflow::test {
namespace {

void ok(herr_t status, const char* what) {
  if (status < 0) throw std::runtime_error(std::string("table fixture: ") + what);
}

hid_t ok_id(hid_t id, const char* what) {
  if (id < 0) throw std::runtime_error(std::string("table fixture: ") + what);
  return id;
}

hid_t open_or_create(const std::string& path, bool create) {
  return ok_id(create ? H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT)
                      : H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT),
               "open file");
}

hid_t string_type(bool variable, std::size_t size) {
  const hid_t type = H5Tcopy(H5T_C_S1);
  ok(H5Tset_size(type, variable ? H5T_VARIABLE : std::max<std::size_t>(1, size)), "string size");
  ok(H5Tset_cset(type, H5T_CSET_UTF8), "string cset");
  if (!variable) ok(H5Tset_strpad(type, H5T_STR_NULLPAD), "string pad");
  return type;
}

struct MemoryRecord {
  std::int64_t id;
  double value;
  char code[6];
  const char* name;
  std::uint64_t big;
};

}  // namespace

CompoundRow compound_row(std::uint64_t row, std::uint64_t big_offset) {
  CompoundRow out;
  out.id = static_cast<std::int64_t>(row) * 3 - 7;
  out.value = static_cast<double>(static_cast<float>(row) * 0.5f);
  out.code = "k" + std::to_string(row % 100000);  // at most 6 bytes: fills the field exactly
  if (row % 7 != 3) out.name = "näme-" + std::to_string(row);
  out.big = row + big_offset;
  return out;
}

void write_compound_serial(const std::string& path, const std::string& name, std::uint64_t rows,
                           std::uint64_t chunk_rows, bool create, std::uint64_t big_offset) {
  const hid_t file = open_or_create(path, create);
  const hid_t code = string_type(false, 6);
  const hid_t text = string_type(true, 0);
  // File type: packed, int32 big-endian and float32, unlike the memory layout.
  const hid_t file_type = H5Tcreate(H5T_COMPOUND, 4 + 4 + 6 + H5Tget_size(text) + 8);
  std::size_t offset = 0;
  ok(H5Tinsert(file_type, "id", offset, H5T_STD_I32BE), "id");
  offset += 4;
  ok(H5Tinsert(file_type, "value", offset, H5T_IEEE_F32LE), "value");
  offset += 4;
  ok(H5Tinsert(file_type, "code", offset, code), "code");
  offset += 6;
  ok(H5Tinsert(file_type, "name", offset, text), "name");
  offset += H5Tget_size(text);
  ok(H5Tinsert(file_type, "big", offset, H5T_STD_U64LE), "big");
  const hid_t memory = H5Tcreate(H5T_COMPOUND, sizeof(MemoryRecord));
  ok(H5Tinsert(memory, "id", HOFFSET(MemoryRecord, id), H5T_NATIVE_INT64), "id");
  ok(H5Tinsert(memory, "value", HOFFSET(MemoryRecord, value), H5T_NATIVE_DOUBLE), "value");
  ok(H5Tinsert(memory, "code", HOFFSET(MemoryRecord, code), code), "code");
  ok(H5Tinsert(memory, "name", HOFFSET(MemoryRecord, name), text), "name");
  ok(H5Tinsert(memory, "big", HOFFSET(MemoryRecord, big), H5T_NATIVE_UINT64), "big");
  const hsize_t dims = rows;
  const hid_t space = H5Screate_simple(1, &dims, nullptr);
  const hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
  if (chunk_rows > 0) {
    const hsize_t chunk = chunk_rows;
    ok(H5Pset_chunk(dcpl, 1, &chunk), "chunk");
  }
  const hid_t dataset = ok_id(
      H5Dcreate2(file, name.c_str(), file_type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT), "create");
  std::vector<CompoundRow> values;
  std::vector<MemoryRecord> records(rows);
  for (std::uint64_t row = 0; row < rows; ++row) values.push_back(compound_row(row, big_offset));
  for (std::uint64_t row = 0; row < rows; ++row) {
    const CompoundRow& value = values[row];
    records[row].id = value.id;
    records[row].value = value.value;
    std::memset(records[row].code, 0, sizeof(records[row].code));
    std::memcpy(records[row].code, value.code.data(), value.code.size());
    records[row].name = value.name ? value.name->c_str() : nullptr;
    records[row].big = value.big;
  }
  if (rows > 0)
    ok(H5Dwrite(dataset, memory, H5S_ALL, H5S_ALL, H5P_DEFAULT, records.data()), "write");
  H5Dclose(dataset);
  H5Pclose(dcpl);
  H5Sclose(space);
  H5Tclose(memory);
  H5Tclose(file_type);
  H5Tclose(text);
  H5Tclose(code);
  H5Fclose(file);
}

void write_strings_serial(const std::string& path, const std::string& name,
                          const std::vector<std::string>& values, bool variable, bool create) {
  const hid_t file = open_or_create(path, create);
  std::size_t width = 1;
  for (const std::string& value : values) width = std::max(width, value.size());
  const hid_t type = string_type(variable, width);
  const hsize_t dims = values.size();
  const hid_t space = H5Screate_simple(1, &dims, nullptr);
  const hid_t dataset = ok_id(
      H5Dcreate2(file, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), "create");
  if (!values.empty()) {
    if (variable) {
      std::vector<const char*> pointers;
      for (const std::string& value : values) pointers.push_back(value.c_str());
      ok(H5Dwrite(dataset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, pointers.data()), "write");
    } else {
      std::vector<char> bytes(width * values.size(), '\0');
      for (std::size_t idx = 0; idx < values.size(); ++idx)
        std::memcpy(bytes.data() + idx * width, values[idx].data(), values[idx].size());
      ok(H5Dwrite(dataset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes.data()), "write");
    }
  }
  H5Dclose(dataset);
  H5Sclose(space);
  H5Tclose(type);
  H5Fclose(file);
}

void write_columns_attribute(const std::string& path, const std::string& dataset,
                             const std::vector<std::string>& names, bool variable) {
  const hid_t file = open_or_create(path, false);
  const hid_t object = ok_id(H5Oopen(file, dataset.c_str(), H5P_DEFAULT), "open dataset");
  std::size_t width = 1;
  for (const std::string& name : names) width = std::max(width, name.size());
  const hid_t type = string_type(variable, width);
  const hsize_t dims = names.size();
  const hid_t space = H5Screate_simple(1, &dims, nullptr);
  const hid_t attribute = ok_id(
      H5Acreate2(object, "columns", type, space, H5P_DEFAULT, H5P_DEFAULT), "create attribute");
  if (variable) {
    std::vector<const char*> pointers;
    for (const std::string& name : names) pointers.push_back(name.c_str());
    ok(H5Awrite(attribute, type, pointers.data()), "write attribute");
  } else {
    std::vector<char> bytes(width * names.size(), '\0');
    for (std::size_t idx = 0; idx < names.size(); ++idx)
      std::memcpy(bytes.data() + idx * width, names[idx].data(), names[idx].size());
    ok(H5Awrite(attribute, type, bytes.data()), "write attribute");
  }
  H5Aclose(attribute);
  H5Sclose(space);
  H5Tclose(type);
  H5Oclose(object);
  H5Fclose(file);
}

namespace {

// Reads `dataset` (or its field `field`) as `element` (a numeric or fixed string memory type).
std::vector<char> read_bytes(const std::string& path, const std::string& dataset,
                             const std::string& field, hid_t element, std::size_t* count) {
  const hid_t file = ok_id(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), "open");
  const hid_t data = ok_id(H5Dopen2(file, dataset.c_str(), H5P_DEFAULT), "open dataset");
  const hid_t space = H5Dget_space(data);
  *count = static_cast<std::size_t>(H5Sget_simple_extent_npoints(space));
  const std::size_t size = H5Tget_size(element);
  hid_t memory = element;
  if (!field.empty()) {
    memory = H5Tcreate(H5T_COMPOUND, size);
    ok(H5Tinsert(memory, field.c_str(), 0, element), "field");
  }
  std::vector<char> bytes(size * *count + 1, '\0');
  if (*count > 0) ok(H5Dread(data, memory, H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes.data()), "read");
  if (memory != element) H5Tclose(memory);
  H5Sclose(space);
  H5Dclose(data);
  H5Fclose(file);
  return bytes;
}

// The string width of `dataset` (or of its field).
std::size_t string_width(const std::string& path, const std::string& dataset,
                         const std::string& field) {
  const hid_t file = ok_id(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), "open");
  const hid_t data = ok_id(H5Dopen2(file, dataset.c_str(), H5P_DEFAULT), "open dataset");
  hid_t type = H5Dget_type(data);
  if (!field.empty()) {
    const int idx = H5Tget_member_index(type, field.c_str());
    const hid_t member = H5Tget_member_type(type, static_cast<unsigned>(idx));
    H5Tclose(type);
    type = member;
  }
  const std::size_t width = H5Tget_size(type);
  H5Tclose(type);
  H5Dclose(data);
  H5Fclose(file);
  return width;
}

template <typename T>
std::vector<T> read_numbers(const std::string& path, const std::string& dataset,
                            const std::string& field, hid_t element) {
  std::size_t count = 0;
  const std::vector<char> bytes = read_bytes(path, dataset, field, element, &count);
  std::vector<T> values(count);
  if (count > 0) std::memcpy(values.data(), bytes.data(), count * sizeof(T));
  return values;
}

}  // namespace

std::vector<std::string> read_strings(const std::string& path, const std::string& dataset,
                                      const std::string& field) {
  const std::size_t width = string_width(path, dataset, field);
  const hid_t type = string_type(false, width);
  std::size_t count = 0;
  const std::vector<char> bytes = read_bytes(path, dataset, field, type, &count);
  H5Tclose(type);
  std::vector<std::string> values;
  for (std::size_t idx = 0; idx < count; ++idx) {
    const char* text = bytes.data() + idx * width;
    values.emplace_back(text, strnlen(text, width));
  }
  return values;
}

std::vector<double> read_doubles_of(const std::string& path, const std::string& dataset,
                                    const std::string& field) {
  return read_numbers<double>(path, dataset, field, H5T_NATIVE_DOUBLE);
}

std::vector<std::int64_t> read_int64s_of(const std::string& path, const std::string& dataset,
                                         const std::string& field) {
  return read_numbers<std::int64_t>(path, dataset, field, H5T_NATIVE_INT64);
}

bool has_object(const std::string& path, const std::string& object) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);  // a missing parent group is an answer here
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (file < 0) return false;
  const htri_t exists = H5Lexists(file, object.c_str(), H5P_DEFAULT);
  H5Fclose(file);
  return exists > 0;
}

}  // namespace rankflow::test
