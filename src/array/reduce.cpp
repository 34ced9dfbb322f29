#include "rankflow/array/reduce.hpp"

#include <cmath>
#include <limits>

#include "rankflow/comm/merge_reduce.hpp"
#include "rankflow/core/error.hpp"
#include "reduce_state.hpp"

namespace rankflow::array {
namespace {

using detail::FloatCell;
using detail::int128;
using detail::IntCell;
using rankflow::ExactSum;

constexpr ReduceFunction kAllFunctions[] = {
    ReduceFunction::kSum,   ReduceFunction::kMean, ReduceFunction::kMin, ReduceFunction::kMax,
    ReduceFunction::kCount, ReduceFunction::kVar,  ReduceFunction::kStd, ReduceFunction::kNanCount};

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// What finalizing a cell needs to know besides the cell.
struct FinalizeContext {
  const ReduceOptions* options;
  const std::string* label;
  const std::vector<std::uint64_t>* shape;
  std::optional<std::size_t> axis;
};

// var from the exact sums (exact_sum.hpp): NaN when count - ddof <= 0, as numpy.
double variance(const ExactSum& sum, const ExactSum& squares, std::uint64_t count, int ddof) {
  return exact_variance(sum, squares, count, ddof);
}

void append(ResultColumn& column, double value) { column.f64.push_back(value); }

void append_float(ResultColumn& column, const FloatCell& cell, const FinalizeContext& context) {
  const bool poisoned = context.options->nan == NanPolicy::kPropagate && cell.nans > 0;
  const double count = static_cast<double>(cell.count);
  switch (column.function) {
    case ReduceFunction::kCount:
      column.i64.push_back(static_cast<std::int64_t>(cell.count + (poisoned ? cell.nans : 0)));
      return;
    case ReduceFunction::kNanCount:
      column.i64.push_back(static_cast<std::int64_t>(cell.nans));
      return;
    default:
      break;
  }
  if (poisoned) return append(column, kNaN);
  switch (column.function) {
    case ReduceFunction::kSum:
      return append(column, cell.sum.round());
    case ReduceFunction::kMean:
      return append(column, cell.count ? cell.sum.round() / count : kNaN);
    case ReduceFunction::kMin:
      return append(column, cell.count ? cell.min : kNaN);
    case ReduceFunction::kMax:
      return append(column, cell.count ? cell.max : kNaN);
    case ReduceFunction::kVar:
      return append(column, variance(cell.sum, cell.squares, cell.count, context.options->ddof));
    case ReduceFunction::kStd:
      return append(column, std::sqrt(variance(cell.sum, cell.squares, cell.count,
                                               context.options->ddof)));
    default:
      return;
  }
}

void append_integer(ResultColumn& column, int128 value, std::uint64_t cell_idx,
                    const FinalizeContext& context) {
  if (column.type == ValueType::kInt64) {
    if (value < std::numeric_limits<std::int64_t>::min() ||
        value > std::numeric_limits<std::int64_t>::max())
      throw DataError(
          "the {} of {} is {}, which does not fit in int64; rankflow never wraps "
          "integer sums (mean is exact: use it, or store the data as float64)",
          reduce_function_name(column.function),
          describe_cell(*context.label, *context.shape, context.axis, cell_idx), value);
    column.i64.push_back(static_cast<std::int64_t>(value));
  } else {
    if (value < 0 || value > static_cast<int128>(std::numeric_limits<std::uint64_t>::max()))
      throw DataError(
          "the {} of {} is {}, which does not fit in uint64; rankflow never wraps "
          "integer sums (mean is exact: use it, or store the data as float64)",
          reduce_function_name(column.function),
          describe_cell(*context.label, *context.shape, context.axis, cell_idx), value);
    column.u64.push_back(static_cast<std::uint64_t>(value));
  }
}

void append_int(ResultColumn& column, const IntCell& cell, std::uint64_t cell_idx,
                const FinalizeContext& context) {
  const double count = static_cast<double>(cell.count);
  switch (column.function) {
    case ReduceFunction::kCount:
      column.i64.push_back(static_cast<std::int64_t>(cell.count));
      return;
    case ReduceFunction::kNanCount:
      column.i64.push_back(0);
      return;
    case ReduceFunction::kSum:
      return append_integer(column, cell.sum, cell_idx, context);
    case ReduceFunction::kMean:
      return append(column, cell.count ? static_cast<double>(cell.sum) / count : kNaN);
    case ReduceFunction::kMin:
    case ReduceFunction::kMax:
      if (cell.count == 0)
        throw DataError("the {} of {} is undefined: there are no values along the axis",
                        reduce_function_name(column.function),
                        describe_cell(*context.label, *context.shape, context.axis, cell_idx));
      return append_integer(column, column.function == ReduceFunction::kMin ? cell.min : cell.max,
                            cell_idx, context);
    case ReduceFunction::kVar:
    case ReduceFunction::kStd: {
      const double var = variance(detail::exact_of(cell.sum), cell.squares, cell.count,
                                  context.options->ddof);
      return append(column, column.function == ReduceFunction::kStd ? std::sqrt(var) : var);
    }
  }
}

void append_cell(ReduceResult& out, const FloatCell& cell, std::uint64_t /*cell_idx*/,
                 const FinalizeContext& context) {
  for (ResultColumn& column : out.columns) append_float(column, cell, context);
  out.nan_count += cell.nans;
}

void append_cell(ReduceResult& out, const IntCell& cell, std::uint64_t cell_idx,
                 const FinalizeContext& context) {
  for (ResultColumn& column : out.columns) append_int(column, cell, cell_idx, context);
}

// The shape of a reduction, as the kernels see it.
struct ReductionSpec {
  std::vector<std::uint64_t> shape;
  DType dtype = DType::kFloat64;
  ReduceOptions options;
  std::string label;
  std::optional<std::size_t> axis;
  std::vector<std::uint64_t> out_shape;
  std::uint64_t row_elements = 1;  // C: values per row
  std::uint64_t outer = 1;         // A: product of dims between axis 0 and the axis
  std::uint64_t reduced = 1;       // K: the axis' extent
  std::uint64_t inner = 1;         // B: product of dims after the axis
  bool min_max = false;
  bool squares = false;  // var or std: the cells also sum the squares

  bool row_local() const noexcept { return axis && *axis > 0; }
  FinalizeContext context() const { return {&options, &label, &shape, axis}; }
  void start(ReduceResult& out) const {
    out.shape = out_shape;
    out.nan_count = 0;
    out.columns.resize(options.functions.size());
    for (std::size_t idx = 0; idx < options.functions.size(); ++idx) {
      out.columns[idx].function = options.functions[idx];
      out.columns[idx].type = result_type(options.functions[idx], dtype);
      out.columns[idx].clear();
    }
  }
};

struct KernelBase {
  virtual ~KernelBase() = default;
  virtual void consume(const void* data, std::uint64_t rows) = 0;
  virtual void finish(const comm::Communicator* comm, int root, ReduceResult& out) = 0;
  virtual void reduce_rows(const void* data, std::uint64_t first_row, std::uint64_t rows,
                           ReduceResult& out) = 0;
};

}  // namespace

namespace {

template <typename T>
class Kernel final : public KernelBase {
 public:
  using Cell = detail::CellOf<T>;
  explicit Kernel(const ReductionSpec& spec) : spec_(spec) {
    if (!spec.row_local()) {
      states_.resize(spec.row_elements);
      scratch_.resize(spec.row_elements);
    }
  }

  void consume(const void* data, std::uint64_t rows) override {
    const T* values = static_cast<const T*>(data);
    const std::size_t cells = spec_.row_elements;
    const std::size_t per_tile = detail::tile_rows(cells * sizeof(T));
    for (std::uint64_t done = 0; done < rows; done += per_tile) {
      const std::size_t count =
          static_cast<std::size_t>(std::min<std::uint64_t>(per_tile, rows - done));
      tile(values + done * cells, count, cells);
    }
  }

  void finish(const comm::Communicator* comm, int root, ReduceResult& out) override {
    std::vector<Cell> merged = states_;
    if (!spec_.axis) {  // all axes: fold the cells locally first, then one state travels
      for (std::size_t cell = 1; cell < merged.size(); ++cell)
        detail::merge_cells(merged[cell], merged[0]);
      merged.resize(1);
    }
    if (comm != nullptr && root >= 0)
      comm::reduce_merge<Cell, &merge>(*comm, merged.data(), merged.size(), root);
    else if (comm != nullptr)
      comm::allreduce_merge<Cell, &merge>(*comm, merged.data(), merged.size());
    spec_.start(out);
    if (comm != nullptr && root >= 0 && comm->rank() != root) {
      out.columns.clear();
      return;
    }
    const FinalizeContext context = spec_.context();
    for (std::size_t cell = 0; cell < merged.size(); ++cell)
      append_cell(out, merged[cell], cell, context);
  }

  void reduce_rows(const void* data, std::uint64_t first_row, std::uint64_t rows,
                   ReduceResult& out) override {
    const T* values = static_cast<const T*>(data);
    spec_.start(out);
    const std::uint64_t cells_per_row = spec_.outer * spec_.inner;
    out.first_row = first_row;
    out.rows = rows;
    out.first_cell = first_row * cells_per_row;
    const FinalizeContext context = spec_.context();
    Cell cell;
    for (std::uint64_t row = 0; row < rows; ++row) {
      const T* row_values = values + row * spec_.row_elements;
      for (std::uint64_t outer = 0; outer < spec_.outer; ++outer) {
        for (std::uint64_t inner = 0; inner < spec_.inner; ++inner) {
          detail::reduce_strided(row_values + outer * spec_.reduced * spec_.inner + inner,
                                 spec_.reduced, spec_.inner, cell);
          append_cell(out, cell, out.first_cell + row * cells_per_row + outer * spec_.inner + inner,
                      context);
        }
      }
    }
  }

 private:
  static void merge(const Cell& in, Cell& inout) { detail::merge_cells(in, inout); }
  void tile(const T* data, std::size_t rows, std::size_t cells) {
    Cell* states = states_.data();
    if (spec_.min_max && spec_.squares)
      detail::reduce_tile<T, true, true>(data, rows, cells, scratch_, states);
    else if (spec_.min_max)
      detail::reduce_tile<T, true, false>(data, rows, cells, scratch_, states);
    else if (spec_.squares)
      detail::reduce_tile<T, false, true>(data, rows, cells, scratch_, states);
    else
      detail::reduce_tile<T, false, false>(data, rows, cells, scratch_, states);
  }
  const ReductionSpec& spec_;
  std::vector<Cell> states_;
  detail::TileScratch scratch_;
};

}  // namespace

struct ArrayReduction::Impl {
  ReductionSpec spec;
  std::unique_ptr<KernelBase> kernel;
};

std::string_view reduce_function_name(ReduceFunction function) noexcept {
  switch (function) {
    case ReduceFunction::kSum:
      return "sum";
    case ReduceFunction::kMean:
      return "mean";
    case ReduceFunction::kMin:
      return "min";
    case ReduceFunction::kMax:
      return "max";
    case ReduceFunction::kCount:
      return "count";
    case ReduceFunction::kVar:
      return "var";
    case ReduceFunction::kStd:
      return "std";
    case ReduceFunction::kNanCount:
      break;
  }
  return "nan_count";
}

std::optional<ReduceFunction> parse_reduce_function(std::string_view name) {
  for (ReduceFunction function : kAllFunctions)
    if (reduce_function_name(function) == name) return function;
  return std::nullopt;
}

std::string reduce_function_list() {
  std::string list;
  for (ReduceFunction function : kAllFunctions)
    list += (list.empty() ? "" : ", ") + std::string(reduce_function_name(function));
  return list;
}

std::optional<std::size_t> normalize_axis(int axis, std::size_t rank) {
  const auto signed_rank = static_cast<long long>(rank);
  const long long value = axis < 0 ? signed_rank + axis : axis;
  if (value < 0 || value >= signed_rank) return std::nullopt;
  return static_cast<std::size_t>(value);
}

std::vector<std::uint64_t> reduced_shape(const std::vector<std::uint64_t>& shape,
                                         std::optional<std::size_t> axis) {
  if (!axis) return {};
  std::vector<std::uint64_t> out = shape;
  out.erase(out.begin() + static_cast<std::ptrdiff_t>(*axis));
  return out;
}

ValueType result_type(ReduceFunction function, DType dtype) noexcept {
  switch (function) {
    case ReduceFunction::kCount:
    case ReduceFunction::kNanCount:
      return ValueType::kInt64;
    case ReduceFunction::kSum:
    case ReduceFunction::kMin:
    case ReduceFunction::kMax:
      if (dtype_is_float(dtype)) return ValueType::kFloat64;
      return dtype_is_signed(dtype) ? ValueType::kInt64 : ValueType::kUInt64;
    default:
      return ValueType::kFloat64;
  }
}

std::size_t ResultColumn::size() const noexcept {
  switch (type) {
    case ValueType::kInt64:
      return i64.size();
    case ValueType::kUInt64:
      return u64.size();
    case ValueType::kFloat64:
      break;
  }
  return f64.size();
}

double ResultColumn::as_double(std::size_t cell) const noexcept {
  switch (type) {
    case ValueType::kInt64:
      return static_cast<double>(i64[cell]);
    case ValueType::kUInt64:
      return static_cast<double>(u64[cell]);
    case ValueType::kFloat64:
      break;
  }
  return f64[cell];
}

const void* ResultColumn::data() const noexcept {
  switch (type) {
    case ValueType::kInt64:
      return i64.data();
    case ValueType::kUInt64:
      return u64.data();
    case ValueType::kFloat64:
      break;
  }
  return f64.data();
}

void ResultColumn::clear() noexcept {
  f64.clear();
  i64.clear();
  u64.clear();
}

std::string describe_cell(const std::string& label, const std::vector<std::uint64_t>& shape,
                          std::optional<std::size_t> axis, std::uint64_t cell) {
  if (!axis) return label + " (all values)";
  std::vector<std::string> index(shape.size(), ":");
  std::uint64_t rest = cell;
  for (std::size_t dim = shape.size(); dim-- > 0;) {
    if (dim == *axis) continue;
    const std::uint64_t extent = std::max<std::uint64_t>(1, shape[dim]);
    index[dim] = std::to_string(rest % extent);
    rest /= extent;
  }
  std::string text = label + "[";
  for (std::size_t dim = 0; dim < index.size(); ++dim) text += (dim ? ", " : "") + index[dim];
  return text + "]";
}

ArrayReduction::ArrayReduction(std::vector<std::uint64_t> shape, DType dtype, ReduceOptions options,
                               std::string label)
    : impl_(std::make_unique<Impl>()) {
  ReductionSpec& self = impl_->spec;
  if (shape.empty())
    throw ConfigError("{}: a reduction needs an array with at least one axis", label);
  if (options.functions.empty()) throw ConfigError("{}: no reduce functions given", label);
  if (options.axis) {
    self.axis = normalize_axis(*options.axis, shape.size());
    if (!self.axis)
      throw ConfigError("{}: axis {} is out of range for an array of {} axes (0..{}, or -{}..-1)",
                        label, *options.axis, shape.size(), shape.size() - 1, shape.size());
  }
  self.shape = std::move(shape);
  self.dtype = dtype;
  self.options = std::move(options);
  self.label = std::move(label);
  self.out_shape = reduced_shape(self.shape, self.axis);
  for (std::size_t dim = 1; dim < self.shape.size(); ++dim) self.row_elements *= self.shape[dim];
  if (self.row_local()) {
    for (std::size_t dim = 1; dim < *self.axis; ++dim) self.outer *= self.shape[dim];
    self.reduced = self.shape[*self.axis];
    for (std::size_t dim = *self.axis + 1; dim < self.shape.size(); ++dim)
      self.inner *= self.shape[dim];
  }
  for (ReduceFunction function : self.options.functions) {
    self.min_max |= function == ReduceFunction::kMin || function == ReduceFunction::kMax;
    self.squares |= function == ReduceFunction::kVar || function == ReduceFunction::kStd;
  }
  impl_->kernel = visit_dtype(dtype, [&](auto type_tag) -> std::unique_ptr<KernelBase> {
    return std::make_unique<Kernel<decltype(type_tag)>>(self);
  });
}

ArrayReduction::~ArrayReduction() = default;
ArrayReduction::ArrayReduction(ArrayReduction&&) noexcept = default;

const std::vector<std::uint64_t>& ArrayReduction::output_shape() const noexcept {
  return impl_->spec.out_shape;
}
bool ArrayReduction::row_local() const noexcept { return impl_->spec.row_local(); }
const ReduceOptions& ArrayReduction::options() const noexcept { return impl_->spec.options; }

void ArrayReduction::consume(const void* data, std::uint64_t rows) {
  if (row_local()) throw DataError("internal: consume() on a row-local reduction");
  if (rows > 0) impl_->kernel->consume(data, rows);
}

ReduceResult ArrayReduction::finish(const comm::Communicator& comm, int root) {
  ReduceResult out;
  impl_->kernel->finish(&comm, root, out);
  return out;
}

ReduceResult ArrayReduction::finish_all(const comm::Communicator& comm) {
  ReduceResult out;
  impl_->kernel->finish(&comm, -1, out);
  return out;
}

void ArrayReduction::reduce_rows(const void* data, std::uint64_t first_row, std::uint64_t rows,
                                 ReduceResult& out) {
  if (!row_local()) throw DataError("internal: reduce_rows() on an accumulating reduction");
  impl_->kernel->reduce_rows(data, first_row, rows, out);
}

}  // namespace rankflow::array
