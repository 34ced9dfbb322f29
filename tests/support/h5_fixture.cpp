#include "support/h5_fixture.hpp"

#include <hdf5.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace rankflow::test {
namespace {

void ok(herr_t status, const char* what) {
  if (status < 0) throw std::runtime_error(std::string("fixture: ") + what);
}

hid_t ok_id(hid_t id, const char* what) {
  if (id < 0) throw std::runtime_error(std::string("fixture: ") + what);
  return id;
}

hid_t memory_type(DType type) {
  switch (type) {
    case DType::kInt8:
      return H5T_NATIVE_INT8;
    case DType::kInt16:
      return H5T_NATIVE_INT16;
    case DType::kInt32:
      return H5T_NATIVE_INT32;
    case DType::kInt64:
      return H5T_NATIVE_INT64;
    case DType::kUInt8:
      return H5T_NATIVE_UINT8;
    case DType::kUInt16:
      return H5T_NATIVE_UINT16;
    case DType::kUInt32:
      return H5T_NATIVE_UINT32;
    case DType::kUInt64:
      return H5T_NATIVE_UINT64;
    case DType::kFloat32:
      return H5T_NATIVE_FLOAT;
    case DType::kFloat64:
      break;
  }
  return H5T_NATIVE_DOUBLE;
}

hid_t stored_type(DType type, bool big_endian) {
  // Written out in full (not via rankflow's io/hdf5) to keep the fixture independent.
  switch (type) {
    case DType::kInt8:
      return big_endian ? H5T_STD_I8BE : H5T_STD_I8LE;
    case DType::kInt16:
      return big_endian ? H5T_STD_I16BE : H5T_STD_I16LE;
    case DType::kInt32:
      return big_endian ? H5T_STD_I32BE : H5T_STD_I32LE;
    case DType::kInt64:
      return big_endian ? H5T_STD_I64BE : H5T_STD_I64LE;
    case DType::kUInt8:
      return big_endian ? H5T_STD_U8BE : H5T_STD_U8LE;
    case DType::kUInt16:
      return big_endian ? H5T_STD_U16BE : H5T_STD_U16LE;
    case DType::kUInt32:
      return big_endian ? H5T_STD_U32BE : H5T_STD_U32LE;
    case DType::kUInt64:
      return big_endian ? H5T_STD_U64BE : H5T_STD_U64LE;
    case DType::kFloat32:
      return big_endian ? H5T_IEEE_F32BE : H5T_IEEE_F32LE;
    case DType::kFloat64:
      break;
  }
  return big_endian ? H5T_IEEE_F64BE : H5T_IEEE_F64LE;
}

template <typename T>
std::vector<T> typed_values(const FixtureSpec& spec, std::uint64_t count) {
  std::vector<T> values(count);
  for (std::uint64_t idx = 0; idx < count; ++idx)
    values[idx] = static_cast<T>(fixture_value(spec, idx));
  return values;
}

}  // namespace

long double fixture_value(const FixtureSpec& spec, std::uint64_t index) {
  if (dtype_is_float(spec.dtype)) {
    if (spec.nan_every > 0 && index % spec.nan_every == spec.nan_every - 1)
      return std::numeric_limits<long double>::quiet_NaN();
    const double value = 1000.0 + 37.5 * std::sin(0.37 * static_cast<double>(index)) +
                         0.125 * static_cast<double>(index % 7);
    if (spec.dtype == DType::kFloat32) return static_cast<float>(value);
    return value;
  }
  const long double base = static_cast<long double>((index * 2654435761ull) % 201ull);
  long double value = (dtype_is_signed(spec.dtype) ? base - 100 : base) + spec.offset;
  return visit_dtype(spec.dtype, [&](auto tag) -> long double {
    using T = decltype(tag);
    const long double low = static_cast<long double>(std::numeric_limits<T>::lowest());
    const long double high = static_cast<long double>(std::numeric_limits<T>::max());
    return std::clamp(value, low, high);
  });
}

void write_fixture(const comm::Communicator& comm, const std::string& path, const FixtureSpec& spec,
                   bool create) {
  if (comm.rank() == 0) write_fixture_serial(path, spec, create);
  comm.barrier();
}

void write_fixture_serial(const std::string& path, const FixtureSpec& spec, bool create) {
  {
    const hid_t file = create ? H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT)
                              : H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    ok_id(file, "open file");
    std::vector<hsize_t> dims(spec.dims.begin(), spec.dims.end());
    std::uint64_t count = 1;
    for (hsize_t dim : dims) count *= dim;
    const hid_t space =
        ok_id(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), "space");
    const hid_t dcpl = ok_id(H5Pcreate(H5P_DATASET_CREATE), "dcpl");
    if (!spec.chunk.empty()) {
      std::vector<hsize_t> chunk(spec.chunk.begin(), spec.chunk.end());
      ok(H5Pset_chunk(dcpl, static_cast<int>(chunk.size()), chunk.data()), "chunk");
      if (spec.gzip > 0) ok(H5Pset_deflate(dcpl, static_cast<unsigned>(spec.gzip)), "deflate");
    }
    const hid_t lcpl = ok_id(H5Pcreate(H5P_LINK_CREATE), "lcpl");
    ok(H5Pset_create_intermediate_group(lcpl, 1), "intermediate groups");
    const hid_t dataset =
        ok_id(H5Dcreate2(file, spec.name.c_str(), stored_type(spec.dtype, spec.big_endian), space,
                         lcpl, dcpl, H5P_DEFAULT),
              "create dataset");
    if (count > 0) {
      visit_dtype(spec.dtype, [&](auto tag) {
        using T = decltype(tag);
        const std::vector<T> values = typed_values<T>(spec, count);
        ok(H5Dwrite(dataset, memory_type(spec.dtype), H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()),
           "write");
      });
    }
    const hid_t attr_space = H5Screate(H5S_SCALAR);
    const hid_t attr =
        H5Acreate2(dataset, "units", H5T_NATIVE_INT32, attr_space, H5P_DEFAULT, H5P_DEFAULT);
    const int units = 7;
    H5Awrite(attr, H5T_NATIVE_INT32, &units);
    H5Aclose(attr);
    H5Sclose(attr_space);
    H5Dclose(dataset);
    H5Pclose(lcpl);
    H5Pclose(dcpl);
    H5Sclose(space);
    H5Fclose(file);
  }
}

void write_odd_datasets(const std::string& path) {
  const hid_t file = ok_id(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), "open");
  const hid_t text = H5Tcopy(H5T_C_S1);
  H5Tset_size(text, 8);
  const hsize_t two = 2;
  const hid_t space = H5Screate_simple(1, &two, nullptr);
  const hid_t names = ok_id(
      H5Dcreate2(file, "/names", text, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), "names");
  const char values[16] = "alpha\0\0\0beta\0\0\0";
  H5Dwrite(names, text, H5S_ALL, H5S_ALL, H5P_DEFAULT, values);
  const hid_t scalar_space = H5Screate(H5S_SCALAR);
  const hid_t scalar = ok_id(H5Dcreate2(file, "/scalar", H5T_IEEE_F64LE, scalar_space, H5P_DEFAULT,
                                        H5P_DEFAULT, H5P_DEFAULT),
                             "scalar");
  const double one = 1.0;
  H5Dwrite(scalar, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, &one);
  H5Dclose(scalar);
  H5Sclose(scalar_space);
  H5Dclose(names);
  H5Sclose(space);
  H5Tclose(text);
  H5Fclose(file);
}

namespace {
template <typename T>
std::vector<T> read_all(const std::string& path, const std::string& name, hid_t type,
                        std::vector<std::uint64_t>* dims_out) {
  const hid_t file = ok_id(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), "open");
  const hid_t dataset = ok_id(H5Dopen2(file, name.c_str(), H5P_DEFAULT), "open dataset");
  const hid_t space = H5Dget_space(dataset);
  const hssize_t count = H5Sget_simple_extent_npoints(space);
  if (dims_out != nullptr) {
    const int rank = H5Sget_simple_extent_ndims(space);
    std::vector<hsize_t> dims(static_cast<std::size_t>(std::max(rank, 0)));
    H5Sget_simple_extent_dims(space, dims.data(), nullptr);
    dims_out->assign(dims.begin(), dims.end());
  }
  std::vector<T> values(static_cast<std::size_t>(count));
  if (count > 0) ok(H5Dread(dataset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), "read");
  H5Sclose(space);
  H5Dclose(dataset);
  H5Fclose(file);
  return values;
}
}  // namespace

std::vector<long double> read_serial(const std::string& path, const std::string& name,
                                     std::vector<std::uint64_t>* dims) {
  return read_all<long double>(path, name, H5T_NATIVE_LDOUBLE, dims);
}

std::vector<double> read_doubles(const std::string& path, const std::string& name,
                                 std::vector<std::uint64_t>* dims) {
  return read_all<double>(path, name, H5T_NATIVE_DOUBLE, dims);
}

std::vector<std::int64_t> read_int64s(const std::string& path, const std::string& name) {
  return read_all<std::int64_t>(path, name, H5T_NATIVE_INT64, nullptr);
}

std::string read_string_attribute(const std::string& path, const std::string& object,
                                  const std::string& name) {
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (file < 0) return "";
  std::string value;
  if (H5Aexists_by_name(file, object.c_str(), name.c_str(), H5P_DEFAULT) > 0) {
    const hid_t attr =
        H5Aopen_by_name(file, object.c_str(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT);
    const hid_t type = H5Aget_type(attr);
    if (H5Tis_variable_str(type) > 0) {
      char* text = nullptr;
      const hid_t memtype = H5Tcopy(H5T_C_S1);
      H5Tset_size(memtype, H5T_VARIABLE);
      H5Tset_cset(memtype, H5Tget_cset(type));
      if (H5Aread(attr, memtype, &text) >= 0 && text != nullptr) value = text;
      H5free_memory(text);
      H5Tclose(memtype);
    }
    H5Tclose(type);
    H5Aclose(attr);
  }
  H5Fclose(file);
  return value;
}

long long open_hdf5_ids() {
  return static_cast<long long>(H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL));
}

}  // namespace rankflow::test
