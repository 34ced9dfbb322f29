#include "rankflow/table/datetime.hpp"

#include <fmt/format.h>

namespace rankflow::table {
namespace {

// Reads exactly `width` digits at text[pos]; false if any is not a digit.
bool digits(std::string_view text, std::size_t pos, std::size_t width, int* value) {
  if (pos + width > text.size()) return false;
  int result = 0;
  for (std::size_t idx = pos; idx < pos + width; ++idx) {
    const char ch = text[idx];
    if (ch < '0' || ch > '9') return false;
    result = result * 10 + (ch - '0');
  }
  *value = result;
  return true;
}

bool is_leap(std::int64_t year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

unsigned days_in_month(std::int64_t year, unsigned month) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap(year) ? 29 : kDays[month - 1];
}

// Days since 1970-01-01 of the first day of each month of the years [kTableFirstYear,
// kTableFirstYear + kTableYears), and the month's length: a parse of a date in those years (all
// real data, nearly) is three digit groups and one lookup.
constexpr int kTableFirstYear = 1900;
constexpr int kTableYears = 256;

struct MonthTable {
  std::int32_t first_day[kTableYears * 12];
  std::uint8_t length[kTableYears * 12];
};

MonthTable make_month_table() {
  MonthTable table{};
  for (int year = 0; year < kTableYears; ++year)
    for (unsigned month = 1; month <= 12; ++month) {
      const auto idx = static_cast<std::size_t>(year * 12) + month - 1;
      table.first_day[idx] =
          static_cast<std::int32_t>(days_from_civil(kTableFirstYear + year, month, 1));
      table.length[idx] = static_cast<std::uint8_t>(days_in_month(kTableFirstYear + year, month));
    }
  return table;
}

// Two ASCII digits at text[0..1] as a number, or a value above 99 when either is not a digit.
inline unsigned two_digits(const char* text) {
  const unsigned high = static_cast<unsigned char>(text[0]) - unsigned{'0'};
  const unsigned low = static_cast<unsigned char>(text[1]) - unsigned{'0'};
  return high > 9 || low > 9 ? 1000u : high * 10 + low;
}

}  // namespace

// Howard Hinnant's days_from_civil / civil_from_days (public domain algorithms).
std::int64_t days_from_civil(std::int64_t year, unsigned month, unsigned day) noexcept {
  year -= month <= 2 ? 1 : 0;
  const std::int64_t era = (year >= 0 ? year : year - 399) / 400;
  const auto yoe = static_cast<unsigned>(year - era * 400);
  const unsigned doy = (153 * (month + (month > 2 ? -3u : 9u)) + 2) / 5 + day - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void civil_from_days(std::int64_t days, std::int64_t* year, unsigned* month,
                     unsigned* day) noexcept {
  // days + 719468 (days from 0000-03-01), split into 400-year eras without overflowing for
  // any int64 (a date column of an HDF5 input may hold any value): the remainder of days is
  // in (-146097, 146097), so rem below is positive.
  std::int64_t era = days / 146097;
  std::int64_t rem = days % 146097 + 719468;
  era += rem / 146097;
  rem %= 146097;
  const auto doe = static_cast<unsigned>(rem);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *day = doy - (153 * mp + 2) / 5 + 1;
  *month = mp < 10 ? mp + 3 : mp - 9;
  *year = static_cast<std::int64_t>(yoe) + era * 400 + (*month <= 2 ? 1 : 0);
}

bool parse_date(std::string_view text, std::int64_t* days) noexcept {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
  static const MonthTable kMonths = make_month_table();
  const char* chars = text.data();
  const unsigned century = two_digits(chars);
  const unsigned year_low = two_digits(chars + 2);
  const unsigned month_of_year = two_digits(chars + 5);
  const unsigned day_of_month = two_digits(chars + 8);
  if (century <= 99 && year_low <= 99) {
    const int offset = static_cast<int>(century * 100 + year_low) - kTableFirstYear;
    if (offset >= 0 && offset < kTableYears) {
      if (month_of_year - 1 > 11) return false;  // also catches non-digits (1000)
      const auto idx = static_cast<std::size_t>(offset * 12) + month_of_year - 1;
      if (day_of_month - 1 >= kMonths.length[idx]) return false;
      *days = kMonths.first_day[idx] + static_cast<std::int64_t>(day_of_month) - 1;
      return true;
    }
  }
  int year = 0, month = 0, day = 0;
  if (!digits(text, 0, 4, &year) || !digits(text, 5, 2, &month) || !digits(text, 8, 2, &day))
    return false;
  if (month < 1 || month > 12 || day < 1 ||
      static_cast<unsigned>(day) > days_in_month(year, static_cast<unsigned>(month)))
    return false;
  *days = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  return true;
}

bool parse_timestamp(std::string_view text, std::int64_t* micros) noexcept {
  std::int64_t days = 0;
  if (text.size() < 10 || !parse_date(text.substr(0, 10), &days)) return false;
  std::int64_t seconds = days * 86400;
  std::int64_t fraction = 0;
  std::size_t pos = 10;
  if (pos < text.size()) {
    if (text[pos] != 'T' && text[pos] != ' ') return false;
    int hour = 0, minute = 0, second = 0;
    if (!digits(text, pos + 1, 2, &hour) || text.size() < pos + 6 || text[pos + 3] != ':' ||
        !digits(text, pos + 4, 2, &minute))
      return false;
    pos += 6;
    if (pos < text.size() && text[pos] == ':') {
      if (!digits(text, pos + 1, 2, &second)) return false;
      pos += 3;
      if (pos < text.size() && (text[pos] == '.' || text[pos] == ',')) {
        ++pos;
        std::int64_t scale = 100000;
        const std::size_t start = pos;
        while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
          if (scale > 0) fraction += (text[pos] - '0') * scale;
          scale /= 10;
          ++pos;
        }
        if (pos == start) return false;
      }
    }
    if (hour > 23 || minute > 59 || second > 60) return false;
    seconds += hour * 3600 + minute * 60 + second;
    if (pos < text.size()) {
      if (text[pos] == 'Z' && pos + 1 == text.size()) {
        ++pos;
      } else if ((text[pos] == '+' || text[pos] == '-') && text.size() == pos + 6 &&
                 text[pos + 3] == ':') {
        int off_hour = 0, off_minute = 0;
        if (!digits(text, pos + 1, 2, &off_hour) || !digits(text, pos + 4, 2, &off_minute))
          return false;
        // An offset is less than a day, with minutes below 60 (as Python's fromisoformat):
        // "+25:00" or "+02:99" is a typo, not a time zone.
        if (off_hour > 23 || off_minute > 59) return false;
        const std::int64_t offset = off_hour * 3600 + off_minute * 60;
        seconds -= text[pos] == '+' ? offset : -offset;
        pos = text.size();
      } else {
        return false;
      }
    }
  }
  *micros = seconds * 1000000 + fraction;
  return true;
}

std::string format_date(std::int64_t days) {
  std::int64_t year = 0;
  unsigned month = 0, day = 0;
  civil_from_days(days, &year, &month, &day);
  return fmt::format("{:04}-{:02}-{:02}", year, month, day);
}

std::string format_timestamp(std::int64_t micros) {
  std::int64_t seconds = micros / 1000000;
  std::int64_t fraction = micros % 1000000;
  if (fraction < 0) {
    fraction += 1000000;
    --seconds;
  }
  std::int64_t days = seconds / 86400;
  std::int64_t in_day = seconds % 86400;
  if (in_day < 0) {
    in_day += 86400;
    --days;
  }
  std::string out = fmt::format("{}T{:02}:{:02}:{:02}", format_date(days), in_day / 3600,
                                in_day / 60 % 60, in_day % 60);
  if (fraction != 0) out += fmt::format(".{:06}", fraction);
  return out;
}

}  // namespace rankflow::table
