// fuzz_csv: the CSV reader end to end on one rank (record scanner, header, type inference,
// every field decoder), through open_csv_source as a job uses it. The first bytes choose the
// options that change parsing; the rest is the file.
//
//   byte 0  delimiter (, ; \t | space)       byte 1  quote (" ' none)
//   byte 2  bit 0 header, bit 1 skip bad rows, bit 2 null values NA/NULL/\N,
//           bit 3 an explicit schema (bytes 4.. give its types), bit 4 a second file (glob)
//   byte 3  block size (16 B .. 4 KiB) and sample size
#include <string>
#include <vector>

#include "fuzz_support.hpp"
#include "rankflow/core/error.hpp"
#include "rankflow/io/csv/csv_options.hpp"
#include "rankflow/io/csv/csv_source.hpp"

namespace rankflow::fuzz::csv {
namespace {

using table::ColumnType;

constexpr char kDelimiters[] = {',', ';', '\t', '|', ' '};
constexpr ColumnType kTypes[] = {ColumnType::kInt64,  ColumnType::kFloat64, ColumnType::kBool,
                                 ColumnType::kString, ColumnType::kDate,    ColumnType::kTimestamp};

io::CsvOptions options_from(FuzzInput& input) {
  io::CsvOptions options;
  options.delimiter = kDelimiters[input.byte() % sizeof(kDelimiters)];
  const std::uint8_t quote = input.byte() % 3;
  options.quote = quote == 0 ? '"' : quote == 1 ? '\'' : io::kNoQuote;
  const std::uint8_t flags = input.byte();
  options.header = (flags & 1) != 0;
  if ((flags & 2) != 0) options.on_bad_rows = io::BadRowPolicy::kSkip;
  if ((flags & 4) != 0) options.null_values = {"NA", "NULL", "\\N"};
  const std::uint8_t sizes = input.byte();
  options.block_size = std::uint64_t{16} << (sizes % 9);
  options.sample_size = std::uint64_t{16} << ((sizes >> 4) % 9);
  options.max_record_size = std::uint64_t{1} << 16;
  if ((flags & 8) != 0) {
    const std::size_t columns = 1 + input.byte() % 4;
    for (std::size_t idx = 0; idx < columns; ++idx)
      options.schema.push_back(table::Field{options.header ? std::string(1, char('a' + idx))
                                                           : "c" + std::to_string(idx),
                                            kTypes[input.byte() % 6]});
  }
  return options;
}

}  // namespace

int fuzz_one(const std::uint8_t* data, std::size_t size) {
  FuzzInput input(data, size);
  io::CsvOptions options = options_from(input);
  const bool two_files = (data != nullptr && size > 2 && (data[2] & 16) != 0);
  const std::string text = input.rest();
  if (two_files) {
    const std::size_t half = text.size() / 2;
    write_scratch("csv-1.csv", text.substr(0, half));
    write_scratch("csv-2.csv", text.substr(half));
    options.path = scratch_dir() + "/csv-*.csv";
  } else {
    write_scratch("csv-1.csv", text);
    write_scratch("csv-2.csv", "");  // an empty second file: read as no rows
    options.path = scratch_dir() + "/csv-1.csv";
  }
  try {
    auto source = io::open_csv_source(self_comm(), options);
    table::Table block;
    std::size_t rows = 0;
    while (source->next(block)) {
      fuzz_check(block.num_columns() == source->schema().size(), "block has the schema's columns");
      rows += block.num_rows();
    }
    fuzz_check(source->stats().rows == rows, "stats count the rows read");
  } catch (const Error&) {
    // A clear error is the right answer to a bad file.
  }
  return 0;
}

}  // namespace rankflow::fuzz::csv
