#include "rankflow/io/csv/csv_options.hpp"

#include <set>
#include <string_view>

#include "rankflow/core/text.hpp"
#include "rankflow/core/error.hpp"

namespace rankflow::io {
namespace {

// Offsets inside a buffer are 32-bit (scan.hpp): one read and one record stay below 2 GiB.
constexpr std::uint64_t kMaxBuffer = std::uint64_t{1} << 30;

constexpr std::string_view kOptionPrefix = "CSV option ";

std::string shown_char(int byte) {
  if (byte == '\t') return "'\\t' (tab)";
  if (byte == '\n') return "'\\n' (newline)";
  if (byte == '\r') return "'\\r' (carriage return)";
  return fmt::format("'{}'", static_cast<char>(byte));
}

}  // namespace

std::optional<CsvOptionProblem> find_csv_option_problem(const CsvOptions& options) {
  auto found = [](std::string key, std::string problem) {
    return std::optional<CsvOptionProblem>(CsvOptionProblem{std::move(key), std::move(problem)});
  };
  if (options.path.empty()) return found("path", "the CSV input needs a path (a file or a glob)");
  if (options.delimiter == '\n' || options.delimiter == '\r')
    return found("delimiter", "the delimiter cannot be " + shown_char(options.delimiter));
  if (options.quote != kNoQuote) {
    if (options.quote == '\n' || options.quote == '\r')
      return found("quote", "the quote cannot be " + shown_char(options.quote));
    if (options.quote == static_cast<unsigned char>(options.delimiter) ||
        options.quote == options.delimiter)
      return found("quote", "the quote and delimiter are both " + shown_char(options.quote) +
                                "; set another quote (or none) or another delimiter");
  }
  if (options.block_size == 0 || options.block_size > kMaxBuffer)
    return found("block_size",
                 fmt::format("must be between 1 byte and 1 GiB (is {})", options.block_size));
  if (options.max_record_size == 0 || options.max_record_size > kMaxBuffer)
    return found("max_record_size",
                 fmt::format("must be between 1 byte and 1 GiB (is {})", options.max_record_size));
  // It bounds the growth of a rank's buffer, which always holds block_size bytes: a smaller
  // value would bound nothing (records up to block_size always fit).
  if (options.max_record_size < options.block_size)
    return found("max_record_size",
                 fmt::format("is smaller than block_size ({} < {}); it bounds how far a "
                             "rank's buffer may grow past block_size to hold one record, so "
                             "records up to block_size always fit: set it to at least block_size",
                             human_bytes(options.max_record_size), human_bytes(options.block_size)));
  std::set<std::string> names;
  for (const table::Field& field : options.schema) {
    if (field.name.empty()) return found("schema", "a column has no name");
    if (!names.insert(field.name).second)
      return found("schema", fmt::format("names column '{}' twice", field.name));
  }
  return std::nullopt;
}

void check_csv_options(const CsvOptions& options) {
  if (const auto found = find_csv_option_problem(options))
    throw csv_option_error(found->key, found->problem);
}

Error csv_option_error(const std::string& key, const std::string& problem) {
  return ConfigError("{}{}: {}", kOptionPrefix, key, problem);
}

std::optional<CsvOptionProblem> csv_option_problem_of(const std::string& message) {
  const std::string_view text(message);
  if (text.substr(0, kOptionPrefix.size()) != kOptionPrefix) return std::nullopt;
  const std::size_t colon = text.find(": ", kOptionPrefix.size());
  if (colon == std::string_view::npos) return std::nullopt;
  return CsvOptionProblem{
      std::string(text.substr(kOptionPrefix.size(), colon - kOptionPrefix.size())),
      std::string(text.substr(colon + 2))};
}

}  // namespace rankflow::io
