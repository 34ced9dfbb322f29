#include "rankflow/io/csv/csv_options.hpp"

#include <set>

#include "rankflow/core/error.hpp"

namespace rankflow::io {
namespace {

// Offsets inside a buffer are 32-bit (scan.hpp): one read and one record stay below 2 GiB.
constexpr std::uint64_t kMaxBuffer = std::uint64_t{1} << 30;

std::string shown_char(int byte) {
  if (byte == '\t') return "'\\t' (tab)";
  if (byte == '\n') return "'\\n' (newline)";
  if (byte == '\r') return "'\\r' (carriage return)";
  return fmt::format("'{}'", static_cast<char>(byte));
}

}  // namespace

void check_csv_options(const CsvOptions& options) {
  if (options.path.empty()) throw ConfigError("the CSV input needs a path (a file or a glob)");
  if (options.delimiter == '\n' || options.delimiter == '\r')
    throw ConfigError("the CSV delimiter cannot be {}", shown_char(options.delimiter));
  if (options.quote != kNoQuote) {
    if (options.quote == '\n' || options.quote == '\r')
      throw ConfigError("the CSV quote cannot be {}", shown_char(options.quote));
    if (options.quote == static_cast<unsigned char>(options.delimiter) ||
        options.quote == options.delimiter)
      throw ConfigError("the CSV quote and delimiter are both {}", shown_char(options.quote));
  }
  if (options.block_size == 0 || options.block_size > kMaxBuffer)
    throw ConfigError("the CSV block_size must be between 1 byte and 1 GiB (is {})",
                      options.block_size);
  if (options.max_record_size == 0 || options.max_record_size > kMaxBuffer)
    throw ConfigError("the CSV max_record_size must be between 1 byte and 1 GiB (is {})",
                      options.max_record_size);
  std::set<std::string> names;
  for (const table::Field& field : options.schema) {
    if (field.name.empty()) throw ConfigError("the CSV schema has a column without a name");
    if (!names.insert(field.name).second)
      throw ConfigError("the CSV schema names column '{}' twice", field.name);
  }
}

}  // namespace rankflow::io
