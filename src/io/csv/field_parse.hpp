// Parsing one CSV field's text into a typed value. Inputs are exact byte ranges (no
// whitespace is trimmed: " 5" is not an int64) and every parser either consumes the whole
// range or fails.
#pragma once

#include <cstdint>
#include <string_view>

#include "rankflow/table/column.hpp"

namespace rankflow::io::csv {

// [+-]digits, within int64.
bool parse_int64(const char* begin, const char* end, std::int64_t* value) noexcept;

// Decimal or scientific notation, "inf", "nan" (as strtod, without leading spaces). Gives the
// same double as strtod: a fast path for up to 19 significant digits and a power of ten up to
// 22 (one exactly rounded multiplication or division of two exact doubles, Clinger 1990), and
// std::from_chars for everything else.
bool parse_float64(const char* begin, const char* end, double* value) noexcept;

// true/false, True/False, TRUE/FALSE.
bool parse_bool(const char* begin, const char* end, bool* value) noexcept;

// Type inference: the types a non-null text fits, as a bit set (int64 fits float64 too, and a
// date fits timestamp).
enum TypeBits : unsigned {
  kFitsInt64 = 1u << 0,
  kFitsFloat64 = 1u << 1,
  kFitsBool = 1u << 2,
  kFitsDate = 1u << 3,
  kFitsTimestamp = 1u << 4,
  kFitsAll = (1u << 5) - 1,
};
unsigned fitting_types(std::string_view text) noexcept;
// The most specific type in `bits` (int64, float64, bool, date, timestamp), else string.
table::ColumnType narrowest_type(unsigned bits) noexcept;

}  // namespace rankflow::io::csv
