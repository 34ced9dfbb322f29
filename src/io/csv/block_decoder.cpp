#include "block_decoder.hpp"

#include <algorithm>
#include <cstring>

#include "field_parse.hpp"
#include "padded_parse.hpp"
#include "rankflow/core/error.hpp"
#include "rankflow/core/log.hpp"
#include "rankflow/table/datetime.hpp"

namespace rankflow::io::csv {
namespace {

constexpr std::size_t kNoRow = SIZE_MAX;
constexpr std::size_t kSkipMessagesKept = 5;

struct FieldRef {
  const char* begin;
  const char* end;
};

// Field `col` of good row `row`: from the byte after the previous separator (or the row start)
// to its own separator; the last field drops the CR of a CRLF line end.
inline FieldRef field_of(const RecordBatch& batch, std::size_t ncols, std::size_t row,
                         std::size_t col) {
  const std::uint32_t* seps = batch.separators + row * ncols;
  const char* begin = batch.data + (col == 0 ? batch.row_starts[row] : seps[col - 1] + 1);
  const char* end = batch.data + seps[col];
  if (col + 1 == ncols && end > begin && end[-1] == '\r') --end;
  return FieldRef{begin, end};
}

// The parsers of each fixed-width type: `padded` for text inside the record buffer (which has
// kScanPadding readable bytes after every field), `general` for unescaped text in scratch.
struct Int64Parsers {
  using Value = std::int64_t;
  static constexpr const char* kName = "int64";
  static Value* values(table::Column& column) { return column.mutable_i64(); }
  static bool padded(const char* begin, const char* end, Value* value) {
    return parse_int64_padded(begin, end, value);
  }
  static bool general(const char* begin, const char* end, Value* value) {
    return parse_int64(begin, end, value);
  }
};

struct Float64Parsers {
  using Value = double;
  static constexpr const char* kName = "float64";
  static Value* values(table::Column& column) { return column.mutable_f64(); }
  static bool padded(const char* begin, const char* end, Value* value) {
    return parse_float64_padded(begin, end, value);
  }
  static bool general(const char* begin, const char* end, Value* value) {
    return parse_float64(begin, end, value);
  }
};

struct BoolParsers {
  using Value = std::uint8_t;
  static constexpr const char* kName = "bool (true or false)";
  static Value* values(table::Column& column) { return column.mutable_u8(); }
  static bool padded(const char* begin, const char* end, Value* value) {
    return general(begin, end, value);
  }
  static bool general(const char* begin, const char* end, Value* value) {
    bool parsed = false;
    if (!parse_bool(begin, end, &parsed)) return false;
    *value = parsed ? 1 : 0;
    return true;
  }
};

template <bool (*kParse)(std::string_view, std::int64_t*) noexcept>
struct DateTimeParsers {
  using Value = std::int64_t;
  static Value* values(table::Column& column) { return column.mutable_i64(); }
  static bool padded(const char* begin, const char* end, Value* value) {
    return general(begin, end, value);
  }
  static bool general(const char* begin, const char* end, Value* value) {
    return kParse(std::string_view(begin, static_cast<std::size_t>(end - begin)), value);
  }
};
struct DateParsers : DateTimeParsers<table::parse_date> {
  static constexpr const char* kName = "date (YYYY-MM-DD)";
  static bool padded(const char* begin, const char* end, Value* value) {
    return parse_date_padded(begin, end, value);
  }
};
struct TimestampParsers : DateTimeParsers<table::parse_timestamp> {
  static constexpr const char* kName = "timestamp (ISO 8601)";
};

// The fields of one column of a batch, for the unchecked path (no quote byte in the buffer, no
// null tokens: a field is its bytes). A field starts after the previous field's separator
// (column 0: at the row start), so the loops below walk two pointers with fixed strides.
struct ColumnFields {
  const char* data;
  const std::uint32_t* begins;  // field `row` starts at data + begins[row * begin_stride] + begin_skip
  std::size_t begin_stride;
  std::uint32_t begin_skip;
  const std::uint32_t* ends;    // and ends at data + ends[row * end_stride]
  std::size_t end_stride;
};

ColumnFields column_fields(const RecordBatch& batch, std::size_t ncols, std::size_t col) {
  if (col == 0) return ColumnFields{batch.data, batch.row_starts, 1, 0, batch.separators, ncols};
  return ColumnFields{batch.data, batch.separators + col - 1, ncols, 1, batch.separators + col,
                      ncols};
}

// The unchecked path's inner loop: parses fields [row, rows) into out[row], up to the first one
// that is empty (null) or does not parse, whose row it returns (rows: all done). Everything it
// reads is in locals: stores into `out` could alias the decoder's members, and the compiler
// would reload those for every field. Only the last column can end in the CR of a CRLF line
// end: the loop of the other columns has no test for it.
template <typename Parsers, bool kLastColumn>
std::size_t parse_plain_fields(const ColumnFields fields, std::size_t row, std::size_t rows,
                               typename Parsers::Value* out) {
  const char* data = fields.data;
  const std::uint32_t* begins = fields.begins + row * fields.begin_stride;
  const std::uint32_t* ends = fields.ends + row * fields.end_stride;
  for (; row < rows; ++row, begins += fields.begin_stride, ends += fields.end_stride) {
    const char* begin = data + *begins + fields.begin_skip;
    const char* end = data + *ends;
    if constexpr (kLastColumn) {
      if (end > begin && end[-1] == '\r') --end;
    }
    if (begin == end || !Parsers::padded(begin, end, out + row)) return row;
  }
  return rows;
}

template <typename Parsers>
std::size_t parse_plain_run(const RecordBatch& batch, std::size_t ncols, std::size_t col,
                            std::size_t row, std::size_t rows, typename Parsers::Value* out) {
  const ColumnFields fields = column_fields(batch, ncols, col);
  if (col + 1 == ncols) return parse_plain_fields<Parsers, true>(fields, row, rows, out);
  return parse_plain_fields<Parsers, false>(fields, row, rows, out);
}

// Writes the end offset of every string field (`base` plus the lengths so far) into ends[row];
// returns whether any field is empty (null).
template <bool kLastColumn>
bool measure_plain_strings(const ColumnFields fields, std::size_t rows, std::uint64_t base,
                           std::uint64_t* ends_out) {
  const std::uint32_t* begins = fields.begins;
  const std::uint32_t* ends = fields.ends;
  std::uint64_t total = base;
  bool any_empty = false;
  for (std::size_t row = 0; row < rows; ++row, begins += fields.begin_stride,
                   ends += fields.end_stride) {
    std::uint32_t size = *ends - (*begins + fields.begin_skip);
    if constexpr (kLastColumn) {
      if (size > 0 && fields.data[*ends - 1] == '\r') --size;
    }
    any_empty |= size == 0;
    total += size;
    ends_out[row] = total;
  }
  return any_empty;
}

// The type to suggest for a value its column's (inferred) type rejects: a wider type that
// holds the value and the column's other values, else string.
table::ColumnType wider_type(table::ColumnType type, std::string_view text) {
  const unsigned fits = fitting_types(text);
  if (type == table::ColumnType::kInt64 && (fits & kFitsFloat64) != 0)
    return table::ColumnType::kFloat64;
  if (type == table::ColumnType::kDate && (fits & kFitsTimestamp) != 0)
    return table::ColumnType::kTimestamp;
  return table::ColumnType::kString;
}

std::string shown(std::string_view text) {
  constexpr std::size_t kMax = 40;
  if (text.size() <= kMax) return std::string(text);
  return std::string(text.substr(0, kMax)) + "...";
}

}  // namespace

Cell field_text(const char* begin, const char* end, int quote, bool quoted_empty_is_null,
                std::string& scratch, std::string_view* text) {
  if (begin == end) return Cell::kNull;
  if (quote == kNoQuote) {
    *text = std::string_view(begin, static_cast<std::size_t>(end - begin));
    return Cell::kValue;
  }
  const char quote_byte = static_cast<char>(quote);
  const auto size = static_cast<std::size_t>(end - begin);
  if (*begin != quote_byte) {
    if (std::memchr(begin, quote_byte, size) != nullptr) {
      *text = "quote character inside an unquoted field (quote the field and double its quotes)";
      return Cell::kMalformed;
    }
    *text = std::string_view(begin, size);
    return Cell::kValue;
  }
  if (size < 2 || end[-1] != quote_byte) {
    *text = "text after the closing quote of a quoted field";
    return Cell::kMalformed;
  }
  const char* inner = begin + 1;
  const char* inner_end = end - 1;
  const auto* next = static_cast<const char*>(
      std::memchr(inner, quote_byte, static_cast<std::size_t>(inner_end - inner)));
  if (next == nullptr) {
    if (inner == inner_end && quoted_empty_is_null) return Cell::kNull;
    *text = std::string_view(inner, static_cast<std::size_t>(inner_end - inner));
    return Cell::kValue;
  }
  scratch.assign(inner, next);
  while (next != nullptr) {
    if (next + 1 >= inner_end || next[1] != quote_byte) {
      *text = "a quote inside a quoted field must be doubled";
      return Cell::kMalformed;
    }
    scratch += quote_byte;
    const char* from = next + 2;
    next = static_cast<const char*>(
        std::memchr(from, quote_byte, static_cast<std::size_t>(inner_end - from)));
    scratch.append(from, next != nullptr ? next : inner_end);
  }
  *text = scratch;
  return Cell::kValue;
}

BlockDecoder::BlockDecoder(table::Schema schema, int quote, std::vector<std::string> null_values,
                           BadRowPolicy policy, std::vector<bool> inferred)
    : schema_(std::move(schema)),
      ncols_(schema_.size()),
      quote_(quote),
      null_values_(std::move(null_values)),
      policy_(policy),
      inferred_(std::move(inferred)) {
  inferred_.resize(ncols_, false);
}

bool BlockDecoder::is_null_token(const char* begin, const char* end) const {
  const std::string_view text(begin, static_cast<std::size_t>(end - begin));
  for (const std::string& token : null_values_)
    if (text == token) return true;
  return false;
}

template <bool kChecked>
Cell BlockDecoder::classify(const char* begin, const char* end, bool is_string,
                            std::string& scratch, std::string_view* text) const {
  if constexpr (!kChecked) {
    if (begin == end) return Cell::kNull;
    *text = std::string_view(begin, static_cast<std::size_t>(end - begin));
    return Cell::kValue;
  } else {
    // Null tokens match unquoted text only: "NA" in quotes is the string NA.
    if (!null_values_.empty() && begin != end &&
        (quote_ == kNoQuote || *begin != static_cast<char>(quote_)) && is_null_token(begin, end))
      return Cell::kNull;
    return field_text(begin, end, quote_, !is_string, scratch, text);
  }
}

Cell BlockDecoder::cell_text(const RecordBatch& batch, std::size_t row, std::size_t col,
                             bool is_string, std::string& scratch, std::string_view* text) const {
  const FieldRef field = field_of(batch, ncols_, row, col);
  return classify<true>(field.begin, field.end, is_string, scratch, text);
}

void BlockDecoder::mark_bad(const RecordBatch& batch, Failure found, Failure* failure) {
  if (policy_ == BadRowPolicy::kError) {
    if (found.row < failure->row) *failure = std::move(found);
    return;
  }
  if (keep_.empty()) keep_.assign(batch.rows, 1);
  if (keep_[found.row] == 0) return;
  keep_[found.row] = 0;
  ++bad_rows_;
  if (skip_messages_.size() < kSkipMessagesKept) {
    const auto offset = static_cast<std::uint32_t>(found.where - batch.data);
    add_pending({offset, std::move(found), nullptr});
  }
}

void BlockDecoder::add_pending(PendingSkip skip) {
  const std::size_t wanted = kSkipMessagesKept - skip_messages_.size();
  auto at = std::upper_bound(
      pending_.begin(), pending_.end(), skip.offset,
      [](std::uint32_t offset, const PendingSkip& other) { return offset < other.offset; });
  if (static_cast<std::size_t>(at - pending_.begin()) >= wanted) return;
  pending_.insert(at, std::move(skip));
  if (pending_.size() > wanted) pending_.pop_back();
}

template <bool kChecked, typename Parsers>
void BlockDecoder::decode_fixed(const RecordBatch& batch, std::size_t col, std::size_t rows,
                                table::Column& column, Failure* failure) {
  const std::size_t base = column.size();
  // Every new slot is written below: a value, set_null's 0, or the 0 of a bad row.
  column.resize_fixed_for_overwrite(base + rows);
  typename Parsers::Value* out = Parsers::values(column) + base;
  for (std::size_t row = 0; row < rows; ++row) {
    if constexpr (!kChecked) {
      // The fast loop runs up to a null or bad field, which the code below handles.
      row = parse_plain_run<Parsers>(batch, ncols_, col, row, rows, out);
      if (row == rows) break;
    }
    const FieldRef field = field_of(batch, ncols_, row, col);
    std::string_view text;
    const Cell cell = classify<kChecked>(field.begin, field.end, false, scratch_, &text);
    if (cell == Cell::kValue) {
      // Only an unescaped quoted field lives in scratch_, without padding after it.
      const char* end = text.data() + text.size();
      if (text.data() != scratch_.data() ? Parsers::padded(text.data(), end, out + row)
                                         : Parsers::general(text.data(), end, out + row))
        continue;
      mark_bad(batch,
               Failure{row, col, fmt::format("'{}' is not a valid {}", shown(text), Parsers::kName),
                       field.begin, true, wider_type(column.type(), text)},
               failure);
    } else if (cell == Cell::kNull) {
      column.set_null(base + row);
      continue;
    } else {
      mark_bad(batch, Failure{row, col, std::string(text), field.begin, false}, failure);
    }
    // A bad row's slot holds 0 (kSkip filters the row out later). With kError the first
    // failure of this column is enough: the rest of its slots are zeroed, not parsed.
    const std::size_t zero_end = policy_ == BadRowPolicy::kError ? rows : row + 1;
    std::fill(out + row, out + zero_end, typename Parsers::Value{});
    if (policy_ == BadRowPolicy::kError) return;
  }
}

// Without quotes or null tokens a string field is its bytes: measure every field (writing the
// column's end offsets), make room once, copy. An empty field is null.
void BlockDecoder::decode_plain_strings(const RecordBatch& batch, std::size_t col,
                                        std::size_t rows, table::Column& column) {
  const ColumnFields fields = column_fields(batch, ncols_, col);
  const std::size_t base_row = column.size();
  const std::uint64_t base = column.chars().size();
  std::uint64_t* ends = column.append_string_ends(rows);
  const bool any_empty = col + 1 == ncols_ ? measure_plain_strings<true>(fields, rows, base, ends)
                                           : measure_plain_strings<false>(fields, rows, base, ends);
  const std::uint64_t total = rows > 0 ? ends[rows - 1] - base : 0;
  char* out = column.append_chars(total);
  // Short fields move as one 16-byte block while the column has room after them (the record
  // buffer always has: kScanPadding): a fixed-size copy is two instructions, a call is not.
  constexpr std::uint64_t kShort = 16;
  const std::uint32_t* begins = fields.begins;
  std::uint64_t from = 0;
  for (std::size_t row = 0; row < rows; ++row, begins += fields.begin_stride) {
    const char* text = fields.data + *begins + fields.begin_skip;
    const std::uint64_t to = ends[row] - base;
    if (to - from <= kShort && from + kShort <= total)
      std::memcpy(out + from, text, kShort);
    else
      std::memcpy(out + from, text, to - from);
    from = to;
  }
  if (!any_empty) return;
  for (std::size_t row = 0; row < rows; ++row)
    if (ends[row] == (row == 0 ? base : ends[row - 1])) column.set_null(base_row + row);
}

template <bool kChecked>
void BlockDecoder::decode_strings(const RecordBatch& batch, std::size_t col, std::size_t rows,
                                  table::Column& column, Failure* failure) {
  if constexpr (!kChecked) {
    decode_plain_strings(batch, col, rows, column);
    return;
  }
  for (std::size_t row = 0; row < rows; ++row) {
    const FieldRef field = field_of(batch, ncols_, row, col);
    std::string_view text;
    const Cell cell = classify<kChecked>(field.begin, field.end, true, scratch_, &text);
    if (cell == Cell::kValue) {
      column.append_string(text);
    } else {
      column.append_null();
      if (cell == Cell::kMalformed) {
        mark_bad(batch, Failure{row, col, std::string(text), field.begin, false}, failure);
        if (policy_ == BadRowPolicy::kError) return;
      }
    }
  }
}

template <bool kChecked>
void BlockDecoder::decode_column(const RecordBatch& batch, std::size_t col, std::size_t rows,
                                 table::Column& column, Failure* failure) {
  using table::ColumnType;
  switch (column.type()) {
    case ColumnType::kInt64:
      decode_fixed<kChecked, Int64Parsers>(batch, col, rows, column, failure);
      break;
    case ColumnType::kFloat64:
      decode_fixed<kChecked, Float64Parsers>(batch, col, rows, column, failure);
      break;
    case ColumnType::kBool:
      decode_fixed<kChecked, BoolParsers>(batch, col, rows, column, failure);
      break;
    case ColumnType::kDate:
      decode_fixed<kChecked, DateParsers>(batch, col, rows, column, failure);
      break;
    case ColumnType::kTimestamp:
      decode_fixed<kChecked, TimestampParsers>(batch, col, rows, column, failure);
      break;
    case ColumnType::kString:
      decode_strings<kChecked>(batch, col, rows, column, failure);
      break;
  }
}

std::uint64_t BlockDecoder::decode(const RecordBatch& batch, const std::string& path,
                                   table::Table& block) {
  path_ = &path;
  const std::vector<BadRecord>& bad = *batch.bad;
  std::size_t rows = batch.rows;
  // In error mode the first bad record ends the batch: only a value error before it can come
  // first in row order.
  if (policy_ == BadRowPolicy::kError && !bad.empty()) rows = bad.front().good_before;
  keep_.clear();
  pending_.clear();
  bad_rows_ = 0;
  Failure failure;
  const std::size_t base = block.num_rows();
  const bool checked = batch.has_quotes || !null_values_.empty();
  for (std::size_t col = 0; col < ncols_; ++col) {
    if (!read_.empty() && !read_[col])
      block.column(col).append_zeros(rows);
    else if (checked)
      decode_column<true>(batch, col, rows, block.column(col), &failure);
    else
      decode_column<false>(batch, col, rows, block.column(col), &failure);
  }
  if (policy_ == BadRowPolicy::kError) {
    // The first failure in the file (a value, or a row with the wrong field count), with
    // where it is, for the agreement across ranks (core/error.hpp input_position).
    const bool value_first =
        failure.row != kNoRow &&
        (bad.empty() || failure.where - batch.data < static_cast<std::ptrdiff_t>(bad.front().start));
    if (value_first || !bad.empty()) {
      Error error = DataError("{}", value_first ? describe_failure(batch, failure, path)
                                                : describe_bad_record(batch, bad.front(), path));
      const auto offset = value_first ? static_cast<std::uint64_t>(failure.where - batch.data)
                                      : std::uint64_t{bad.front().start};
      error.set_input_position(batch.file_offset + offset);
      throw error;
    }
    return 0;
  }
  for (const BadRecord& record : bad) {
    if (skip_messages_.size() >= kSkipMessagesKept) break;
    add_pending({record.start, Failure{}, &record});
  }
  for (const PendingSkip& skip : pending_)
    note_skipped(skip.record != nullptr ? describe_bad_record(batch, *skip.record, path)
                                        : describe_failure(batch, skip.failure, path));
  pending_.clear();
  if (bad_rows_ > 0) {
    std::vector<std::uint8_t> selection(base, 1);
    selection.insert(selection.end(), keep_.begin(), keep_.end());
    block = block.filter(selection);
  }
  return bad.size() + bad_rows_;
}

std::string BlockDecoder::describe_failure(const RecordBatch& batch, const Failure& failure,
                                           const std::string& path) const {
  const auto offset = static_cast<std::uint32_t>(failure.where - batch.data);
  const table::Field& field = schema_.field(failure.col);
  std::string message = fmt::format("{}: line {}, column '{}': {}", path, batch.line_of(offset),
                                    field.name, failure.problem);
  if (failure.type_mismatch && inferred_[failure.col])
    message += fmt::format(
        " (the type {} was inferred from a sample; set [input] schema = {}:{} "
        "or another type to read it)",
        table::column_type_name(field.type), field.name, table::column_type_name(failure.wider));
  return message;
}

std::string BlockDecoder::describe_bad_record(const RecordBatch& batch, const BadRecord& bad,
                                              const std::string& path) const {
  return fmt::format(
      "{}: line {}: {} field{}, expected {} (a row with the wrong number of "
      "fields)",
      path, batch.line_of(bad.start), bad.fields, bad.fields == 1 ? "" : "s", ncols_);
}

void BlockDecoder::note_skipped(std::string message) {
  log::debug("skipped a bad row: {}", message);
  skip_messages_.push_back(std::move(message));
}

}  // namespace rankflow::io::csv
