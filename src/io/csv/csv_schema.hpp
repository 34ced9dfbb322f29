// The schema of a CSV input: column names from the header (or c0, c1, ... without one), types
// from the config where given, else inferred from a sample.
//
// The sample is the records that start inside fixed windows of the global byte space (the
// whole input when it is smaller than sample_size, else 16 windows spread evenly), read by the
// ranks that own them. The windows depend only on the input, not on the number of ranks, so
// the inferred types are the same at every rank count. Each column gets the narrowest type
// that every non-null sampled value fits: int64, then float64, bool, date, timestamp, and
// string when nothing else fits or no value was seen.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "rankflow/comm/communicator.hpp"
#include "range_plan.hpp"

namespace rankflow::io::csv {

// [begin, end) windows of the global byte space.
std::vector<std::pair<std::uint64_t, std::uint64_t>> sample_windows(std::uint64_t total,
                                                                     std::uint64_t sample_size);

struct ColumnNames {
  std::vector<std::string> names;
  std::string source;  // the file they come from, for messages
};

// Collective over `comm` (runs phases). Throws ConfigError for a config schema that does not
// match the columns, DataError for duplicate column names.
table::Schema build_schema(const comm::Communicator& comm, const CsvOptions& options,
                           const RangePlanner& planner, const std::vector<InputFile>& files,
                           const ColumnNames& columns, std::vector<bool>* inferred);

}  // namespace rankflow::io::csv
