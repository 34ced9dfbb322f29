#include "rankflow/job/csv_config.hpp"

#include <algorithm>
#include <cctype>

namespace rankflow::job {
namespace {

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

char delimiter_from(const Section& section, const std::string& fallback) {
  const std::string value = section.get_or("delimiter", fallback);
  const std::string name = lower(value);
  if (name == "tab" || value == "\\t") return '\t';
  if (name == "comma") return ',';
  if (name == "semicolon") return ';';
  if (name == "pipe") return '|';
  if (name == "space") return ' ';
  if (value.size() == 1 && value != "\n" && value != "\r") return value[0];
  throw section.error("delimiter",
                      "expected one character, or tab, comma, semicolon, pipe or space");
}

int quote_from(const Section& section) {
  const std::string value = section.get_or("quote", "\"");
  if (lower(value) == "none") return io::kNoQuote;
  if (value.size() == 1) return static_cast<unsigned char>(value[0]);
  throw section.error("quote", "expected one character (\" or '), or none");
}

std::vector<table::Field> schema_from(const Section& section) {
  std::vector<table::Field> fields;
  for (const std::string& item : section.get_list("schema")) {
    const std::size_t colon = item.rfind(':');
    table::ColumnType type = table::ColumnType::kString;
    const std::string name = colon == std::string::npos ? "" : trim(item.substr(0, colon));
    if (name.empty() ||
        !table::column_type_from_name(trim(item.substr(colon + 1)), &type))
      throw section.error("schema", "'" + item +
                                        "' is not name:type; the types are int64, float64, "
                                        "bool, string, date and timestamp");
    fields.push_back({name, type});
  }
  return fields;
}

bool is_tsv(const Section& section) {
  const auto path = section.get("path");
  return path && ends_with(lower(*path), ".tsv");
}

}  // namespace

std::string input_format(const Section& section) {
  const std::string format = section.get_choice("format", "auto", {"auto", "csv", "hdf5"});
  if (format != "auto") return format;
  const std::string path = lower(section.require("path"));
  for (const char* extension : {".csv", ".tsv", ".txt"})
    if (ends_with(path, extension)) return "csv";
  for (const char* extension : {".h5", ".hdf5", ".he5"})
    if (ends_with(path, extension)) return "hdf5";
  throw section.error("path", "cannot tell the format from the extension; set format = csv or "
                              "format = hdf5 in [" + section.name() + "]");
}

io::CsvOptions csv_options_from(const Section& section) {
  io::CsvOptions options;
  options.path = section.require("path");
  options.delimiter = delimiter_from(section, is_tsv(section) ? "tab" : ",");
  options.quote = quote_from(section);
  options.header = section.get_bool("header", true);
  options.schema = schema_from(section);
  options.null_values = section.get_list("null_values");
  options.on_bad_rows = section.get_choice("on_bad_rows", "error", {"error", "skip"}) == "skip"
                            ? io::BadRowPolicy::kSkip
                            : io::BadRowPolicy::kError;
  options.block_size = section.get_bytes("block_size", options.block_size);
  options.sample_size = section.get_bytes("sample_size", options.sample_size);
  // The default grows with block_size: a large block_size alone is no error.
  options.max_record_size =
      section.get_bytes("max_record_size", std::max(options.max_record_size, options.block_size));
  if (const auto found = io::find_csv_option_problem(options))
    throw section.error(found->key, found->problem);
  return options;
}

io::CsvWriteOptions csv_write_options_from(const Section& section) {
  io::CsvWriteOptions options;
  options.delimiter = delimiter_from(section, ",");
  const int quote = quote_from(section);
  if (quote == io::kNoQuote)
    throw section.error("quote", "an output needs a quote character to quote fields");
  options.quote = static_cast<char>(quote);
  options.header = section.get_bool("header", true);
  if (options.quote == options.delimiter)
    throw section.error("quote", "the quote and the delimiter must differ");
  return options;
}

}  // namespace rankflow::job
