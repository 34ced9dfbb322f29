// The padded (SWAR) number parsers of the CSV reader against the general ones: the same
// verdict and the same value for every text, whatever bytes follow the field in the buffer.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "io/csv/padded_parse.hpp"
#include "rankflow/table/datetime.hpp"

namespace rankflow::io::csv {
namespace {

// `text` at an odd offset of a buffer, followed by `after` and then padding bytes, as a field
// sits in a record buffer (the byte after it is normally a separator, but any byte must do).
class Padded {
 public:
  Padded(const std::string& text, const std::string& after) {
    bytes_.assign(3, 'x');
    bytes_.insert(bytes_.end(), text.begin(), text.end());
    bytes_.insert(bytes_.end(), after.begin(), after.end());
    bytes_.resize(bytes_.size() + 24, 'x');
    begin_ = bytes_.data() + 3;
    end_ = begin_ + text.size();
  }
  const char* begin() const { return begin_; }
  const char* end() const { return end_; }

 private:
  std::vector<char> bytes_;
  const char* begin_;
  const char* end_;
};

const char* const kAfter[] = {",", "\n", "\r\n", "\"", "12345678", "9", ".5", "e5", ""};

void expect_same_int(const std::string& text) {
  for (const char* after : kAfter) {
    const Padded field(text, after);
    std::int64_t expected = -1;
    std::int64_t got = -2;
    const bool expected_ok = parse_int64(field.begin(), field.end(), &expected);
    const bool got_ok = parse_int64_padded(field.begin(), field.end(), &got);
    ASSERT_EQ(got_ok, expected_ok) << "'" << text << "' then '" << after << "'";
    if (expected_ok) {
      ASSERT_EQ(got, expected) << "'" << text << "' then '" << after << "'";
    }
  }
}

void expect_same_float(const std::string& text) {
  for (const char* after : kAfter) {
    const Padded field(text, after);
    double expected = -1;
    double got = -2;
    const bool expected_ok = parse_float64(field.begin(), field.end(), &expected);
    const bool got_ok = parse_float64_padded(field.begin(), field.end(), &got);
    ASSERT_EQ(got_ok, expected_ok) << "'" << text << "' then '" << after << "'";
    if (expected_ok) {  // bit for bit: -0.0 and 0.0 differ
      ASSERT_EQ(std::memcmp(&got, &expected, sizeof got), 0)
          << "'" << text << "' then '" << after << "': " << got << " vs " << expected;
    }
  }
}

TEST(CsvSwar, IntEdgeCases) {
  for (const char* text :
       {"0", "7", "-7", "+7", "-0", "+0", "007", "-007", "00000000", "000000000000000042",
        "12345678", "123456789", "-123456789", "1234567890123456", "-1234567890123456",
        "12345678901234567", "999999999999999999", "9223372036854775807", "-9223372036854775808",
        "9223372036854775808", "-9223372036854775809", "99999999999999999999",
        "0000000000000000000000000000001", "", "-", "+", "+-1", "-+1", "1-", "1.0", "1e3", " 1",
        "1 ", "0x1", "12a45678", "1234567a", "a2345678", "123456789a", "12345678a", "1234567/",
        "1234567:", "/", ":", "12\xff", "\xff", "١٢"})
    expect_same_int(text);
}

TEST(CsvSwar, IntDigitCountsAndBytes) {
  std::mt19937_64 rng(17);
  for (int round = 0; round < 100000; ++round) {
    std::string text;
    const int sign = static_cast<int>(rng() % 4);
    if (sign == 1) text += '-';
    if (sign == 2) text += '+';
    const int digits = static_cast<int>(rng() % 22);
    for (int idx = 0; idx < digits; ++idx) text += static_cast<char>('0' + rng() % 10);
    if (!text.empty() && rng() % 8 == 0)  // one byte replaced by anything
      text[rng() % text.size()] = static_cast<char>(rng() % 256);
    expect_same_int(text);
  }
}

TEST(CsvSwar, FloatEdgeCases) {
  for (const char* text :
       {"0", "-0", "+0", "0.0", "-0.0", ".5", "-.5", "5.", "-5.", ".", "-.", "", "-", "+",
        "593.64", "3825.28", "0.05", "1234567.12345678", "12345678.5", "1234567.123456789",
        "9999999.99999999", "0.00000001", "00000000.1", "1e5", "1.5e3", "1.5E-3", "1.", "inf",
        "-inf", "nan", "1.2.3", "1,5", "1 ", " 1", "1.5x", "x1.5", "+-1", "12345678",
        "123456789012345678901234567890", "1.7976931348623157e308", "4.9e-324", "1e400",
        "0.1234567a", "1234567.", "1234567.1234567/", "1.:", "12\xff.5"})
    expect_same_float(text);
}

TEST(CsvSwar, FloatDigitCountsAndBytes) {
  std::mt19937_64 rng(23);
  for (int round = 0; round < 100000; ++round) {
    std::string text = (rng() & 1) ? "-" : "";
    const int int_digits = static_cast<int>(rng() % 11);
    const int frac_digits = static_cast<int>(rng() % 11);
    for (int idx = 0; idx < int_digits; ++idx) text += static_cast<char>('0' + rng() % 10);
    if (rng() % 5 != 0) text += '.';
    for (int idx = 0; idx < frac_digits; ++idx) text += static_cast<char>('0' + rng() % 10);
    if (rng() % 10 == 0) text += fmt::format("e{}", static_cast<int>(rng() % 40) - 20);
    if (!text.empty() && rng() % 8 == 0)
      text[rng() % text.size()] = static_cast<char>(rng() % 256);
    expect_same_float(text);
  }
}

// The one-word decimal path ("593.64": up to 8 digits and a point) against strtod itself,
// bit for bit, over every split of the digits around the point.
TEST(CsvSwar, ShortDecimalsMatchStrtod) {
  std::mt19937_64 rng(31);
  for (int round = 0; round < 400000; ++round) {
    const int digits = 1 + static_cast<int>(rng() % 8);
    std::string text = (rng() % 4 == 0) ? "-" : "";
    const int point = static_cast<int>(rng() % static_cast<std::uint64_t>(digits + 2)) - 1;
    for (int idx = 0; idx < digits; ++idx) {
      if (idx == point) text += '.';
      text += static_cast<char>('0' + rng() % 10);
    }
    if (point == digits) text += '.';
    const Padded field(text, kAfter[rng() % (sizeof kAfter / sizeof kAfter[0])]);
    double got = -1;
    ASSERT_TRUE(parse_float64_padded(field.begin(), field.end(), &got)) << text;
    const double expected = std::strtod(text.c_str(), nullptr);
    ASSERT_EQ(std::memcmp(&got, &expected, sizeof got), 0) << text << ": " << got;
  }
}

void expect_same_date(const std::string& text) {
  for (const char* after : kAfter) {
    const Padded field(text, after);
    std::int64_t expected = -1;
    std::int64_t got = -2;
    const bool expected_ok = table::parse_date(text, &expected);
    const bool got_ok = parse_date_padded(field.begin(), field.end(), &got);
    ASSERT_EQ(got_ok, expected_ok) << "'" << text << "' then '" << after << "'";
    if (expected_ok) {
      ASSERT_EQ(got, expected) << "'" << text << "' then '" << after << "'";
    }
  }
}

TEST(CsvSwar, DateEdgeCases) {
  for (const char* text :
       {"1970-01-01", "1969-12-31", "2024-02-29", "2023-02-29", "2000-02-29", "1900-02-29",
        "2100-02-29", "2400-02-29", "0000-01-01", "0000-02-29", "0000-03-01", "0001-01-01",
        "9999-12-31", "0399-12-31", "0400-02-29", "2024-12-31", "2024-13-01", "2024-00-10",
        "2024-01-00", "2024-01-32", "2024-04-31", "2024-06-30", "2024-1-01", "2024-01-1",
        "24-01-01", "2024/01/01", "2024-01-01T", "2024-01-01 ", " 2024-01-01", "2024-0a-01",
        "2024-01-0a", "202a-01-01", "a024-01-01", "2024--1-01", "2024-01--1", "+024-01-01",
        "2024-01-01\r", "", "-", "2024_01-01", "2024-01_01", "\xff" "024-01-01", "2024-01-\xff" "1"})
    expect_same_date(text);
}

// Every month and day number from 00 to 32 in years across the calendar's cycles, and texts
// with one byte replaced: the padded parser agrees with table::parse_date on each.
TEST(CsvSwar, DatesEveryDayAndByte) {
  std::vector<int> years;
  for (int year = 0; year <= 9999; year += (year < 2500 ? 1 : 7)) years.push_back(year);
  for (const int year : years)
    for (int month = 0; month <= 13; ++month)
      for (int day = 0; day <= 32; ++day) {
        const std::string text = fmt::format("{:04}-{:02}-{:02}", year, month, day);
        std::int64_t expected = -1;
        std::int64_t got = -2;
        const bool expected_ok = table::parse_date(text, &expected);
        const Padded field(text, ",");
        ASSERT_EQ(parse_date_padded(field.begin(), field.end(), &got), expected_ok) << text;
        if (expected_ok) {
          ASSERT_EQ(got, expected) << text;
        }
      }
  std::mt19937_64 rng(29);
  for (int round = 0; round < 100000; ++round) {
    std::string text = fmt::format("{:04}-{:02}-{:02}", rng() % 10000, 1 + rng() % 12, 1 + rng() % 31);
    text[rng() % text.size()] = static_cast<char>(rng() % 256);
    if (rng() % 16 == 0) text.erase(rng() % text.size(), 1);
    expect_same_date(text);
  }
}

}  // namespace
}  // namespace rankflow::io::csv
