#include "field_parse.hpp"

#include <charconv>
#include <cstring>
#include <limits>

#include "rankflow/table/datetime.hpp"

namespace rankflow::io::csv {
namespace {

constexpr double kPowersOfTen[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                   1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                   1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
constexpr std::uint64_t kMaxExactInteger = std::uint64_t{1} << 53;

inline bool is_digit(char ch) { return static_cast<unsigned char>(ch - '0') < 10; }

// For a well-formed decimal that from_chars found out of range: true when it is too large
// (the power of ten of its first non-zero digit is positive), false when too small.
bool overflows(const char* begin, const char* end) noexcept {
  const char* cursor = begin;
  if (cursor != end && *cursor == '-') ++cursor;
  long leading = 0;  // power of ten of the first non-zero digit, before the exponent
  bool seen = false, fraction = false;
  for (; cursor != end && *cursor != 'e' && *cursor != 'E'; ++cursor) {
    if (*cursor == '.') {
      fraction = true;
      continue;
    }
    if (!seen && *cursor != '0') {
      seen = true;
      if (fraction) --leading;
      continue;
    }
    if (seen && !fraction) ++leading;
    if (!seen && fraction) --leading;
  }
  long exponent = 0;
  bool exp_negative = false;
  if (cursor != end) ++cursor;  // 'e'
  if (cursor != end && (*cursor == '-' || *cursor == '+')) exp_negative = *cursor++ == '-';
  for (; cursor != end; ++cursor)
    if (exponent < 100000000) exponent = exponent * 10 + (*cursor - '0');
  return leading + (exp_negative ? -exponent : exponent) > 0;
}

bool slow_float(const char* begin, const char* end, double* value) noexcept {
  // from_chars takes no '+' (strtod does): skip one, but not "+-1".
  if (begin != end && *begin == '+') {
    ++begin;
    if (begin == end || *begin == '-') return false;
  }
  const auto result = std::from_chars(begin, end, *value, std::chars_format::general);
  if (result.ptr != end) return false;
  if (result.ec == std::errc()) return true;  // subnormals included, correctly rounded
  if (result.ec != std::errc::result_out_of_range) return false;
  // Out of range: from_chars reports it without a value. As pandas, DuckDB and strtod do, a
  // number too large is +-inf (1e309) and one too small +-0 (1e-400).
  const bool negative = *begin == '-';
  const double magnitude = overflows(begin, end) ? std::numeric_limits<double>::infinity() : 0.0;
  *value = negative ? -magnitude : magnitude;
  return true;
}

}  // namespace

bool parse_int64(const char* begin, const char* end, std::int64_t* value) noexcept {
  const char* cursor = begin;
  bool negative = false;
  if (cursor != end && (*cursor == '-' || *cursor == '+')) negative = *cursor++ == '-';
  if (cursor == end) return false;
  while (end - cursor > 1 && *cursor == '0') ++cursor;  // leading zeros: 007 is 7
  if (end - cursor > 19) return false;
  std::uint64_t magnitude = 0;
  const bool may_overflow = end - cursor == 19;
  for (; cursor != end; ++cursor) {
    if (!is_digit(*cursor)) return false;
    magnitude = magnitude * 10 + static_cast<std::uint64_t>(*cursor - '0');
  }
  // 19 digits fit uint64 (< 1.0e19 < 1.8e19); int64 holds up to 2^63 - 1, or 2^63 negated.
  const std::uint64_t limit = std::uint64_t{1} << 63;
  if (may_overflow && (negative ? magnitude > limit : magnitude >= limit)) return false;
  *value = negative ? static_cast<std::int64_t>(~magnitude + 1) : static_cast<std::int64_t>(magnitude);
  return true;
}

bool parse_float64(const char* begin, const char* end, double* value) noexcept {
  const char* cursor = begin;
  bool negative = false;
  if (cursor != end && (*cursor == '-' || *cursor == '+')) negative = *cursor++ == '-';
  std::uint64_t mantissa = 0;
  int digits = 0;  // significant digits taken into the mantissa (leading zeros skipped)
  int scale = 0;   // power of ten to apply
  bool any_digit = false;
  for (; cursor != end && is_digit(*cursor); ++cursor) {
    any_digit = true;
    if (mantissa == 0 && *cursor == '0') continue;
    if (++digits > 19) return slow_float(begin, end, value);
    mantissa = mantissa * 10 + static_cast<std::uint64_t>(*cursor - '0');
  }
  if (cursor != end && *cursor == '.') {
    for (++cursor; cursor != end && is_digit(*cursor); ++cursor) {
      any_digit = true;
      --scale;
      if (mantissa == 0 && *cursor == '0') continue;
      if (++digits > 19) return slow_float(begin, end, value);
      mantissa = mantissa * 10 + static_cast<std::uint64_t>(*cursor - '0');
    }
  }
  if (!any_digit) return slow_float(begin, end, value);  // "inf", "nan", or not a number
  if (cursor != end) {
    if (*cursor != 'e' && *cursor != 'E') return false;
    ++cursor;
    bool exp_negative = false;
    if (cursor != end && (*cursor == '-' || *cursor == '+')) exp_negative = *cursor++ == '-';
    if (cursor == end) return false;
    int exponent = 0;
    for (; cursor != end; ++cursor) {
      if (!is_digit(*cursor)) return false;
      if (exponent > 100000) return slow_float(begin, end, value);
      exponent = exponent * 10 + (*cursor - '0');
    }
    scale += exp_negative ? -exponent : exponent;
  }
  if (mantissa > kMaxExactInteger || scale < -22 || scale > 22)
    return slow_float(begin, end, value);
  double result = static_cast<double>(mantissa);
  result = scale < 0 ? result / kPowersOfTen[-scale] : result * kPowersOfTen[scale];
  *value = negative ? -result : result;
  return true;
}

bool parse_bool(const char* begin, const char* end, bool* value) noexcept {
  const std::string_view text(begin, static_cast<std::size_t>(end - begin));
  if (text == "true" || text == "True" || text == "TRUE") {
    *value = true;
    return true;
  }
  if (text == "false" || text == "False" || text == "FALSE") {
    *value = false;
    return true;
  }
  return false;
}

unsigned fitting_types(std::string_view text) noexcept {
  const char* begin = text.data();
  const char* end = begin + text.size();
  unsigned bits = 0;
  std::int64_t as_int = 0;
  double as_double = 0;
  bool as_bool = false;
  if (parse_int64(begin, end, &as_int)) bits |= kFitsInt64 | kFitsFloat64;
  else if (parse_float64(begin, end, &as_double)) bits |= kFitsFloat64;
  if (parse_bool(begin, end, &as_bool)) bits |= kFitsBool;
  if (text.size() >= 10 && is_digit(text[0])) {
    if (table::parse_date(text, &as_int)) bits |= kFitsDate | kFitsTimestamp;
    else if (table::parse_timestamp(text, &as_int)) bits |= kFitsTimestamp;
  }
  return bits;
}

table::ColumnType narrowest_type(unsigned bits) noexcept {
  using table::ColumnType;
  if ((bits & kFitsInt64) != 0) return ColumnType::kInt64;
  if ((bits & kFitsFloat64) != 0) return ColumnType::kFloat64;
  if ((bits & kFitsBool) != 0) return ColumnType::kBool;
  if ((bits & kFitsDate) != 0) return ColumnType::kDate;
  if ((bits & kFitsTimestamp) != 0) return ColumnType::kTimestamp;
  return ColumnType::kString;
}

}  // namespace rankflow::io::csv
