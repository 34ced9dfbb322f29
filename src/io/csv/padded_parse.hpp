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
//   digit check  per byte: byte + 0x46 and byte - 0x30 both below 0x80 -> no flag; the flags of
//                the bytes past the field are shifted out
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

// 0x80 in the first byte of `word` that is not an ASCII digit, 0 below it; bytes above it may
// be flagged too (a carry or borrow from it). Cheaper than nondigit_flags (4 operations): enough
// to find the first non-digit, or to check that the low bytes are all digits (shift the
// flags of the bytes past them out: `flags << 8 * (8 - count)`). A digit byte plus 0x46 stays
// below 0x80 and minus 0x30 does not borrow; every other byte sets its 0x80 in one of them.
inline std::uint64_t first_nondigit_flags(std::uint64_t word) noexcept {
  return ((word + 0x4646464646464646ULL) | (word - 0x3030303030303030ULL)) & 0x8080808080808080ULL;
}

}  // namespace swar

// The rarer forms of parse_int64_padded / parse_float64_padded (a '+', 9-16 digits, long
// fractions, exponents, bad text), out of line: the inlined fast paths stay small.
bool parse_int64_padded_wide(const char* begin, const char* end, std::int64_t* value) noexcept;
bool parse_float64_padded_wide(const char* begin, const char* end, double* value) noexcept;

// As parse_int64; [begin, end + 16) must be readable. An optional '-' and 1-8 digits take one
// word: the digit check and the value ignore the bytes past the field by shifting them out.
inline bool parse_int64_padded(const char* begin, const char* end, std::int64_t* value) noexcept {
  const bool negative = *begin == '-';  // the byte at `end` is readable when the field is empty
  const char* digits = begin + (negative ? 1 : 0);
  const auto len = static_cast<std::size_t>(end - digits);
  if (len - 1 >= 8) return parse_int64_padded_wide(begin, end, value);  // 0 or 9+ digits
  const std::uint64_t word = swar::load8(digits);
  if ((swar::first_nondigit_flags(word) << (8 * (8 - len))) != 0)
    return parse_int64_padded_wide(begin, end, value);  // a '+', or not a number
  const auto magnitude = static_cast<std::int64_t>(swar::digits_value(word, len));
  *value = negative ? -magnitude : magnitude;
  return true;
}

// As parse_float64; [begin, end + 16) must be readable. An optional '-' and up to 8 digits with
// at most one point among them ("593.64", ".5", "7") take one word: the bytes after the point are
// loaded again one byte further, which drops the point ("593.64" -> digits 59364, 2 after the
// point). The mantissa (< 10^8) and the power of ten are exact doubles, so one division is
// correctly rounded: the same double as strtod. The rest goes to the general parser.
inline bool parse_float64_padded(const char* begin, const char* end, double* value) noexcept {
  static constexpr double kPowers[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8};
  const bool negative = *begin == '-';
  const char* digits = begin + (negative ? 1 : 0);
  const auto len = static_cast<std::size_t>(end - digits);
  const std::uint64_t word = swar::load8(digits);
  const std::uint64_t flags = swar::first_nondigit_flags(word);
  // 1-9 bytes with a non-digit among the first 8 (8 leading digits take the general path).
  if (len - 1 >= 9 || flags == 0) return parse_float64_padded_wide(begin, end, value);
  const auto point = static_cast<std::size_t>(__builtin_ctzll(flags)) / 8;  // 0..7
  std::uint64_t mantissa = 0;
  std::size_t frac_digits = 0;
  if (point >= len) {  // digits only (len <= 7)
    mantissa = swar::digits_value(word, len);
  } else {
    if (digits[point] != '.' || len < 2) return parse_float64_padded_wide(begin, end, value);
    const std::size_t count = len - 1;  // digits without the point, 1..8
    const std::uint64_t before = (std::uint64_t{1} << (8 * point)) - 1;
    const std::uint64_t merged = (word & before) | (swar::load8(digits + 1) & ~before);
    if ((swar::first_nondigit_flags(merged) << (8 * (8 - count))) != 0)
      return parse_float64_padded_wide(begin, end, value);  // "1.2.3", "1.5x", "1.e5"
    mantissa = swar::digits_value(merged, count);
    frac_digits = count - point;
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
// [begin, end + 8) must be readable. The eight digits are gathered from two words into one and
// checked at once, the dashes in the first word; the first step of the digits' lane combining
// gives the four two-digit numbers. A year in [1900, 2156) (nearly all real data) then takes one
// table lookup, other years go to table::parse_date. A call per field into the table library
// was a tenth of the reader's time on a file with one date column.
//
//   first  = "YYYY-MM-"   digits in bytes 0-3, 5, 6; '-' in bytes 4 and 7
//   second = "YY-MM-DD"   (from begin + 2) digits in bytes 6, 7
//   digits = "YYYYMMDD"   -> pairs (16-bit lanes): YY, YY, MM, DD
inline bool parse_date_padded(const char* begin, const char* end, std::int64_t* days) noexcept {
  constexpr std::uint64_t kDashMask = (std::uint64_t{0xFF} << 56) | (std::uint64_t{0xFF} << 32);
  constexpr std::uint64_t kDashes = (std::uint64_t{'-'} << 56) | (std::uint64_t{'-'} << 32);
  if (end - begin != 10) return false;
  const std::uint64_t first = swar::load8(begin);
  const std::uint64_t second = swar::load8(begin + 2);
  const std::uint64_t digits = (first & 0x00000000FFFFFFFFULL) |
                               ((first >> 8) & 0x0000FFFF00000000ULL) |
                               (second & 0xFFFF000000000000ULL);
  if ((swar::first_nondigit_flags(digits) | ((first & kDashMask) ^ kDashes)) != 0) return false;
  const std::uint64_t pairs =
      (((digits - 0x3030303030303030ULL) * 2561) >> 8) & 0x00FF00FF00FF00FFULL;
  const auto lane = [pairs](int idx) { return static_cast<unsigned>(pairs >> (16 * idx)) & 0xFF; };
  const unsigned year = lane(0) * 100 + lane(1);
  const unsigned month = lane(2);
  const unsigned day = lane(3);
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
