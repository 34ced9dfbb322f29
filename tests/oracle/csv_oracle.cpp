#include "csv_oracle.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <set>

#include <fmt/format.h>

#include "rankflow/table/datetime.hpp"

namespace rankflow::test::csv_oracle {
namespace {

using table::ColumnType;

struct RawField {
  std::string text;   // as in the file, quotes included
  std::uint64_t line;
};

struct RawRecord {
  std::vector<RawField> fields;
  std::uint64_t line;
};

struct SplitFile {
  std::vector<std::string> header;  // unescaped
  bool has_header = false;
  std::vector<RawRecord> records;
  std::string error;
};

bool is_all_digits(const std::string& text, std::size_t from) {
  if (from >= text.size()) return false;
  for (std::size_t idx = from; idx < text.size(); ++idx)
    if (text[idx] < '0' || text[idx] > '9') return false;
  return true;
}

// The text of a raw field: nullopt for null; sets `problem` when malformed.
std::optional<std::string> unescape(const std::string& raw, const Options& options,
                                    bool quoted_empty_is_null, bool use_null_tokens,
                                    std::string* problem) {
  if (raw.empty()) return std::nullopt;
  const bool quoting = options.quote >= 0;
  const char quote = static_cast<char>(options.quote);
  if (!quoting || raw[0] != quote) {
    if (quoting && raw.find(quote) != std::string::npos) {
      *problem = "quote character inside an unquoted field";
      return std::nullopt;
    }
    if (use_null_tokens)
      for (const std::string& token : options.null_values)
        if (raw == token) return std::nullopt;
    return raw;
  }
  if (raw.size() < 2 || raw.back() != quote) {
    *problem = "text after the closing quote";
    return std::nullopt;
  }
  std::string text;
  for (std::size_t idx = 1; idx + 1 < raw.size(); ++idx) {
    if (raw[idx] == quote) {
      if (idx + 2 < raw.size() && raw[idx + 1] == quote) {
        text += quote;
        ++idx;
        continue;
      }
      *problem = "a quote inside a quoted field must be doubled";
      return std::nullopt;
    }
    text += raw[idx];
  }
  if (text.empty() && quoted_empty_is_null) return std::nullopt;
  return text;
}

SplitFile split(const InputFile& file, const Options& options) {
  SplitFile out;
  const std::string& text = file.text;
  std::size_t pos = text.compare(0, 3, "\xEF\xBB\xBF") == 0 ? 3 : 0;
  std::uint64_t line = 1;
  bool first = true;
  while (pos < text.size()) {
    RawRecord record;
    record.line = line;
    std::size_t field_start = pos;
    std::uint64_t field_line = line;
    bool inside = false;
    std::uint64_t opened_line = line;  // of the quote that opened the last quoted stretch
    std::uint64_t flipped_line = 0;    // of the opener whose closer starts a field instead
    for (; pos < text.size(); ++pos) {
      const char ch = text[pos];
      if (options.quote >= 0 && ch == static_cast<char>(options.quote)) {
        // A closing quote (by count) where a quoted field starts: the pairs went wrong at the
        // opener of this stretch, the line to name.
        const char before = pos == 0 ? '\n' : text[pos - 1];
        const char after = pos + 1 < text.size() ? text[pos + 1] : '\n';
        const bool starts_field = (before == options.delimiter || before == '\n') &&
                                  after != options.delimiter && after != '\n' && after != '\r' &&
                                  after != ch;
        if (inside && starts_field && flipped_line == 0) flipped_line = opened_line;
        if (!inside) opened_line = line;
        inside = !inside;
      } else if (!inside && ch == options.delimiter) {
        record.fields.push_back({text.substr(field_start, pos - field_start), field_line});
        field_start = pos + 1;
        field_line = line;
      } else if (!inside && ch == '\n') {
        break;
      }
      if (ch == '\n') ++line;
    }
    if (pos == text.size() && inside) {
      out.error = fmt::format("{}: line {}: unterminated quoted field", file.name,
                              flipped_line != 0 ? flipped_line : opened_line);
      return out;
    }
    std::string last = text.substr(field_start, pos - field_start);
    if (!last.empty() && last.back() == '\r') last.pop_back();
    record.fields.push_back({last, field_line});
    if (pos < text.size()) {
      ++pos;
      ++line;
    }
    const bool blank = record.fields.size() == 1 && record.fields[0].text.empty();
    if (first && options.header) {
      if (blank) continue;  // blank lines before the header row are skipped
      first = false;
      out.has_header = true;
      for (const RawField& field : record.fields) {
        std::string problem;
        auto name = unescape(field.text, options, false, false, &problem);
        if (!problem.empty()) {
          out.error = fmt::format("{}: line {}: {}", file.name, record.line, problem);
          return out;
        }
        out.header.push_back(name.value_or(""));
      }
      continue;
    }
    first = false;
    if (blank) continue;
    out.records.push_back(std::move(record));
  }
  if (first && options.header && text.size() > (text.compare(0, 3, "\xEF\xBB\xBF") == 0 ? 3u : 0u))
    out.error = fmt::format("{}: no header row: the file holds only blank lines", file.name);
  return out;
}

bool parse_int(const std::string& text, std::int64_t* value) {
  const std::size_t digits_from = !text.empty() && (text[0] == '+' || text[0] == '-') ? 1 : 0;
  if (!is_all_digits(text, digits_from)) return false;
  errno = 0;
  *value = std::strtoll(text.c_str(), nullptr, 10);
  return errno != ERANGE;
}

bool parse_float(const std::string& text, double* value) {
  if (text.empty() || std::isspace(static_cast<unsigned char>(text[0]))) return false;
  const std::size_t sign = text[0] == '+' || text[0] == '-' ? 1 : 0;
  if (text.size() > sign + 1 && text[sign] == '0' && (text[sign + 1] == 'x' || text[sign + 1] == 'X'))
    return false;
  if (text.size() > 1 && text[0] == '+' && text[1] == '-') return false;
  errno = 0;
  char* end = nullptr;
  *value = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size()) return false;
  return !(errno == ERANGE && (std::isinf(*value) || *value == 0));
}

bool parse_bool_text(const std::string& text, bool* value) {
  static const std::set<std::string> yes = {"true", "True", "TRUE"};
  static const std::set<std::string> no = {"false", "False", "FALSE"};
  if (yes.count(text)) *value = true;
  else if (no.count(text)) *value = false;
  else return false;
  return true;
}

// The canonical cell of `text` as `type`; nullopt when it does not fit.
std::optional<std::string> convert(const std::string& text, ColumnType type) {
  std::int64_t number = 0;
  double real = 0;
  bool flag = false;
  switch (type) {
    case ColumnType::kInt64:
      if (parse_int(text, &number)) return int_cell(number);
      break;
    case ColumnType::kFloat64:
      if (parse_float(text, &real)) return float_cell(real);
      break;
    case ColumnType::kBool:
      if (parse_bool_text(text, &flag)) return bool_cell(flag);
      break;
    case ColumnType::kDate:
      if (table::parse_date(text, &number)) return int_cell(number);
      break;
    case ColumnType::kTimestamp:
      if (table::parse_timestamp(text, &number)) return int_cell(number);
      break;
    case ColumnType::kString:
      return text;
  }
  return std::nullopt;
}

std::vector<ColumnType> infer(const std::vector<SplitFile>& files, std::size_t ncols,
                              const Options& options) {
  const ColumnType order[] = {ColumnType::kInt64, ColumnType::kFloat64, ColumnType::kBool,
                              ColumnType::kDate, ColumnType::kTimestamp};
  std::vector<std::vector<bool>> fits(ncols, std::vector<bool>(5, true));
  std::vector<bool> seen(ncols, false);
  for (const SplitFile& file : files) {
    for (const RawRecord& record : file.records) {
      if (record.fields.size() != ncols) continue;
      for (std::size_t col = 0; col < ncols; ++col) {
        std::string problem;
        auto text = unescape(record.fields[col].text, options, true, true, &problem);
        if (!text) continue;
        seen[col] = true;
        for (std::size_t idx = 0; idx < 5; ++idx)
          if (!convert(*text, order[idx])) fits[col][idx] = false;
      }
    }
  }
  std::vector<ColumnType> types(ncols, ColumnType::kString);
  for (std::size_t col = 0; col < ncols; ++col) {
    if (!seen[col]) continue;
    for (std::size_t idx = 0; idx < 5; ++idx)
      if (fits[col][idx]) {
        types[col] = order[idx];
        break;
      }
  }
  return types;
}

// The record as a canonical row, or the reason it is bad.
std::optional<std::string> decode(const RawRecord& record, const Result& result,
                                  const Options& options, const std::string& file,
                                  std::string* problem) {
  const std::size_t ncols = result.types.size();
  if (record.fields.size() != ncols) {
    *problem = fmt::format("{}: line {}: {} field{}, expected {}", file, record.line,
                           record.fields.size(), record.fields.size() == 1 ? "" : "s", ncols);
    return std::nullopt;
  }
  std::vector<std::string> cells;
  for (std::size_t col = 0; col < ncols; ++col) {
    const RawField& field = record.fields[col];
    const ColumnType type = result.types[col];
    std::string reason;
    auto text = unescape(field.text, options, type != ColumnType::kString, true, &reason);
    const std::string where = fmt::format("{}: line {}, column '{}'", file, field.line,
                                          result.names[col]);
    if (!reason.empty()) {
      *problem = where + ": " + reason;
      return std::nullopt;
    }
    if (!text) {
      cells.push_back(null_cell());
      continue;
    }
    auto cell = convert(*text, type);
    if (!cell) {
      *problem = fmt::format("{}: '{}' is not a valid {}", where, *text,
                             table::column_type_name(type));
      return std::nullopt;
    }
    cells.push_back(*cell);
  }
  return canonical_row(cells);
}

}  // namespace

std::string null_cell() { return "\\N"; }
std::string int_cell(std::int64_t value) { return std::to_string(value); }
std::string float_cell(double value) { return fmt::format("{}", value); }
std::string bool_cell(bool value) { return value ? "true" : "false"; }

std::string canonical_row(const std::vector<std::string>& cells) {
  std::string row;
  for (std::size_t idx = 0; idx < cells.size(); ++idx) {
    if (idx > 0) row += '\x1f';
    row += cells[idx];
  }
  return row;
}

Result read(const std::vector<InputFile>& files, const Options& options) {
  Result result;
  std::vector<SplitFile> split_files;
  const InputFile* first = nullptr;
  for (const InputFile& file : files) {
    if (file.text.empty()) {
      split_files.emplace_back();
      continue;
    }
    split_files.push_back(split(file, options));
    if (!split_files.back().error.empty()) {
      result.error = split_files.back().error;
      return result;
    }
    if (first == nullptr) {
      first = &file;
      const SplitFile& head = split_files.back();
      if (options.header) {
        result.names = head.header;
      } else if (!head.records.empty()) {
        for (std::size_t idx = 0; idx < head.records.front().fields.size(); ++idx)
          result.names.push_back(fmt::format("c{}", idx));
      }
    } else if (options.header && split_files.back().has_header &&
               split_files.back().header != split_files[static_cast<std::size_t>(
                                                first - files.data())].header) {
      result.error = fmt::format("{}: the header row", file.name);
      return result;
    }
  }
  for (std::size_t idx = 0; idx < result.names.size(); ++idx)
    if (result.names[idx].empty()) result.names[idx] = fmt::format("c{}", idx);
  result.types = options.types.empty() ? infer(split_files, result.names.size(), options)
                                       : options.types;
  for (std::size_t file_idx = 0; file_idx < files.size(); ++file_idx) {
    for (const RawRecord& record : split_files[file_idx].records) {
      std::string problem;
      auto row = decode(record, result, options, files[file_idx].name, &problem);
      if (row) {
        result.rows.push_back(std::move(*row));
        continue;
      }
      if (!options.skip_bad_rows) {
        result.error = problem;
        return result;
      }
      ++result.skipped;
    }
  }
  return result;
}

}  // namespace rankflow::test::csv_oracle
