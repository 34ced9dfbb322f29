// The out-of-line forms of the padded parsers (padded_parse.hpp): a '+' sign, 9-16 integer
// digits, decimals with up to 7 digits before the point and 8 after it, and everything else
// through the general parsers (field_parse.hpp).
#include "padded_parse.hpp"

namespace rankflow::io::csv {

bool parse_int64_padded_wide(const char* begin, const char* end, std::int64_t* value) noexcept {
  const char* cursor = begin;
  bool negative = false;
  if (cursor != end && (*cursor == '-' || *cursor == '+')) negative = *cursor++ == '-';
  const auto len = static_cast<std::size_t>(end - cursor);
  if (len == 0 || len > 16) return parse_int64(begin, end, value);  // 17+ digits may overflow
  std::uint64_t magnitude = 0;
  if (len <= 8) {
    const std::uint64_t word = swar::load8(cursor);
    if ((swar::nondigit_flags(word) & swar::low_bytes(len)) != 0) return false;
    magnitude = swar::digits_value(word, len);
  } else {
    const std::size_t high_len = len - 8;
    const std::uint64_t high = swar::load8(cursor);
    const std::uint64_t low = swar::load8(end - 8);
    if (((swar::nondigit_flags(high) & swar::low_bytes(high_len)) | swar::nondigit_flags(low)) != 0)
      return false;
    magnitude = swar::digits_value(high, high_len) * 100000000ULL + swar::digits_value(low, 8);
  }
  // At most 16 digits: below 10^16, far inside int64.
  const auto signed_magnitude = static_cast<std::int64_t>(magnitude);
  *value = negative ? -signed_magnitude : signed_magnitude;
  return true;
}

// [+-]digits[.digits] with at most 7 digits before the point and 8 after it: the mantissa stays
// below 10^15 < 2^53 and the power of ten is exact, so one division is correctly rounded (as in
// parse_float64's own fast path, which gives the same double).
bool parse_float64_padded_wide(const char* begin, const char* end, double* value) noexcept {
  static constexpr double kPowers[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8};
  static constexpr std::uint64_t kScale[] = {1,      10,      100,      1000,     10000,
                                             100000, 1000000, 10000000, 100000000};
  const char* cursor = begin;
  bool negative = false;
  if (cursor != end && (*cursor == '-' || *cursor == '+')) negative = *cursor++ == '-';
  const auto len = static_cast<std::size_t>(end - cursor);
  const std::uint64_t word = swar::load8(cursor);
  // The byte at `end` is a separator or quote in practice, but never count digits past it.
  const std::size_t int_digits = std::min(swar::leading_digits(word), len);
  if (int_digits == 8 || len == 0) return parse_float64(begin, end, value);
  std::uint64_t mantissa = int_digits > 0 ? swar::digits_value(word, int_digits) : 0;
  std::size_t frac_digits = 0;
  if (int_digits < len) {
    const char* point = cursor + int_digits;
    frac_digits = static_cast<std::size_t>(end - point) - 1;
    if (*point != '.' || frac_digits > 8 || int_digits + frac_digits == 0)
      return parse_float64(begin, end, value);  // exponent, long fraction, or not a number
    if (frac_digits > 0) {
      const std::uint64_t fraction = swar::load8(point + 1);
      if ((swar::nondigit_flags(fraction) & swar::low_bytes(frac_digits)) != 0)
        return parse_float64(begin, end, value);
      mantissa = mantissa * kScale[frac_digits] + swar::digits_value(fraction, frac_digits);
    }
  }
  const double result = static_cast<double>(mantissa) / kPowers[frac_digits];
  *value = negative ? -result : result;
  return true;
}

}  // namespace rankflow::io::csv
