// Small text helpers shared by the config reader, the aggregate and sort key parsers, the Slurm
// layer and the writers of values as text. Local, no allocation beyond the results.
#pragma once

#include <cstdint>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace rankflow {

// `text` without leading and trailing whitespace.
std::string trim(const std::string& text);

// `text` with ASCII letters in lower case (keys, units, extensions, keywords; other bytes,
// such as UTF-8, are left as they are).
std::string lower(std::string text);
// For messages that quote a value: `text` itself when it has at most `max` bytes, else its
// start (cut at a UTF-8 character boundary) and how long it is: "aaaa... (1048576 bytes)", so
// that a 1 MB value never makes a 1 MB error.
inline constexpr std::size_t kExcerptBytes = 80;
std::string excerpt(std::string_view text, std::size_t max = kExcerptBytes);

// Splits a comma-separated list at the commas outside quotes ("...", '...', `...`) and
// parentheses, each item trimmed: "sum(x), quantile(y, 0.5) as p" gives two items and
// `"a,b" desc, c` two. Empty items are kept ("a,,b" gives three) for the caller to reject; an
// empty or blank text gives none.
std::vector<std::string> split_list(const std::string& text);

// Appends a float64 as text: the shortest text that reads back to the same double, with ".0"
// added when that text would read as an integer (3.0, -0.0, 1e+300 and 0.1 as they are; inf,
// -inf, nan), as pandas, DuckDB and Polars write floats, so that a float column written as CSV
// reads back as float64. Used for CSV outputs and the results table.
void append_float(std::string& out, double value);
std::string format_float(double value);

// A size for people, in binary units, as every log line and message prints sizes: "6 B",
// "172.4 KiB", "7.5 MiB", "1.1 GiB" (`decimals` digits below 10 of a unit, one fewer above).
std::string human_bytes(std::uint64_t bytes, int decimals = 1);

}  // namespace rankflow
