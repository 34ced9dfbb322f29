#include "rankflow/io/hdf5/table_source.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <numeric>
#include <optional>

#include "rankflow/comm/failure_latch.hpp"
#include "rankflow/comm/phase.hpp"
#include "rankflow/core/buffer.hpp"
#include "rankflow/core/stop.hpp"
#include "rankflow/io/hdf5/dataset_info.hpp"
#include "handle.hpp"
#include "types.hpp"
#include "row_slab.hpp"
#include "vlen_strings.hpp"

namespace rankflow::io::hdf5 {
namespace {

// How one column's values sit in a dataset's block buffer (one record per row).
enum class ValueKind { kInt64, kUInt64, kFloat64, kFixedString, kVarString };

struct ColumnPlan {
  std::string name;
  ValueKind kind = ValueKind::kFloat64;
  std::size_t offset = 0;       // bytes from the start of a record
  std::size_t string_size = 0;  // kFixedString: bytes of the field
  bool space_padded = false;    // kFixedString: Fortran-style padding (trailing spaces)
};

struct DatasetPlan {
  DatasetInfo info;
  DatatypeHandle owned_type;  // the memory type when it is not a predefined one
  hid_t memory_type = H5I_INVALID_HID;
  std::size_t record_bytes = 0;    // bytes of one row in memory
  std::uint64_t file_row_bytes = 0;  // bytes of one row in the file (statistics)
  bool variable_strings = false;
  std::vector<ColumnPlan> columns;
  std::size_t first_column = 0;  // index of columns[0] in the table
  std::optional<RowSlab> slab;
  ByteBuffer buffer;
  bool read = true;  // false: no column of it is used (select_columns), it is not read
  bool keep_rows = false;  // keep_row_major: its rows are read even when no column is
  std::vector<std::pair<std::byte*, std::size_t>> targets;  // gather_numeric: values, offset
};

std::string base_name(const std::string& dataset) {
  const auto slash = dataset.rfind('/');
  return slash == std::string::npos ? dataset : dataset.substr(slash + 1);
}

std::string where(const DatasetInfo& info, const std::string& path) {
  return fmt::format("dataset {} in '{}'", info.name, path);
}

// A numeric member or element type: its kind and the predefined memory type read into.
std::optional<std::pair<ValueKind, hid_t>> numeric_kind(hid_t type) {
  const std::optional<DType> dtype = dtype_of(type);
  if (!dtype) return std::nullopt;
  if (dtype_is_float(*dtype)) return std::make_pair(ValueKind::kFloat64, H5T_NATIVE_DOUBLE);
  if (*dtype == DType::kUInt64) return std::make_pair(ValueKind::kUInt64, H5T_NATIVE_UINT64);
  return std::make_pair(ValueKind::kInt64, H5T_NATIVE_INT64);
}

// The memory type of a string file type (same size and character set; HDF5 has no conversion
// between ASCII and UTF-8), and the column's plan apart from its name and offset.
DatatypeHandle string_memory_type(hid_t type, ColumnPlan& column) {
  const std::string what = "string type";
  DatatypeHandle memory(check_id(H5Tcopy(H5T_C_S1), what));
  check(H5Tset_cset(memory.get(), H5Tget_cset(type)), what);
  if (H5Tis_variable_str(type) > 0) {
    check(H5Tset_size(memory.get(), H5T_VARIABLE), what);
    column.kind = ValueKind::kVarString;
    return memory;
  }
  column.kind = ValueKind::kFixedString;
  column.string_size = H5Tget_size(type);
  column.space_padded = H5Tget_strpad(type) == H5T_STR_SPACEPAD;
  check(H5Tset_size(memory.get(), column.string_size), what);
  check(H5Tset_strpad(memory.get(), H5Tget_strpad(type)), what);
  return memory;
}

std::vector<std::string> read_string_array(hid_t attribute, std::size_t count) {
  const std::string what = "reading attribute 'columns'";
  DatatypeHandle type(check_id(H5Aget_type(attribute), what));
  if (H5Tget_class(type.get()) != H5T_STRING) throw DataError("{}: it is not a string array", what);
  ColumnPlan plan;
  DatatypeHandle memory = string_memory_type(type.get(), plan);
  std::vector<std::string> names;
  if (plan.kind == ValueKind::kVarString) {
    DataspaceHandle space(check_id(H5Aget_space(attribute), what));
    return read_variable_strings(attribute, type.get(), space.get(), count, what);
  }
  std::vector<char> bytes(plan.string_size * count + 1, '\0');
  check(H5Aread(attribute, memory.get(), bytes.data()), what);
  for (std::size_t idx = 0; idx < count; ++idx) {
    const char* text = bytes.data() + idx * plan.string_size;
    std::string name(text, strnlen(text, plan.string_size));
    while (!name.empty() && name.back() == ' ') name.pop_back();
    names.push_back(std::move(name));
  }
  return names;
}

// Names of the K columns of a 2-D dataset: its `columns` attribute, else c0 .. c{K-1}.
std::vector<std::string> grid_column_names(hid_t dataset, const DatasetInfo& info,
                                           const std::string& path) {
  const std::uint64_t width = info.dims[1];
  std::vector<std::string> names;
  const htri_t exists = H5Aexists(dataset, kColumnsAttribute);
  check(exists, "looking for attribute 'columns' of " + info.name);
  if (exists == 0) {
    for (std::uint64_t idx = 0; idx < width; ++idx) names.push_back(fmt::format("c{}", idx));
    return names;
  }
  AttributeHandle attribute(
      check_id(H5Aopen(dataset, kColumnsAttribute, H5P_DEFAULT), "opening attribute 'columns'"));
  DataspaceHandle space(check_id(H5Aget_space(attribute.get()), "attribute space"));
  const hssize_t points = H5Sget_simple_extent_npoints(space.get());
  if (points < 0 || static_cast<std::uint64_t>(points) != width)
    throw DataError("{}: its attribute 'columns' names {} columns; the dataset has {} (shape {})",
                    where(info, path), points, width, info.shape_text());
  names = read_string_array(attribute.get(), static_cast<std::size_t>(points));
  for (const std::string& name : names)
    if (name.empty())
      throw DataError("{}: its attribute 'columns' has an empty name", where(info, path));
  return names;
}

void plan_numeric(DatasetPlan& plan, hid_t type, hid_t dataset, const std::string& path) {
  const auto kind = numeric_kind(type);
  plan.memory_type = kind->second;
  if (plan.info.rank() == 1) {
    plan.columns.push_back({base_name(plan.info.name), kind->first, 0, 0, false});
    plan.record_bytes = 8;
    return;
  }
  const std::vector<std::string> names = grid_column_names(dataset, plan.info, path);
  for (std::size_t idx = 0; idx < names.size(); ++idx)
    plan.columns.push_back({names[idx], kind->first, idx * 8, 0, false});
  plan.record_bytes = 8 * names.size();
}

std::string unsupported(const DatasetPlan& plan, const std::string& path, const std::string& type) {
  return fmt::format(
      "{} has type {}; table columns come from integers, floats, strings, 2-D numeric "
      "datasets and compounds of integers, floats and strings",
      where(plan.info, path), type);
}

// HDF5 1.10 trusts a compound type's field offsets from the file: a field that ends past the
// record (a damaged file, found by fuzz_hdf5) makes H5Dread's conversion copy from outside its
// buffer (a crash). Each field must lie inside the record.
void check_field_bounds(const DatasetPlan& plan, hid_t type, hid_t member, unsigned idx,
                        const std::string& name, const std::string& path) {
  const std::size_t record = H5Tget_size(type);
  const std::size_t offset = H5Tget_member_offset(type, idx);
  const std::size_t size = H5Tget_size(member);
  if (size == 0 || offset > record || size > record - offset)
    throw DataError("{}: field '{}' (bytes {}..{}) lies outside its {}-byte record; the file "
                    "is damaged",
                    where(plan.info, path), name, offset, offset + size, record);
}

void plan_compound(DatasetPlan& plan, hid_t type, const std::string& path) {
  const int members = H5Tget_nmembers(type);
  check(members, "reading the fields of " + plan.info.name);
  std::vector<std::pair<DatatypeHandle, std::string>> member_types;
  std::size_t offset = 0;
  for (int member_idx = 0; member_idx < members; ++member_idx) {
    const auto idx = static_cast<unsigned>(member_idx);
    char* raw_name = H5Tget_member_name(type, idx);
    const std::string name = raw_name != nullptr ? raw_name : "";
    if (raw_name != nullptr) H5free_memory(raw_name);
    DatatypeHandle member(check_id(H5Tget_member_type(type, idx), "reading a field type"));
    check_field_bounds(plan, type, member.get(), idx, name, path);
    ColumnPlan column{name, ValueKind::kFloat64, 0, 0, false};
    DatatypeHandle memory;
    if (auto kind = numeric_kind(member.get())) {
      column.kind = kind->first;
      memory = DatatypeHandle(check_id(H5Tcopy(kind->second), "field type"));
    } else if (H5Tget_class(member.get()) == H5T_STRING) {
      memory = string_memory_type(member.get(), column);
      plan.variable_strings = plan.variable_strings || column.kind == ValueKind::kVarString;
    } else {
      throw DataError("{} (field '{}' is {})",
                      unsupported(plan, path, describe_type(type)), name,
                      describe_type(member.get()));
    }
    const std::size_t size = H5Tget_size(memory.get());
    offset = (offset + 7) / 8 * 8;  // 8-byte aligned fields: loads of int64, double, char*
    column.offset = offset;
    offset += size;
    plan.columns.push_back(column);
    member_types.emplace_back(std::move(memory), name);
  }
  plan.record_bytes = std::max<std::size_t>(8, (offset + 7) / 8 * 8);
  plan.owned_type =
      DatatypeHandle(check_id(H5Tcreate(H5T_COMPOUND, plan.record_bytes), "compound type"));
  for (std::size_t idx = 0; idx < member_types.size(); ++idx)
    check(H5Tinsert(plan.owned_type.get(), member_types[idx].second.c_str(),
                    plan.columns[idx].offset, member_types[idx].first.get()),
          "compound type");
  plan.memory_type = plan.owned_type.get();
}

void plan_string(DatasetPlan& plan, hid_t type) {
  ColumnPlan column{base_name(plan.info.name), ValueKind::kVarString, 0, 0, false};
  plan.owned_type = string_memory_type(type, column);
  plan.memory_type = plan.owned_type.get();
  plan.variable_strings = column.kind == ValueKind::kVarString;
  plan.record_bytes = H5Tget_size(plan.memory_type);
  plan.columns.push_back(column);
}

// The columns of one dataset and the memory type its blocks are read as.
void plan_dataset(const ParallelFile& file, DatasetPlan& plan) {
  const std::string& path = file.path();
  const DatasetInfo& info = plan.info;
  if (info.rank() == 0 || info.rank() > 2)
    throw DataError("{} has shape {}; table columns come from 1-D datasets (one column) and "
                    "2-D datasets (one column per column)",
                    where(info, path), info.shape_text());
  DatasetHandle dataset(check_id(H5Dopen2(static_cast<hid_t>(file.id()), info.name.c_str(),
                                          H5P_DEFAULT),
                                 "opening " + info.name));
  DatatypeHandle type(check_id(H5Dget_type(dataset.get()), "reading the type of " + info.name));
  const H5T_class_t type_class = H5Tget_class(type.get());
  plan.file_row_bytes = H5Tget_size(type.get()) * info.row_elements();
  if (numeric_kind(type.get())) {
    plan_numeric(plan, type.get(), dataset.get(), path);
  } else if (info.rank() == 2) {
    throw DataError("{}; a 2-D dataset must be numeric", unsupported(plan, path, info.type));
  } else if (type_class == H5T_STRING) {
    plan_string(plan, type.get());
  } else if (type_class == H5T_COMPOUND) {
    plan_compound(plan, type.get(), path);
  } else {
    throw DataError("{}", unsupported(plan, path, info.type));
  }
}

table::ColumnType column_type(ValueKind kind) {
  switch (kind) {
    case ValueKind::kInt64:
    case ValueKind::kUInt64:
      return table::ColumnType::kInt64;
    case ValueKind::kFloat64:
      return table::ColumnType::kFloat64;
    case ValueKind::kFixedString:
    case ValueKind::kVarString:
      break;
  }
  return table::ColumnType::kString;
}

// Rows per partition unit: the chunk rows of every chunked dataset divide it, so that no chunk
// is split between ranks. Their least common multiple, unless that is absurd (co-prime chunk
// shapes), then the largest chunk.
std::uint64_t partition_unit(const std::vector<DatasetPlan>& plans) {
  std::uint64_t unit = 0;
  std::uint64_t largest = 0;
  for (const DatasetPlan& plan : plans) {
    const std::uint64_t chunk = plan.info.chunk_rows();
    if (chunk == 0) continue;
    largest = std::max(largest, chunk);
    unit = unit == 0 ? chunk : std::lcm(unit, chunk);
  }
  return unit > 16 * largest ? largest : unit;
}

}  // namespace

namespace {

// Gathers the 8-byte values of one column out of `rows` records of `stride` bytes. The common
// cases (a 1-D dataset: stride 8; a 2-D one: stride 8 * K) are tight loops the compiler unrolls.
template <typename T>
void gather(const std::byte* records, std::size_t stride, std::size_t offset, std::size_t rows,
            T* out) {
  if (stride == sizeof(T)) {
    std::memcpy(out, records, rows * sizeof(T));
    return;
  }
  const std::byte* at = records + offset;
  for (std::size_t row = 0; row < rows; ++row, at += stride) std::memcpy(out + row, at, sizeof(T));
}

class Hdf5TableSource final : public TableSource {
 public:
  Hdf5TableSource(const comm::Communicator& comm, const TableSourceOptions& options,
                  ParallelFile file)
      : options_(options), file_(std::move(file)) {
    comm::run_phase(comm, "opening the HDF5 datasets", [&] { plan(comm); });
  }

  const table::Schema& schema() const override { return schema_; }
  SourceStats stats() const override { return stats_; }
  std::string describe() const override {
    std::string names;
    for (const DatasetPlan& plan : plans_) names += (names.empty() ? "" : ", ") + plan.info.name;
    return fmt::format("HDF5 '{}' ({}: {} row{}, {} column{})", options_.path, names, total_rows_,
                       total_rows_ == 1 ? "" : "s", schema_.size(), schema_.size() == 1 ? "" : "s");
  }

  std::uint64_t total_bytes() const override {
    std::uint64_t row_bytes = 0;
    for (const DatasetPlan& plan : plans_) row_bytes += plan.file_row_bytes;
    return total_rows_ * row_bytes;
  }

  bool next(table::Table& block) override {
    core::throw_if_stopped();  // independent reads: a stop leaves here (core/stop.hpp)
    if (!(block.schema() == schema_ && block.num_columns() == schema_.size())) {
      block = table::Table(schema_);
    }
    if (position_ >= rows_.end) {
      block.clear();
      return false;
    }
    const std::uint64_t count = std::min(block_rows_, rows_.end - position_);
    prepare(block);
    SilenceErrors quiet;
    for (DatasetPlan& plan : plans_) {
      if (plan.read) {
        read_dataset(plan, count, block);
      } else {
        for (std::size_t idx = 0; idx < plan.columns.size(); ++idx)
          fill_unread(block.column(plan.first_column + idx), static_cast<std::size_t>(count));
      }
    }
    position_ += count;
    stats_.rows += count;
    return true;
  }

  void select_columns(const std::vector<bool>& read) override {
    if (read.size() != schema_.size()) return;
    read_ = read;
    for (DatasetPlan& plan : plans_) {
      plan.read = plan.keep_rows;
      for (std::size_t idx = 0; idx < plan.columns.size(); ++idx)
        plan.read = plan.read || read_[plan.first_column + idx];
    }
  }

  // 2-D float datasets: read as doubles, one row after the other (plan_numeric).
  std::vector<RowMajorRange> row_major_ranges() const override {
    std::vector<RowMajorRange> ranges;
    for (const DatasetPlan& plan : plans_)
      if (is_row_major(plan)) ranges.push_back({plan.first_column, plan.columns.size()});
    return ranges;
  }
  void keep_row_major(std::size_t first) override {
    for (DatasetPlan& plan : plans_)
      if (is_row_major(plan) && plan.first_column == first) plan.keep_rows = plan.read = true;
  }
  const double* row_major(std::size_t first) const override {
    for (const DatasetPlan& plan : plans_)
      if (plan.keep_rows && plan.first_column == first)
        return reinterpret_cast<const double*>(plan.buffer.data());
    return nullptr;
  }

 private:
  static bool is_row_major(const DatasetPlan& plan) {
    return plan.info.rank() == 2 && !plan.columns.empty() &&
           plan.columns.front().kind == ValueKind::kFloat64 &&
           plan.record_bytes == plan.columns.size() * sizeof(double);
  }
  // An unread column keeps the block's length: numeric ones keep whatever values they held
  // (resizing a vector to the size it has costs nothing; zero-filling every block would be a
  // pass as long as the data), string ones get empty strings.
  static void fill_unread(table::Column& column, std::size_t rows) {
    if (column.type() == table::ColumnType::kString) {
      column.append_zeros(rows);
    } else {
      column.resize_fixed(rows);
    }
  }
  void plan(const comm::Communicator& comm);
  void read_dataset(DatasetPlan& plan, std::uint64_t count, table::Table& block);
  void decode(const DatasetPlan& plan, const ColumnPlan& column, std::size_t rows,
              table::Column& out) const;
  void prepare(table::Table& block) const;
  void gather_numeric(DatasetPlan& plan, std::size_t rows, table::Table& block);
  [[noreturn]] void too_large(const DatasetPlan& plan, const ColumnPlan& column,
                              std::size_t row, std::uint64_t value) const;

  TableSourceOptions options_;
  ParallelFile file_;
  std::vector<DatasetPlan> plans_;
  table::Schema schema_;
  std::uint64_t total_rows_ = 0;
  RowRange rows_;
  std::uint64_t block_rows_ = 1;
  std::uint64_t position_ = 0;
  std::vector<bool> read_;  // per column: used by the job (select_columns); empty: all
  SourceStats stats_;
};

// Empties the block's columns for the next rows. Numeric columns that hold no null keep their
// size: gather_numeric() (or fill_unread(), for a column the job does not read) resizes them to
// the block's rows, and resizing a vector to the size it has costs nothing, where clear() +
// resize() would zero-fill every column of every block (a second pass over the data).
void Hdf5TableSource::prepare(table::Table& block) const {
  for (std::size_t col = 0; col < block.num_columns(); ++col) {
    table::Column& column = block.column(col);
    if (column.type() == table::ColumnType::kString || column.has_nulls()) column.clear();
  }
}

void Hdf5TableSource::plan(const comm::Communicator& comm) {
  SilenceErrors quiet;
  plans_.resize(options_.datasets.size());
  std::uint64_t row_bytes = 0;
  bool filtered = false;
  std::vector<std::string> owners;  // the dataset of each column, for messages
  for (std::size_t idx = 0; idx < plans_.size(); ++idx) {
    DatasetPlan& plan = plans_[idx];
    plan.info = read_dataset_info(file_, options_.datasets[idx]);
    plan_dataset(file_, plan);
    if (idx > 0 && plan.info.rows() != plans_.front().info.rows())
      throw DataError(
          "the datasets of a table must have equal lengths: {} has {} rows, {} has {} (in '{}')",
          plans_.front().info.name, plans_.front().info.rows(), plan.info.name, plan.info.rows(),
          options_.path);
    plan.first_column = schema_.size();
    for (const ColumnPlan& column : plan.columns) {
      if (auto existing = schema_.find(column.name))
        throw DataError("two columns are named '{}' in '{}' ({} and {}); read one of them, or "
                        "name a 2-D dataset's columns with its attribute 'columns'",
                        column.name, options_.path, owners[*existing], plan.info.name);
      owners.push_back(plan.info.name);
      schema_.add({column.name, column_type(column.kind)});
    }
    row_bytes += plan.record_bytes;
    filtered = filtered || plan.info.filtered();
  }
  total_rows_ = plans_.front().info.rows();
  const std::uint64_t unit = partition_unit(plans_);
  block_rows_ = plan_block_rows({row_bytes, unit, filtered, options_.block_bytes,
                                 options_.block_rows});
  rows_ = partition_rows(total_rows_, unit, comm.size(), comm.rank());
  position_ = rows_.begin;
  for (DatasetPlan& plan : plans_) {
    plan.slab.emplace(file_, plan.info, block_rows_);
    plan.buffer.reserve(std::max<std::uint64_t>(64, block_rows_ * plan.record_bytes));
  }
}

void Hdf5TableSource::read_dataset(DatasetPlan& plan, std::uint64_t count, table::Table& block) {
  if (plan.variable_strings) plan.slab->check_strings(position_, count);  // a damaged heap hangs
  plan.slab->read(position_, count, plan.memory_type, plan.buffer.data());
  stats_.bytes += count * plan.file_row_bytes;
  const auto rows = static_cast<std::size_t>(count);
  try {
    gather_numeric(plan, rows, block);
    for (std::size_t idx = 0; idx < plan.columns.size(); ++idx) {
      table::Column& column = block.column(plan.first_column + idx);
      if (!read_.empty() && !read_[plan.first_column + idx]) {
        fill_unread(column, rows);
      } else {
        decode(plan, plan.columns[idx], rows, column);
      }
    }
  } catch (...) {
    if (plan.variable_strings) plan.slab->reclaim(plan.memory_type, plan.buffer.data());
    throw;
  }
  if (plan.variable_strings) plan.slab->reclaim(plan.memory_type, plan.buffer.data());
}

// The 8-byte numeric columns of a dataset, gathered a tile of rows at a time: the tile's
// records (16 KiB) stay in L1 while each column's values are copied out of them. Column by
// column over the whole block would stream the block from memory once per column (16 times
// for W6's /temperature).
void Hdf5TableSource::gather_numeric(DatasetPlan& plan, std::size_t rows, table::Table& block) {
  constexpr std::size_t kTileBytes = std::size_t{16} << 10;
  const std::size_t stride = plan.record_bytes;
  plan.targets.clear();
  for (std::size_t idx = 0; idx < plan.columns.size(); ++idx) {
    const ColumnPlan& column = plan.columns[idx];
    const bool numeric = column.kind == ValueKind::kFloat64 ||
                         column.kind == ValueKind::kInt64 || column.kind == ValueKind::kUInt64;
    if (!numeric || (!read_.empty() && !read_[plan.first_column + idx])) continue;
    table::Column& out = block.column(plan.first_column + idx);
    out.resize_fixed(rows);
    void* values = column.kind == ValueKind::kFloat64 ? static_cast<void*>(out.mutable_f64())
                                                      : static_cast<void*>(out.mutable_i64());
    plan.targets.emplace_back(static_cast<std::byte*>(values), column.offset);
  }
  if (plan.targets.empty()) return;
  const std::size_t tile = std::max<std::size_t>(1, kTileBytes / stride);
  const std::byte* records = plan.buffer.data();
  for (std::size_t first = 0; first < rows; first += tile) {
    const std::size_t count = std::min(tile, rows - first);
    for (const auto& [values, offset] : plan.targets)
      gather(records + first * stride, stride, offset, count,
             reinterpret_cast<std::uint64_t*>(values) + first);
  }
}

void Hdf5TableSource::decode(const DatasetPlan& plan, const ColumnPlan& column, std::size_t rows,
                             table::Column& out) const {
  const std::byte* records = plan.buffer.data();
  const std::size_t stride = plan.record_bytes;
  switch (column.kind) {
    case ValueKind::kFloat64:
    case ValueKind::kInt64:
      return;  // gather_numeric has copied them
    case ValueKind::kUInt64: {
      const std::int64_t* values = out.i64();
      for (std::size_t row = 0; row < rows; ++row)
        if (values[row] < 0) too_large(plan, column, row, static_cast<std::uint64_t>(values[row]));
      return;
    }
    case ValueKind::kFixedString:
      for (std::size_t row = 0; row < rows; ++row) {
        const char* text = reinterpret_cast<const char*>(records + row * stride + column.offset);
        std::size_t size = strnlen(text, column.string_size);
        if (column.space_padded)
          while (size > 0 && text[size - 1] == ' ') --size;
        out.append_string(std::string_view(text, size));
      }
      return;
    case ValueKind::kVarString:
      for (std::size_t row = 0; row < rows; ++row) {
        const char* text = nullptr;
        std::memcpy(&text, records + row * stride + column.offset, sizeof(text));
        if (text == nullptr) {
          out.append_null();
        } else {
          out.append_string(text);
        }
      }
      return;
  }
}

void Hdf5TableSource::too_large(const DatasetPlan& plan, const ColumnPlan& column,
                                std::size_t row, std::uint64_t value) const {
  throw DataError(
      "{}, column '{}', row {}: the uint64 value {} does not fit rankflow's int64 columns "
      "(at most {})",
      where(plan.info, options_.path), column.name, position_ + row, value,
      std::numeric_limits<std::int64_t>::max());
}

}  // namespace

std::unique_ptr<TableSource> open_table_source(const comm::Communicator& comm,
                                               const TableSourceOptions& options) {
  if (options.datasets.empty())
    throw ConfigError("HDF5 table input '{}': no datasets given", options.path);
  if (options.io == IoMode::kCollective)
    throw ConfigError(
        "HDF5 table input '{}': io = collective is not available for tables (their reads are "
        "local to each rank); use independent or posix",
        options.path);
  // open_read fails on every rank or on none (it agrees on the file first): an agreed error, so
  // that a missing file is one message from rank 0, not MPI_Abort from every rank.
  std::optional<ParallelFile> file;
  comm::run_collective_phase(comm, "opening the input", [&] {
    file.emplace(ParallelFile::open_read(comm, options.path, options.io));
  });
  return std::make_unique<Hdf5TableSource>(comm, options, std::move(*file));
}

}  // namespace rankflow::io::hdf5
