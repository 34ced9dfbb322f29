#include "support/csv_fixtures.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "rankflow/comm/phase.hpp"
#include "rankflow/io/csv/csv_source.hpp"
#include "support/temp_dir.hpp"

namespace rankflow::test {
namespace {

using table::ColumnType;
using Rng = std::mt19937_64;

bool chance(Rng& rng, double probability) {
  return std::uniform_real_distribution<double>(0, 1)(rng) < probability;
}

std::size_t pick(Rng& rng, std::size_t count) {
  return std::uniform_int_distribution<std::size_t>(0, count - 1)(rng);
}

std::string random_int(Rng& rng) {
  static const std::vector<std::string> edges = {
      "0", "-0", "+7", "007", "9223372036854775807", "-9223372036854775808"};
  if (chance(rng, 0.1)) return edges[pick(rng, edges.size())];
  const int digits = static_cast<int>(pick(rng, 12)) + 1;
  std::string text = chance(rng, 0.3) ? "-" : "";
  for (int idx = 0; idx < digits; ++idx) text += static_cast<char>('0' + pick(rng, 10));
  return text;
}

std::string random_float(Rng& rng) {
  static const std::vector<std::string> edges = {"0.1",
                                                 "-0.0",
                                                 "1e10",
                                                 "2.5E-3",
                                                 ".5",
                                                 "5.",
                                                 "1.7976931348623157e308",
                                                 "4.9e-324",
                                                 "inf",
                                                 "-inf",
                                                 "nan",
                                                 "123456789012345678901234.5",
                                                 "0.30000000000000004"};
  if (chance(rng, 0.1)) return edges[pick(rng, edges.size())];
  std::string text = chance(rng, 0.3) ? "-" : "";
  text += std::to_string(pick(rng, 100000));
  text += ".";
  const int decimals = static_cast<int>(pick(rng, 8)) + 1;
  for (int idx = 0; idx < decimals; ++idx) text += static_cast<char>('0' + pick(rng, 10));
  if (chance(rng, 0.2)) text += fmt::format("e{}", static_cast<int>(pick(rng, 40)) - 20);
  return text;
}

std::string random_date(Rng& rng) {
  return fmt::format("{:04}-{:02}-{:02}", 1900 + pick(rng, 200), 1 + pick(rng, 12),
                     1 + pick(rng, 28));
}

std::string random_timestamp(Rng& rng) {
  std::string text = random_date(rng) + (chance(rng, 0.5) ? "T" : " ") +
                     fmt::format("{:02}:{:02}:{:02}", pick(rng, 24), pick(rng, 60), pick(rng, 60));
  if (chance(rng, 0.3)) text += fmt::format(".{}", pick(rng, 1000));
  if (chance(rng, 0.2))
    text += "Z";
  else if (chance(rng, 0.1))
    text += "+05:30";
  return text;
}

std::string random_string(Rng& rng, char delimiter, char quote) {
  const std::vector<std::string> alphabet = {"a",
                                             "b",
                                             "Z",
                                             " ",
                                             std::string(1, delimiter),
                                             std::string(1, quote),
                                             "\n",
                                             "\r",
                                             "\r\n",
                                             "é",
                                             "€",
                                             "😀",
                                             ";",
                                             "\t",
                                             "x y"};
  std::string text;
  const std::size_t length = pick(rng, 8);
  for (std::size_t idx = 0; idx < length; ++idx) text += alphabet[pick(rng, alphabet.size())];
  return text;
}

std::string random_value(Rng& rng, ColumnType type, char delimiter, char quote) {
  switch (type) {
    case ColumnType::kInt64:
      return random_int(rng);
    case ColumnType::kFloat64:
      return random_float(rng);
    case ColumnType::kBool: {
      static const std::vector<std::string> values = {"true", "false", "True", "FALSE"};
      return values[pick(rng, values.size())];
    }
    case ColumnType::kDate:
      return random_date(rng);
    case ColumnType::kTimestamp:
      return random_timestamp(rng);
    case ColumnType::kString:
      return random_string(rng, delimiter, quote);
  }
  return "";
}

// RFC 4180 quoting when needed (always for the empty string), and sometimes when not.
std::string encode(Rng& rng, const std::string& text, bool is_string, char delimiter, char quote) {
  const bool special =
      text.find_first_of(std::string{delimiter, quote, '\n', '\r'}) != std::string::npos;
  if (!special && !(is_string && text.empty()) && !chance(rng, 0.15)) return text;
  std::string out(1, quote);
  for (const char ch : text) {
    if (ch == quote) out += quote;
    out += ch;
  }
  return out + quote;
}

std::string bad_field(Rng& rng, char quote) {
  switch (pick(rng, 3)) {
    case 0:
      return "not-a-value";
    case 1:
      return std::string("ab") + quote + "cd" + quote;  // a quote inside an unquoted field
    default:
      return std::string(1, quote) + "x" + quote + "y";  // text after the closing quote
  }
}

std::string random_row(Rng& rng, const std::vector<ColumnType>& types,
                       const CsvGenOptions& options) {
  std::size_t fields = types.size();
  const bool bad = chance(rng, options.bad_row_rate);
  const int bad_kind = bad ? static_cast<int>(pick(rng, 2)) : -1;
  if (bad_kind == 0) fields = chance(rng, 0.5) ? fields + 1 : (fields > 1 ? fields - 1 : 2);
  const std::size_t bad_col = pick(rng, types.size());
  std::string row;
  for (std::size_t col = 0; col < fields; ++col) {
    if (col > 0) row += options.delimiter;
    const ColumnType type = col < types.size() ? types[col] : ColumnType::kString;
    if (bad_kind == 1 && col == bad_col) {
      row += bad_field(rng, options.quote);
      continue;
    }
    if (chance(rng, 0.1)) continue;  // null
    row += encode(rng, random_value(rng, type, options.delimiter, options.quote),
                  type == ColumnType::kString, options.delimiter, options.quote);
  }
  return row;
}

}  // namespace

GeneratedCsv generate_csv(std::uint64_t seed, const CsvGenOptions& options) {
  Rng rng(seed);
  GeneratedCsv out;
  const std::size_t ncols = 1 + pick(rng, 5);
  const ColumnType all[] = {ColumnType::kInt64,  ColumnType::kFloat64, ColumnType::kBool,
                            ColumnType::kString, ColumnType::kDate,    ColumnType::kTimestamp};
  for (std::size_t col = 0; col < ncols; ++col) out.types.push_back(all[pick(rng, 6)]);
  std::string header;
  for (std::size_t col = 0; col < ncols; ++col) {
    if (col > 0) header += options.delimiter;
    header += chance(rng, 0.3) ? encode(rng, fmt::format("col {}{}x", col, options.delimiter), true,
                                        options.delimiter, options.quote)
                               : fmt::format("c_{}", col);
  }
  for (std::size_t file_idx = 0; file_idx < options.files; ++file_idx) {
    std::string text;
    const int shape = static_cast<int>(pick(rng, 10));
    if (shape == 0 && options.files > 1) {  // an empty file
      out.files.push_back({fmt::format("part-{:03}.csv", file_idx), ""});
      continue;
    }
    if (chance(rng, 0.2)) text += "\xEF\xBB\xBF";
    const bool crlf = chance(rng, 0.4);
    const bool mixed = chance(rng, 0.2);
    auto line_end = [&] { return (mixed ? chance(rng, 0.5) : crlf) ? "\r\n" : "\n"; };
    if (options.header) text += header + line_end();
    // Without a header the first file's first record names the columns: never leave it out.
    const std::size_t rows = !options.header ? 1 + pick(rng, options.max_rows)
                             : shape == 1    ? 0
                                             : pick(rng, options.max_rows + 1);
    for (std::size_t row = 0; row < rows; ++row) {
      if (chance(rng, 0.05)) text += line_end();  // a blank line
      text += random_row(rng, out.types, options);
      if (row + 1 < rows || !chance(rng, 0.3)) text += line_end();
    }
    out.files.push_back({fmt::format("part-{:03}.csv", file_idx), text});
  }
  return out;
}

std::vector<csv_oracle::InputFile> write_csv_files(
    const comm::Communicator& comm, const std::string& folder,
    const std::vector<csv_oracle::InputFile>& files) {
  std::vector<csv_oracle::InputFile> written;
  for (const csv_oracle::InputFile& file : files) {
    written.push_back({folder + "/" + file.name, file.text});
    if (comm.rank() == 0) write_file(written.back().name, file.text);
  }
  comm.barrier();
  return written;
}

void canonical_rows(const table::Table& block, std::vector<std::string>* out) {
  std::vector<std::string> cells(block.num_columns());
  for (std::size_t row = 0; row < block.num_rows(); ++row) {
    for (std::size_t col = 0; col < block.num_columns(); ++col) {
      const table::Column& column = block.column(col);
      if (!column.is_valid(row)) {
        cells[col] = csv_oracle::null_cell();
        continue;
      }
      switch (column.type()) {
        case ColumnType::kFloat64:
          cells[col] = csv_oracle::float_cell(column.f64()[row]);
          break;
        case ColumnType::kBool:
          cells[col] = csv_oracle::bool_cell(column.u8()[row] != 0);
          break;
        case ColumnType::kString:
          cells[col] = std::string(column.str(row));
          break;
        default:
          cells[col] = csv_oracle::int_cell(column.i64()[row]);
          break;
      }
    }
    out->push_back(csv_oracle::canonical_row(cells));
  }
}

DistributedRead read_distributed(const comm::Communicator& comm, const io::CsvOptions& options,
                                 const std::vector<bool>& read) {
  DistributedRead result;
  std::vector<std::string> local;
  std::uint64_t skipped = 0;
  try {
    auto source = io::open_csv_source(comm, options);
    result.schema = source->schema();
    if (!read.empty()) source->select_columns(read);
    comm::run_phase(comm, "reading", [&] {
      table::Table block;
      while (source->next(block)) {
        result.max_block_rows = std::max<std::uint64_t>(result.max_block_rows, block.num_rows());
        canonical_rows(block, &local);
      }
      if (block.num_rows() != 0) throw DataError("next() returned false with rows");
      skipped = source->stats().skipped_rows;
      if (source->stats().rows != local.size()) throw DataError("stats().rows is wrong");
    });
  } catch (const Error& error) {
    EXPECT_TRUE(error.agreed()) << error.what();
    result.error = error.what();
    return result;
  }
  std::string joined;
  for (const std::string& row : local) joined += row + '\x1e';
  for (const std::string& part : comm.allgather_strings(joined)) {
    std::size_t pos = 0;
    while (pos < part.size()) {
      const std::size_t end = part.find('\x1e', pos);
      result.rows.push_back(part.substr(pos, end - pos));
      pos = end + 1;
    }
  }
  result.skipped = comm.allreduce(skipped, comm::ReduceOp::kSum);
  result.max_block_rows = comm.allreduce(result.max_block_rows, comm::ReduceOp::kMax);
  return result;
}

}  // namespace rankflow::test
