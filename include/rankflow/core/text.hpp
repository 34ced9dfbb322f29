// Small text helpers shared by the config reader, the aggregate and sort key parsers, and the
// Slurm layer. Local, no allocation beyond the results.
#pragma once

#include <string>
#include <vector>

namespace rankflow {

// `text` without leading and trailing whitespace.
std::string trim(const std::string& text);

// Splits a comma-separated list at the commas outside quotes ("...", '...', `...`) and
// parentheses, each item trimmed: "sum(x), quantile(y, 0.5) as p" gives two items and
// `"a,b" desc, c` two. Empty items are kept ("a,,b" gives three) for the caller to reject; an
// empty or blank text gives none.
std::vector<std::string> split_list(const std::string& text);

}  // namespace rankflow
