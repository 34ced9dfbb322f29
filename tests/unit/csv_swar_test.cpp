// The padded (SWAR) number parsers of the CSV reader against the general ones: the same
// verdict and the same value for every text, whatever bytes follow the field in the buffer.
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "io/csv/padded_parse.hpp"

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

}  // namespace
}  // namespace rankflow::io::csv
