#include "rankflow/io/hdf5/dataset_info.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "attribute_messages.hpp"
#include "handle.hpp"
#include "rankflow/core/text.hpp"
#include "types.hpp"
#include "vlen_strings.hpp"

namespace rankflow::io::hdf5 {
namespace {

constexpr std::size_t kMaxShownValues = 16;

// The dataspace's dims. HDF5 1.10 decodes a dataspace without checking its dims against its
// maximum dims: a damaged file (found by fuzz_hdf5) claimed 3,743,737,962 rows of at most 7,
// and reading it with the MPI-IO driver allocated 8 bytes per chunk of that extent (7 GB).
// Dims past their maximum are a DataError naming `what`.
std::vector<std::uint64_t> extent(hid_t space, const std::string& what) {
  const int rank = H5Sget_simple_extent_ndims(space);
  check(rank, "reading a dataspace");
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  std::vector<hsize_t> max_dims(static_cast<std::size_t>(rank));
  check(H5Sget_simple_extent_dims(space, dims.data(), max_dims.data()), "reading a dataspace");
  for (std::size_t axis = 0; axis < dims.size(); ++axis)
    if (max_dims[axis] != H5S_UNLIMITED && dims[axis] > max_dims[axis])
      throw DataError("{}: axis {} has {} elements, more than its maximum {}; the file is damaged",
                      what, axis, dims[axis], max_dims[axis]);
  return {dims.begin(), dims.end()};
}

std::string join_values(const std::vector<std::string>& values, std::size_t total) {
  if (total == 1 && values.size() == 1) return values.front();
  std::string text = "[";
  for (std::size_t idx = 0; idx < values.size(); ++idx) text += (idx ? ", " : "") + values[idx];
  return text + (total > values.size() ? ", ...]" : "]");
}

std::string read_string_values(hid_t attribute, hid_t type, hid_t space, std::size_t count) {
  std::vector<std::string> values;
  if (H5Tis_variable_str(type) > 0) {
    values = read_variable_strings(attribute, type, space, count, "reading an attribute");
    if (values.size() > kMaxShownValues) values.resize(kMaxShownValues);
  } else {
    const std::size_t size = H5Tget_size(type);
    std::vector<char> bytes(size * count);
    DatatypeHandle memtype(check_id(H5Tcopy(H5T_C_S1), "string type"));
    check(H5Tset_size(memtype.get(), size), "string type");
    check(H5Tset_cset(memtype.get(), H5Tget_cset(type)), "string type");
    check(H5Aread(attribute, memtype.get(), bytes.data()), "reading an attribute");
    for (std::size_t idx = 0; idx < count && idx < kMaxShownValues; ++idx) {
      std::string value(bytes.data() + idx * size, size);
      value.erase(std::find(value.begin(), value.end(), '\0'), value.end());
      values.push_back(std::move(value));
    }
  }
  return join_values(values, count);
}

std::string read_numeric_values(hid_t attribute, DType dtype, std::size_t count) {
  std::vector<std::string> values;
  if (dtype_is_float(dtype)) {
    std::vector<double> numbers(count);
    check(H5Aread(attribute, H5T_NATIVE_DOUBLE, numbers.data()), "reading an attribute");
    for (std::size_t idx = 0; idx < count && idx < kMaxShownValues; ++idx)
      values.push_back(fmt::format("{}", numbers[idx]));
  } else if (dtype_is_signed(dtype)) {
    std::vector<std::int64_t> numbers(count);
    check(H5Aread(attribute, H5T_NATIVE_INT64, numbers.data()), "reading an attribute");
    for (std::size_t idx = 0; idx < count && idx < kMaxShownValues; ++idx)
      values.push_back(fmt::format("{}", numbers[idx]));
  } else {
    std::vector<std::uint64_t> numbers(count);
    check(H5Aread(attribute, H5T_NATIVE_UINT64, numbers.data()), "reading an attribute");
    for (std::size_t idx = 0; idx < count && idx < kMaxShownValues; ++idx)
      values.push_back(fmt::format("{}", numbers[idx]));
  }
  return join_values(values, count);
}

herr_t collect_attribute(hid_t location, const char* name, const H5A_info_t* /*info*/,
                         void* client) {
  auto* attributes = static_cast<std::vector<AttributeInfo>*>(client);
  AttributeInfo entry{name, "", ""};
  try {
    AttributeHandle attribute(check_id(H5Aopen(location, name, H5P_DEFAULT), "opening attribute"));
    DatatypeHandle type(check_id(H5Aget_type(attribute.get()), "attribute type"));
    DataspaceHandle space(check_id(H5Aget_space(attribute.get()), "attribute space"));
    const hssize_t points = H5Sget_simple_extent_npoints(space.get());
    const auto count = static_cast<std::size_t>(points < 0 ? 0 : points);
    entry.type = describe_type(type.get());
    if (H5Tget_class(type.get()) == H5T_STRING) {
      entry.value = read_string_values(attribute.get(), type.get(), space.get(), count);
    } else if (auto dtype = dtype_of(type.get())) {
      entry.value = read_numeric_values(attribute.get(), *dtype, count);
    } else {
      entry.value = fmt::format("({} value{})", count, count == 1 ? "" : "s");
    }
  } catch (const Error& error) {
    entry.value = fmt::format("(unreadable: {})", error.what());
  }
  attributes->push_back(std::move(entry));
  return 0;
}

// The object's attributes; when its attribute messages do not check out (HDF5 1.10 would
// decode them past their bytes), one entry saying so instead, so that a damaged attribute
// never stops reading the data.
std::vector<AttributeInfo> read_attributes(hid_t object) {
  std::vector<AttributeInfo> attributes;
  try {
    check_header_messages(object, "listing attributes");
  } catch (const Error& error) {
    attributes.push_back({"(attributes)", "", fmt::format("(unreadable: {})", error.what())});
    return attributes;
  }
  hsize_t position = 0;
  check(H5Aiterate2(object, H5_INDEX_NAME, H5_ITER_INC, &position, collect_attribute, &attributes),
        "listing attributes");
  return attributes;
}

std::string describe_filter(hid_t dcpl, unsigned filter_idx) {
  unsigned flags = 0;
  std::size_t values_count = 8;
  unsigned values[8] = {};
  char name[64] = {};
  unsigned config = 0;
  const H5Z_filter_t filter =
      H5Pget_filter2(dcpl, filter_idx, &flags, &values_count, values, sizeof(name), name, &config);
  switch (filter) {
    case H5Z_FILTER_DEFLATE:
      return values_count > 0 ? fmt::format("deflate (gzip level {})", values[0]) : "deflate";
    case H5Z_FILTER_SHUFFLE:
      return "shuffle";
    case H5Z_FILTER_FLETCHER32:
      return "fletcher32";
    case H5Z_FILTER_SZIP:
      return "szip";
    case H5Z_FILTER_NBIT:
      return "nbit";
    case H5Z_FILTER_SCALEOFFSET:
      return "scaleoffset";
    default:
      break;
  }
  return fmt::format("filter {} ({})", filter, name[0] != '\0' ? name : "unknown");
}

// `what`: "dataset /x in 'f.h5'", for errors.
void read_layout(hid_t dataset, DatasetInfo& info, const std::string& what) {
  PropListHandle dcpl(check_id(H5Dget_create_plist(dataset), "reading the creation list"));
  switch (H5Pget_layout(dcpl.get())) {
    case H5D_CONTIGUOUS:
      info.layout = "contiguous";
      break;
    case H5D_COMPACT:
      info.layout = "compact";
      break;
    case H5D_VIRTUAL:
      info.layout = "virtual";
      break;
    case H5D_CHUNKED: {
      info.layout = "chunked";
      std::vector<hsize_t> chunk(info.dims.size() == 0 ? 1 : info.dims.size());
      const int chunk_rank = H5Pget_chunk(dcpl.get(), static_cast<int>(chunk.size()), chunk.data());
      check(chunk_rank, "reading the chunk shape");
      // HDF5 fills at most chunk.size() entries but returns the rank the file states, which a
      // damaged file can make larger than the dataspace's (found by fuzz_hdf5).
      if (static_cast<std::size_t>(chunk_rank) > chunk.size() ||
          (!info.dims.empty() && static_cast<std::size_t>(chunk_rank) != info.dims.size()))
        throw DataError(
            "{}: its chunks have {} dimensions but its dataspace has {}; the file is damaged", what,
            chunk_rank, info.dims.size());
      info.chunk_dims.assign(chunk.begin(), chunk.begin() + chunk_rank);
      break;
    }
    default:
      info.layout = "unknown";
      break;
  }
  const int filters = H5Pget_nfilters(dcpl.get());
  for (int filter_idx = 0; filter_idx < filters; ++filter_idx)
    info.filters.push_back(describe_filter(dcpl.get(), static_cast<unsigned>(filter_idx)));
}

herr_t collect_dataset(hid_t group, const char* name, const H5L_info_t* link, void* client) {
  if (link->type != H5L_TYPE_HARD) return 0;  // soft and external links: not followed
  H5O_info_t object{};
  if (H5Oget_info_by_name2(group, name, &object, H5O_INFO_BASIC, H5P_DEFAULT) < 0) return 0;
  if (object.type == H5O_TYPE_DATASET)
    static_cast<std::vector<std::string>*>(client)->push_back(std::string("/") + name);
  return 0;
}

std::vector<std::string> list_datasets(hid_t file) {
  std::vector<std::string> names;
  check(H5Lvisit(file, H5_INDEX_NAME, H5_ITER_INC, collect_dataset, &names), "listing datasets");
  std::sort(names.begin(), names.end());
  return names;
}

std::string normalized(const std::string& name) {
  return !name.empty() && name.front() == '/' ? name : "/" + name;
}

DatasetInfo describe_dataset(hid_t file, const std::string& file_path, const std::string& name) {
  DatasetInfo info;
  info.name = normalized(name);
  // A damaged datatype or shared message would make H5Dopen2 read past its buffer: checked
  // first. (A missing name is left for H5Dopen2 to report below, with the datasets there are.)
  const std::string where = fmt::format("dataset {} in '{}'", info.name, file_path);
  if (H5Lexists(file, info.name.c_str(), H5P_DEFAULT) > 0)
    check_datatype_messages(file, info.name, where);
  take_error_stack();
  DatasetHandle dataset(H5Dopen2(file, info.name.c_str(), H5P_DEFAULT));
  if (!dataset) {
    take_error_stack();
    std::string list;
    for (const std::string& candidate : list_datasets(file))
      list += (list.empty() ? "" : ", ") + candidate;
    throw DataError("no dataset '{}' in '{}'; {}", info.name, file_path,
                    list.empty() ? "the file has no datasets" : "datasets are: " + list);
  }
  const std::string what = "reading the metadata of " + info.name;
  DatatypeHandle type(check_id(H5Dget_type(dataset.get()), what));
  DataspaceHandle space(check_id(H5Dget_space(dataset.get()), what));
  info.dims = extent(space.get(), where);
  info.dtype = dtype_of(type.get());
  info.big_endian = is_big_endian(type.get());
  info.type = describe_type(type.get());
  info.storage_bytes = H5Dget_storage_size(dataset.get());
  read_layout(dataset.get(), info, where);
  info.attributes = read_attributes(dataset.get());
  return info;
}

}  // namespace

std::uint64_t DatasetInfo::row_elements() const noexcept {
  std::uint64_t count = 1;
  for (std::size_t axis = 1; axis < dims.size(); ++axis) count *= dims[axis];
  return count;
}

std::uint64_t DatasetInfo::elements() const noexcept {
  std::uint64_t count = 1;
  for (std::uint64_t dim : dims) count *= dim;
  return count;
}

std::string DatasetInfo::shape_text() const {
  std::string text = "(";
  for (std::size_t axis = 0; axis < dims.size(); ++axis)
    text += (axis ? ", " : "") + std::to_string(dims[axis]);
  return text + (dims.size() == 1 ? ",)" : ")");
}

DatasetInfo read_dataset_info(const ParallelFile& file, const std::string& name) {
  SilenceErrors quiet;
  return describe_dataset(file.id(), file.path(), name);
}

DatasetInfo read_dataset_info(const std::string& path, const std::string& name) {
  std::string why;
  if (!is_readable_hdf5(path, &why)) throw DataError("cannot open '{}': {}", path, why);
  SilenceErrors quiet;
  FileHandle file(
      check_id(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), "opening '" + path + "'"));
  return describe_dataset(file.get(), path, name);
}

std::vector<std::string> dataset_names(const ParallelFile& file) {
  SilenceErrors quiet;
  return list_datasets(file.id());
}

FileSummary inspect_file(const std::string& path) {
  std::string why;
  if (!is_readable_hdf5(path, &why)) throw DataError("cannot open '{}': {}", path, why);
  SilenceErrors quiet;
  FileHandle file(
      check_id(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), "opening '" + path + "'"));
  FileSummary summary;
  summary.path = path;
  GroupHandle root(check_id(H5Gopen2(file.get(), "/", H5P_DEFAULT), "opening '/'"));
  summary.attributes = read_attributes(root.get());
  for (const std::string& name : list_datasets(file.get()))
    summary.datasets.push_back(describe_dataset(file.get(), path, name));
  return summary;
}

std::string format_summary(const FileSummary& summary) {
  std::string out = summary.path + "\n";
  for (const AttributeInfo& attribute : summary.attributes)
    out += fmt::format("  @{} = {}\n", attribute.name, attribute.value);
  if (summary.datasets.empty()) out += "  (no datasets)\n";
  for (const DatasetInfo& info : summary.datasets) {
    out += fmt::format("\n{}\n  shape       {}\n  type        {}{}\n", info.name, info.shape_text(),
                       info.type, info.dtype ? "" : "  (not an array type rankflow reduces)");
    std::string layout = info.layout;
    if (!info.chunk_dims.empty()) {
      layout += ", chunks (";
      for (std::size_t axis = 0; axis < info.chunk_dims.size(); ++axis)
        layout += (axis ? ", " : "") + std::to_string(info.chunk_dims[axis]);
      layout += ")";
    }
    out += fmt::format("  layout      {}\n", layout);
    std::string filters;
    for (const std::string& filter : info.filters)
      filters += (filters.empty() ? "" : ", ") + filter;
    out += fmt::format("  compression {}\n", filters.empty() ? "none" : filters);
    out += fmt::format("  storage     {}\n", human_bytes(info.storage_bytes));
    for (const AttributeInfo& attribute : info.attributes)
      out += fmt::format("  @{} = {}  ({})\n", attribute.name, attribute.value, attribute.type);
    if (info.dtype && !info.dims.empty())
      out += fmt::format("  job config  [input] path = {}  dataset = {}  (axes 0..{})\n",
                         summary.path, info.name, info.dims.size() - 1);
  }
  return out;
}

}  // namespace rankflow::io::hdf5
