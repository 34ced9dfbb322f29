// Number parsers for fields that lie inside a record buffer, where at least 16 bytes past the
// field's end are readable (RecordStream keeps kScanPadding spare bytes after its data). They
// read the digits 8 at a time in one 64-bit word (SWAR: SIMD within a register) instead of a
// byte at a time with a branch per byte: the integer and float columns of a typical file are
// most of the reader's CPU time.
//
// They accept exactly the texts parse_int64 / parse_float64 / table::parse_date accept and give
// the same values: the common forms are handled here and everything else (more than 16 digits,
// exponents, inf/nan, malformed text) goes to those general parsers.
//
//   word = "1234\n..."  (little endian: the first byte is the lowest)
//   digit check  per byte: high nibble 3 and low nibble + 6 < 16   -> a 0x80 flag per non-digit
//   value        shift the digits to the top (zeros below are leading zeros), then combine
//                adjacent lanes: 1+1 -> 2 digits, 2+2 -> 4, 4+4 -> 8
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "field_parse.hpp"
#include "rankflow/table/datetime.hpp"

namespace rankflow::io::csv {
namespace swar {

inline std::uint64_t load8(const char* at) noexcept {
  std::uint64_t word;
  std::memcpy(&word, at, sizeof word);
  return word;
}

// 0x80 in every byte of `word` that is not an ASCII digit, 0 in the others.
inline std::uint64_t nondigit_flags(std::uint64_t word) noexcept {
  constexpr std::uint64_t kHigh = 0xF0F0F0F0F0F0F0F0ULL;
  constexpr std::uint64_t kLow = 0x0F0F0F0F0F0F0F0FULL;
  constexpr std::uint64_t kThrees = 0x3030303030303030ULL;
  constexpr std::uint64_t kSeven = 0x7F7F7F7F7F7F7F7FULL;
  // Neither sum carries into the next byte (0x0F + 0x06 and 0x7F + 0x7F fit a byte).
  const std::uint64_t bad = ((word & kHigh) ^ kThrees) |
                            (((word & kLow) + 0x0606060606060606ULL) & kHigh);
  return (((bad & kSeven) + kSeven) | bad) & ~kSeven;
}

// The lowest `bytes` bytes (1..8) set.
inline std::uint64_t low_bytes(std::size_t bytes) noexcept {
  return bytes >= 8 ? ~std::uint64_t{0} : (std::uint64_t{1} << (8 * bytes)) - 1;
}

// The digits in the first `count` bytes (1..8, all digits) of `word` as a number; the bytes
// after them are ignored.
inline std::uint64_t digits_value(std::uint64_t word, std::size_t count) noexcept {
  // The digits' bytes never borrow (each is >= '0'); the bytes after them shift out, and the
  // zero bytes shifted in are leading zeros. Each step is one multiply that adds a lane times
  // its power of ten to its neighbour (2561 = 10 * 2^8 + 1, ...), read from the high half.
  word = (word - 0x3030303030303030ULL) << (8 * (8 - count));
  word = (word * 2561) >> 8;
  word = ((word & 0x00FF00FF00FF00FFULL) * 6553601) >> 16;
  return ((word & 0x0000FFFF0000FFFFULL) * 42949672960001ULL) >> 32;
}

// How many of the first 8 bytes of `word` are digits before the first non-digit (8: all).
inline std::size_t leading_digits(std::uint64_t word) noexcept {
  const std::uint64_t flags = nondigit_flags(word);
  return flags == 0 ? 8 : static_cast<std::size_t>(__builtin_ctzll(flags)) / 8;
}

}  // namespace swar

// As parse_int64; [begin, end + 16) must be readable.
inline bool parse_int64_padded(const char* begin, const char* end, std::int64_t* value) noexcept {
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

// As parse_float64; [begin, end + 16) must be readable. Handles [+-]digits[.digits] with at
// most 7 digits before the point and 8 after it: the mantissa stays below 10^15 < 2^53 and the
// power of ten is exact, so one division is correctly rounded (as in parse_float64's own fast
// path, which gives the same double).
inline bool parse_float64_padded(const char* begin, const char* end, double* value) noexcept {
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

namespace date_table {

// Days since 1970-01-01 of the first day of every month of the years [kFirstYear, kFirstYear +
// kYears): entry year * 16 + month (1-12), and entry year * 16 + 13 = the next year's January 1,
// so that a month's length is the difference of two neighbours. Built at compile time.
constexpr int kFirstYear = 1900;
constexpr int kYears = 256;

constexpr std::int64_t days_from_civil(std::int64_t year, unsigned month, unsigned day) {
  year -= month <= 2 ? 1 : 0;  // Howard Hinnant's algorithm, as table::days_from_civil
  const std::int64_t era = (year >= 0 ? year : year - 399) / 400;
  const auto yoe = static_cast<unsigned>(year - era * 400);
  const unsigned doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct MonthStarts {
  std::int32_t days[kYears * 16];
};

constexpr MonthStarts make_month_starts() {
  MonthStarts table{};
  for (int year = 0; year < kYears; ++year)
    for (unsigned month = 1; month <= 13; ++month)
      table.days[year * 16 + static_cast<int>(month)] = static_cast<std::int32_t>(
          month == 13 ? days_from_civil(kFirstYear + year + 1, 1, 1)
                      : days_from_civil(kFirstYear + year, month, 1));
  return table;
}

inline constexpr MonthStarts kMonthStarts = make_month_starts();

}  // namespace date_table

// As table::parse_date ("YYYY-MM-DD", a real calendar day -> days since 1970-01-01);
// [begin, end + 8) must be readable. The ten bytes are checked in two words (digits and dashes
// at once); a year in [1900, 2156) (nearly all real data) then takes one table lookup, other
// years go to table::parse_date. A call per field into the table library was a tenth of the
// reader's time on a file with one date column.
//
//   first  = "YYYY-MM-"   digits in bytes 0-3, 5, 6; '-' in bytes 4 and 7
//   second = "YY-MM-DD"   (from begin + 2) digits in bytes 6, 7
inline bool parse_date_padded(const char* begin, const char* end, std::int64_t* days) noexcept {
  constexpr std::uint64_t kFirstDigits = 0x00FFFF00FFFFFFFFULL;
  constexpr std::uint64_t kDashMask = (std::uint64_t{0xFF} << 56) | (std::uint64_t{0xFF} << 32);
  constexpr std::uint64_t kDashes = (std::uint64_t{'-'} << 56) | (std::uint64_t{'-'} << 32);
  constexpr std::uint64_t kSecondDigits = 0xFFFF000000000000ULL;
  if (end - begin != 10) return false;
  const std::uint64_t first = swar::load8(begin);
  const std::uint64_t second = swar::load8(begin + 2);
  if (((swar::nondigit_flags(first) & kFirstDigits) | (swar::nondigit_flags(second) & kSecondDigits) |
       ((first & kDashMask) ^ kDashes)) != 0)
    return false;
  const auto digit = [](std::uint64_t word, int byte) {
    return static_cast<unsigned>((word >> (8 * byte)) & 0xFF) - unsigned{'0'};
  };
  const unsigned year = static_cast<unsigned>(swar::digits_value(first, 4));
  const unsigned month = digit(first, 5) * 10 + digit(first, 6);
  const unsigned day = digit(second, 6) * 10 + digit(second, 7);
  const unsigned offset = year - unsigned{date_table::kFirstYear};  // wraps below 1900
  if (offset >= unsigned{date_table::kYears})
    return table::parse_date(std::string_view(begin, 10), days);
  if (month - 1 > 11) return false;
  const std::int32_t* month_start = date_table::kMonthStarts.days + offset * 16 + month;
  const auto length = static_cast<unsigned>(month_start[1] - month_start[0]);
  if (day - 1 >= length) return false;  // also day 0 (wraps)
  *days = month_start[0] + static_cast<std::int64_t>(day) - 1;
  return true;
}

}  // namespace rankflow::io::csv
