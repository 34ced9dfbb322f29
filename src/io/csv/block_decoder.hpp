// BlockDecoder: the good records of a RecordBatch into the typed columns of a table block.
//
// Column after column (a tight loop per type, no per-field type switch), straight from the
// input buffer: numbers parse in place, strings are copied once into the column's character
// buffer. A field is
//   empty                          null
//   a null token (unquoted only)   null
//   "quoted"                       its text with "" turned into "; for strings "" is the empty
//                                  string, for other types null
//   anything else                  its bytes, unchanged (no trimming)
// A quote inside an unquoted field, or text after a closing quote, makes the row bad.
//
// Bad rows (wrong field count, malformed quoting, a value that does not fit its column):
// with BadRowPolicy::kError the first one in row order throws a DataError naming file, line
// and column; with kSkip they are dropped and counted.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "rankflow/io/csv/csv_options.hpp"
#include "rankflow/table/table.hpp"
#include "record_stream.hpp"

namespace rankflow::io::csv {

enum class Cell : std::uint8_t { kValue, kNull, kMalformed };

// The text of one raw field (no null tokens): kNull for an empty field (and for a quoted
// empty field when `quoted_empty_is_null`); kMalformed with the reason in *text. Unescaped
// text goes to `scratch`.
Cell field_text(const char* begin, const char* end, int quote, bool quoted_empty_is_null,
                std::string& scratch, std::string_view* text);

class BlockDecoder {
 public:
  // `inferred[col]`: the column's type came from the sample (messages then say how to set it).
  BlockDecoder(table::Schema schema, int quote, std::vector<std::string> null_values,
               BadRowPolicy policy, std::vector<bool> inferred = {});

  const table::Schema& schema() const { return schema_; }
  // Columns with read[col] == false are not parsed: decode() appends zero values to them.
  void select_columns(std::vector<bool> read) { read_ = std::move(read); }
  // Appends the batch's rows to `block` (of this schema). Returns the rows skipped (kSkip);
  // throws DataError for the first bad row (kError).
  std::uint64_t decode(const RecordBatch& batch, const std::string& path, table::Table& block);
  // One field as text (for type inference and headers). `scratch` holds unescaped text.
  // kMalformed sets *text to the reason.
  Cell cell_text(const RecordBatch& batch, std::size_t row, std::size_t col, bool is_string,
                 std::string& scratch, std::string_view* text) const;
  // The first few skip reasons of this rank, for the log.
  const std::vector<std::string>& skip_messages() const { return skip_messages_; }

 private:
  struct Failure {
    std::size_t row = SIZE_MAX;
    std::size_t col = 0;
    std::string problem;  // "'x' is not a valid int64", or a quoting problem
    const char* where = nullptr;
    bool type_mismatch = false;  // the text is fine, the column's type is not
    // For a type mismatch: the type the message suggests (the next wider type the text fits).
    table::ColumnType wider = table::ColumnType::kString;
  };
  template <bool kChecked>
  void decode_column(const RecordBatch& batch, std::size_t col, std::size_t rows,
                     table::Column& column, Failure* failure);
  template <bool kChecked, typename Parsers>
  void decode_fixed(const RecordBatch& batch, std::size_t col, std::size_t rows,
                    table::Column& column, Failure* failure);
  void decode_plain_strings(const RecordBatch& batch, std::size_t col, std::size_t rows,
                            table::Column& column);
  template <bool kChecked>
  void decode_strings(const RecordBatch& batch, std::size_t col, std::size_t rows,
                      table::Column& column, Failure* failure);
  template <bool kChecked>
  Cell classify(const char* begin, const char* end, bool is_string, std::string& scratch,
                std::string_view* text) const;
  bool is_null_token(const char* begin, const char* end) const;
  void mark_bad(const RecordBatch& batch, Failure found, Failure* failure);
  std::string describe_bad_record(const RecordBatch& batch, const BadRecord& bad,
                                  const std::string& path) const;
  std::string describe_failure(const RecordBatch& batch, const Failure& failure,
                               const std::string& path) const;
  void note_skipped(std::string message);

  table::Schema schema_;
  std::size_t ncols_;
  int quote_;
  std::vector<std::string> null_values_;
  BadRowPolicy policy_;
  std::vector<bool> inferred_;
  std::vector<bool> read_;  // empty: every column
  std::string scratch_;
  const std::string* path_ = nullptr;  // of the batch being decoded
  std::vector<std::uint8_t> keep_;     // kSkip: 1 = row kept (only when some row is bad)
  std::size_t bad_rows_ = 0;
  std::vector<std::string> skip_messages_;
  // kSkip: the batch's first bad rows by offset, described once the batch is decoded (values
  // are checked a column at a time, so they are found out of row order).
  struct PendingSkip {
    std::uint32_t offset = 0;
    Failure failure;                    // a bad value
    const BadRecord* record = nullptr;  // or a wrong field count
  };
  std::vector<PendingSkip> pending_;
  void add_pending(PendingSkip skip);
};

}  // namespace rankflow::io::csv
