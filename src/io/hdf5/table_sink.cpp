#include "rankflow/io/hdf5/table_sink.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <optional>

#include "dataset_writer.hpp"
#include "rankflow/comm/phase.hpp"
#include "rankflow/core/buffer.hpp"
#include "rankflow/io/hdf5/file.hpp"
#include "handle.hpp"
#include "rankflow/io/output_file.hpp"

namespace rankflow::io::hdf5 {
namespace {

constexpr std::uint64_t kMaxStepBytes = std::uint64_t{64} << 20;  // scratch per write step

using table::ColumnType;

// How a column is stored: file and memory types, bytes per value.
struct ColumnFormat {
  DatatypeHandle owned_string;  // fixed-length string type (file and memory)
  hid_t file_type = H5I_INVALID_HID;
  hid_t memory_type = H5I_INVALID_HID;
  std::size_t bytes = 8;
};

ColumnFormat column_format(ColumnType type, std::size_t string_width) {
  ColumnFormat format;
  switch (type) {
    case ColumnType::kFloat64:
      format.file_type = H5T_IEEE_F64LE;
      format.memory_type = H5T_NATIVE_DOUBLE;
      return format;
    case ColumnType::kBool:
      format.file_type = H5T_STD_U8LE;
      format.memory_type = H5T_NATIVE_UINT8;
      format.bytes = 1;
      return format;
    case ColumnType::kString: {
      const std::string what = "creating a string type";
      format.owned_string = DatatypeHandle(check_id(H5Tcopy(H5T_C_S1), what));
      check(H5Tset_size(format.owned_string.get(), string_width), what);
      check(H5Tset_cset(format.owned_string.get(), H5T_CSET_UTF8), what);
      check(H5Tset_strpad(format.owned_string.get(), H5T_STR_NULLPAD), what);
      format.file_type = format.memory_type = format.owned_string.get();
      format.bytes = string_width;
      return format;
    }
    case ColumnType::kInt64:
    case ColumnType::kDate:
    case ColumnType::kTimestamp:
      break;
  }
  format.file_type = H5T_STD_I64LE;
  format.memory_type = H5T_NATIVE_INT64;
  return format;
}

// Copies rows [begin, begin + count) of `column` as stored values, each `stride` bytes apart
// (`stride` == bytes per value: packed, as for one column's dataset).
void pack(const table::Column& column, std::size_t begin, std::size_t count, std::size_t width,
          std::size_t stride, std::byte* out) {
  for (std::size_t idx = 0; idx < count; ++idx) {
    const std::size_t row = begin + idx;
    std::byte* at = out + idx * stride;
    switch (column.type()) {
      case ColumnType::kFloat64: {
        const double value =
            column.is_valid(row) ? column.f64()[row] : std::numeric_limits<double>::quiet_NaN();
        std::memcpy(at, &value, 8);
        break;
      }
      case ColumnType::kBool:
        std::memcpy(at, column.u8() + row, 1);
        break;
      case ColumnType::kString: {
        const std::string_view text = column.str(row);
        std::memcpy(at, text.data(), text.size());
        std::memset(at + text.size(), 0, width - text.size());
        break;
      }
      default:
        std::memcpy(at, column.i64() + row, 8);
        break;
    }
  }
}

std::string join_path(const std::string& group, const std::string& name) {
  if (group.empty() || group == "/") return "/" + name;
  return (group.front() == '/' ? group : "/" + group) + (group.back() == '/' ? "" : "/") + name;
}

std::string parent_group(const std::string& dataset) {
  const auto slash = dataset.rfind('/');
  return slash == std::string::npos || slash == 0 ? "/" : dataset.substr(0, slash);
}

class Hdf5TableSink final : public TableSink {
 public:
  Hdf5TableSink(const comm::Communicator& comm, const std::string& path, table::Schema schema,
                TableSinkOptions options)
      : comm_(comm), schema_(std::move(schema)), options_(std::move(options)),
        output_(comm, path, AtomicOutput::Target::kRegularFile), rows_(schema_) {
    comm::run_phase(comm, "checking the HDF5 output", [&] { check_names(); });
  }

  void write(const table::Table& block) override {
    if (block.num_columns() != schema_.size())
      throw DataError("internal: a block of {} columns written to an HDF5 output of {}",
                      block.num_columns(), schema_.size());
    rows_.append_rows(block, 0, block.num_rows());
  }

  void finish() override;

 private:
  void check_names() const;
  void plan_layout();
  void write_columns(ParallelFile& file);
  void write_compound(ParallelFile& file);
  void write_null_masks(ParallelFile& file, const std::string& group);
  void write_steps(DatasetWriter& writer, hid_t memory_type, std::size_t row_bytes,
                   const std::function<void(std::size_t, std::size_t, std::byte*)>& fill);
  void set_attributes(ParallelFile& file, const std::string& object, const std::string& type);

  const comm::Communicator& comm_;
  table::Schema schema_;
  TableSinkOptions options_;
  AtomicOutput output_;
  table::Table rows_;
  // Agreed over all ranks in finish():
  std::vector<std::uint64_t> widths_;     // string columns: longest value in bytes (>= 1)
  std::vector<std::uint64_t> has_nulls_;  // 1 when some rank holds a null in the column
  std::uint64_t first_row_ = 0;
  std::uint64_t total_rows_ = 0;
  std::uint64_t step_rows_ = 1;
  std::uint64_t steps_ = 0;
  ByteBuffer scratch_;
};

void Hdf5TableSink::check_names() const {
  for (const table::Field& field : schema_.fields())
    if (field.name.empty() || field.name == "." || field.name.find('/') != std::string::npos)
      throw ConfigError("the column '{}' cannot be written to HDF5: a dataset or field name "
                        "must not be empty, '.' or hold '/'; rename it (... as name)",
                        field.name);
}

// Local part of the plan (string widths, nulls), agreed by the caller.
void Hdf5TableSink::plan_layout() {
  widths_.assign(schema_.size(), 1);
  has_nulls_.assign(schema_.size(), 0);
  for (std::size_t col = 0; col < schema_.size(); ++col) {
    const table::Column& column = rows_.column(col);
    has_nulls_[col] = column.null_count() > 0 ? 1 : 0;
    if (column.type() != ColumnType::kString) continue;
    for (std::size_t row = 0; row < column.size(); ++row)
      widths_[col] = std::max<std::uint64_t>(widths_[col], column.str(row).size());
  }
}

void Hdf5TableSink::finish() {
  comm::run_phase(comm_, "writing the HDF5 output", [&] { plan_layout(); });
  comm_.allreduce_inplace(widths_.data(), widths_.size(), comm::ReduceOp::kMax);
  comm_.allreduce_inplace(has_nulls_.data(), has_nulls_.size(), comm::ReduceOp::kMax);
  // Agreed values, so the same on every rank: all throw or none.
  const bool masks = std::any_of(has_nulls_.begin(), has_nulls_.end(),
                                 [](std::uint64_t flag) { return flag != 0; });
  if (masks && options_.layout == TableLayout::kColumns && schema_.find("nulls"))
    throw Error(ErrorKind::kConfig,
                "the output has a column named 'nulls' and null values, whose masks go to the "
                "group nulls/; rename the column (... as name)",
                /*agreed=*/true);
  const auto local_rows = static_cast<std::uint64_t>(rows_.num_rows());
  first_row_ = comm_.exscan_sum(local_rows);
  total_rows_ = comm_.allreduce(local_rows, comm::ReduceOp::kSum);
  std::uint64_t row_bytes = 1;
  for (std::size_t col = 0; col < schema_.size(); ++col)
    row_bytes += schema_.field(col).type == ColumnType::kString ? widths_[col] : 8;
  step_rows_ = std::max<std::uint64_t>(
      1, std::min(options_.block_rows, kMaxStepBytes / row_bytes));
  steps_ = comm_.allreduce((local_rows + step_rows_ - 1) / step_rows_, comm::ReduceOp::kMax);
  {
    ParallelFile file = ParallelFile::create(comm_, output_.temp_path(), output_.final_path());
    file.reserve(total_rows_ * row_bytes + ParallelFile::kMetadataMargin,
                 "writing '" + output_.final_path() + "'");
    if (options_.layout == TableLayout::kColumns) {
      write_columns(file);
      write_null_masks(file, options_.group);
    } else {
      write_compound(file);
      write_null_masks(file, parent_group(options_.dataset));
    }
    for (const auto& [name, value] : options_.attributes) file.set_attribute("/", name, value);
    file.close();
  }
  output_.commit();
}

// Every step on every rank (steps_ of them): this rank's rows of the step, or none.
void Hdf5TableSink::write_steps(
    DatasetWriter& writer, hid_t memory_type, std::size_t row_bytes,
    const std::function<void(std::size_t, std::size_t, std::byte*)>& fill) {
  scratch_.reserve(std::max<std::uint64_t>(64, step_rows_ * row_bytes));
  const std::uint64_t local_rows = rows_.num_rows();
  for (std::uint64_t step = 0; step < steps_; ++step) {
    const std::uint64_t begin = std::min(local_rows, step * step_rows_);
    const std::uint64_t count = std::min(step_rows_, local_rows - begin);
    if (count > 0) fill(static_cast<std::size_t>(begin), static_cast<std::size_t>(count),
                        scratch_.data());
    writer.write(first_row_ + begin, count, memory_type, scratch_.data());
  }
}

void Hdf5TableSink::write_columns(ParallelFile& file) {
  WriterOptions writer_options;
  for (std::size_t col = 0; col < schema_.size(); ++col) {
    const table::Field& field = schema_.field(col);
    const ColumnFormat format = column_format(field.type, widths_[col]);
    DatasetWriter writer(file, join_path(options_.group, field.name), {total_rows_},
                         format.file_type, writer_options);
    const table::Column& column = rows_.column(col);
    write_steps(writer, format.memory_type, format.bytes,
                [&](std::size_t begin, std::size_t count, std::byte* out) {
                  pack(column, begin, count, format.bytes, format.bytes, out);
                });
    writer.close();
    set_attributes(file, writer.name(), std::string(table::column_type_name(field.type)));
  }
}

void Hdf5TableSink::write_compound(ParallelFile& file) {
  std::vector<ColumnFormat> formats;
  std::vector<std::size_t> offsets;
  std::size_t record = 0;
  for (std::size_t col = 0; col < schema_.size(); ++col) {
    formats.push_back(column_format(schema_.field(col).type, widths_[col]));
    offsets.push_back(record);
    record += formats.back().bytes;
  }
  const std::string what = "creating the compound type of " + options_.dataset;
  DatatypeHandle file_type(check_id(H5Tcreate(H5T_COMPOUND, std::max<std::size_t>(1, record)), what));
  DatatypeHandle memory_type(check_id(H5Tcreate(H5T_COMPOUND, std::max<std::size_t>(1, record)), what));
  for (std::size_t col = 0; col < schema_.size(); ++col) {
    const char* name = schema_.field(col).name.c_str();
    check(H5Tinsert(file_type.get(), name, offsets[col], formats[col].file_type), what);
    check(H5Tinsert(memory_type.get(), name, offsets[col], formats[col].memory_type), what);
  }
  DatasetWriter writer(file, options_.dataset, {total_rows_}, file_type.get(), WriterOptions{});
  write_steps(writer, memory_type.get(), record,
              [&](std::size_t begin, std::size_t count, std::byte* out) {
                for (std::size_t col = 0; col < schema_.size(); ++col)
                  pack(rows_.column(col), begin, count, formats[col].bytes, record,
                       out + offsets[col]);
              });
  writer.close();
  set_attributes(file, writer.name(), "compound");
}

void Hdf5TableSink::write_null_masks(ParallelFile& file, const std::string& group) {
  for (std::size_t col = 0; col < schema_.size(); ++col) {
    if (has_nulls_[col] == 0) continue;
    const table::Column& column = rows_.column(col);
    DatasetWriter writer(file, join_path(group, "nulls/" + schema_.field(col).name),
                         {total_rows_}, H5T_STD_U8LE, WriterOptions{});
    write_steps(writer, H5T_NATIVE_UINT8, 1,
                [&](std::size_t begin, std::size_t count, std::byte* out) {
                  for (std::size_t idx = 0; idx < count; ++idx)
                    out[idx] = std::byte{column.is_valid(begin + idx) ? std::uint8_t{0}
                                                                      : std::uint8_t{1}};
                });
    writer.close();
    set_attributes(file, writer.name(), "null mask (1 = null)");
  }
}

void Hdf5TableSink::set_attributes(ParallelFile& file, const std::string& object,
                                   const std::string& type) {
  file.set_attribute(object, "rankflow_type", type);
  for (const auto& [name, value] : options_.attributes) file.set_attribute(object, name, value);
}

}  // namespace

std::unique_ptr<TableSink> open_table_sink(const comm::Communicator& comm,
                                           const std::string& path, const table::Schema& schema,
                                           const TableSinkOptions& options) {
  return std::make_unique<Hdf5TableSink>(comm, path, schema, options);
}

}  // namespace rankflow::io::hdf5
