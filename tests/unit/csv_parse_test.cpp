// The CSV reader's byte kernels and field parsers against simple references.
#include <gtest/gtest.h>

#include <limits>
#include <utility>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "io/csv/field_parse.hpp"
#include "io/csv/scan.hpp"
#include "rankflow/io/csv/csv_options.hpp"

namespace rankflow::io::csv {
namespace {

using table::ColumnType;

// The structurals' offsets and, in *newlines, the positions among them of the newlines.
std::vector<std::uint32_t> scalar_structurals(const std::string& text, char delimiter, char quote,
                                              bool* in_quotes,
                                              std::vector<std::uint32_t>* newlines = nullptr) {
  std::vector<std::uint32_t> out;
  for (std::size_t pos = 0; pos < text.size(); ++pos) {
    if (text[pos] == quote) *in_quotes = !*in_quotes;
    else if (!*in_quotes && (text[pos] == delimiter || text[pos] == '\n')) {
      if (text[pos] == '\n' && newlines != nullptr)
        newlines->push_back(static_cast<std::uint32_t>(out.size()));
      out.push_back(static_cast<std::uint32_t>(pos));
    }
  }
  return out;
}

std::string random_bytes(std::mt19937_64& rng, std::size_t size) {
  const char alphabet[] = {'a', ',', '"', '\n', '\r', 'x', ';', '\xC3', '\xA9', ' '};
  std::string text;
  for (std::size_t idx = 0; idx < size; ++idx) text += alphabet[rng() % sizeof(alphabet)];
  return text;
}

// Several KiB of dense stretches (a structural in most bytes) and sparse ones (long fields) in
// turn, with a few quotes: the index kernel picks its write width per 4 KiB segment from the
// previous segment's density, so this crosses segments of both widths, with quoted regions
// across their ends.
std::string mixed_density_bytes(std::mt19937_64& rng) {
  std::string text;
  const std::size_t size = 3 * 4096 + rng() % 8192;
  while (text.size() < size) {
    const bool dense = (rng() & 1) != 0;
    const std::size_t stretch = 500 + rng() % 6000;
    for (std::size_t idx = 0; idx < stretch; ++idx) {
      const std::uint64_t pick = rng() % (dense ? 16 : 400);
      text += pick < 8 ? ',' : pick < 11 ? '\n' : pick == 11 ? '"' : 'a';
    }
  }
  return text;
}

using IndexFn = std::size_t (*)(const char*, std::size_t, char, int, std::uint32_t*,
                                std::uint32_t*, std::size_t*, bool*, bool*);
using CountFn = void (*)(const char*, std::size_t, int, std::uint64_t, SegmentCounts*);

void check_kernels(IndexFn index, CountFn count) {
  std::mt19937_64 rng(5);
  for (int round = 0; round < 2000; ++round) {
    // Sizes up to 300 bytes (every tenth text: several KiB); every fourth text has rows of one to three bytes (up to 64
    // newlines in a chunk), where the kernels' fixed-count writes run out.
    std::string text = round % 10 == 9 ? mixed_density_bytes(rng) : random_bytes(rng, rng() % 300);
    if (round % 4 == 1)
      for (std::size_t pos = 0; pos < text.size(); pos += 1 + rng() % 3) text[pos] = '\n';
    std::vector<char> padded(text.begin(), text.end());
    padded.resize(text.size() + kScanPadding, '"');  // padding bytes must be ignored
    bool start_inside = (rng() & 1) != 0;
    bool expected_inside = start_inside;
    std::vector<std::uint32_t> expected_newlines;
    const auto expected =
        scalar_structurals(text, ',', '"', &expected_inside, &expected_newlines);
    std::vector<std::uint32_t> out(text.size() + kScanPadding + 1);
    std::vector<std::uint32_t> newline_out(text.size() + kScanPadding + 1);
    std::size_t newline_count = 0;
    bool saw_quote = false;
    const std::size_t found = index(padded.data(), text.size(), ',', '"', out.data(),
                                    newline_out.data(), &newline_count, &start_inside, &saw_quote);
    out.resize(found);
    newline_out.resize(newline_count);
    ASSERT_EQ(out, expected) << "round " << round;
    ASSERT_EQ(newline_out, expected_newlines) << "round " << round;
    EXPECT_EQ(start_inside, expected_inside);
    EXPECT_EQ(saw_quote, text.find('"') != std::string::npos);

    // Counts, in two calls to check the carry between blocks.
    SegmentCounts counts;
    const std::size_t half = text.size() / 2;
    count(padded.data(), half, '"', 0, &counts);
    std::vector<char> rest(text.begin() + static_cast<long>(half), text.end());
    rest.resize(rest.size() + kScanPadding, '\n');
    count(rest.data(), text.size() - half, '"', half, &counts);
    std::uint64_t quotes = 0, newlines = 0;
    std::uint64_t candidate[2] = {kNotFound, kNotFound}, lines[2] = {0, 0};
    for (std::size_t pos = 0; pos < text.size(); ++pos) {
      if (text[pos] == '\n') {
        const int parity = static_cast<int>(quotes & 1);
        if (candidate[parity] == kNotFound) {
          candidate[parity] = pos;
          lines[parity] = newlines;
        }
        ++newlines;
      }
      if (text[pos] == '"') ++quotes;
    }
    EXPECT_EQ(counts.quotes, quotes);
    EXPECT_EQ(counts.newlines, newlines);
    for (int parity = 0; parity < 2; ++parity) {
      EXPECT_EQ(counts.candidate[parity], candidate[parity]) << "round " << round;
      if (candidate[parity] != kNotFound) {
        EXPECT_EQ(counts.candidate_lines[parity], lines[parity]);
      }
    }
  }
}

TEST(CsvScan, Sse2KernelsMatchTheScalarReference) {
  check_kernels(index_structurals_sse2, count_segment_sse2);
}

TEST(CsvScan, Avx2KernelsMatchTheScalarReference) {
  if (!scan_has_avx2()) GTEST_SKIP() << "no AVX2 on this CPU";
  check_kernels(index_structurals_avx2, count_segment_avx2);
}

TEST(CsvScan, NoQuoteMeansQuotesAreData) {
  const std::string text = "a,\"b,c\"\nd";
  std::vector<char> padded(text.begin(), text.end());
  padded.resize(text.size() + kScanPadding);
  std::vector<std::uint32_t> out(text.size() + kScanPadding);
  std::vector<std::uint32_t> newlines(text.size() + kScanPadding);
  std::size_t newline_count = 0;
  bool inside = false, saw = false;
  const std::size_t found = index_structurals(padded.data(), text.size(), ',', io::kNoQuote,
                                              out.data(), newlines.data(), &newline_count,
                                              &inside, &saw);
  out.resize(found);
  EXPECT_EQ(out, (std::vector<std::uint32_t>{1, 4, 7}));
  ASSERT_EQ(newline_count, 1u);
  EXPECT_EQ(newlines[0], 2u);
  EXPECT_FALSE(saw);
}

double strtod_of(const std::string& text) { return std::strtod(text.c_str(), nullptr); }

TEST(CsvFields, FloatsMatchStrtodExactly) {
  std::mt19937_64 rng(9);
  for (int round = 0; round < 200000; ++round) {
    std::string text = (rng() & 1) ? "-" : "";
    const int digits = 1 + static_cast<int>(rng() % 20);
    const int point = static_cast<int>(rng() % static_cast<std::uint64_t>(digits + 1));
    for (int idx = 0; idx < digits; ++idx) {
      if (idx == point && idx > 0) text += '.';
      text += static_cast<char>('0' + rng() % 10);
    }
    if (rng() % 4 == 0) text += fmt::format("e{}", static_cast<int>(rng() % 80) - 40);
    double value = 0;
    ASSERT_TRUE(parse_float64(text.data(), text.data() + text.size(), &value)) << text;
    const double expected = strtod_of(text);
    ASSERT_EQ(std::memcmp(&value, &expected, sizeof value), 0) << text;
  }
}

TEST(CsvFields, FloatForms) {
  auto parse = [](const std::string& text, double* value) {
    return parse_float64(text.data(), text.data() + text.size(), value);
  };
  double value = 0;
  for (const char* good : {"1", "+1.5", ".5", "5.", "1e5", "1E-5", "-0", "inf", "-inf", "nan",
                           "4.9e-324", "1.7976931348623157e308", "123456789012345678901234567890"}) {
    EXPECT_TRUE(parse(good, &value)) << good;
    if (std::string(good) != "nan") {
      EXPECT_EQ(value, strtod_of(good)) << good;
    }
  }
  for (const char* bad : {"", "-", "+", ".", "1e", "1e+", "0x10", " 1", "1 ", "1,5", "+-1",
                          "abc", "1.2.3", "1e400x"})
    EXPECT_FALSE(parse(bad, &value)) << bad;
  // Out of range, as pandas and DuckDB: too large is +-inf, too small +-0; subnormals are
  // rounded correctly (ties to even at half the smallest one).
  const double inf = std::numeric_limits<double>::infinity();
  const double tiny = std::numeric_limits<double>::denorm_min();
  const std::pair<const char*, double> edges[] = {
      {"1e309", inf},       {"-1e309", -inf},        {"1e400", inf},
      {"123.4e999999999", inf}, {"1e-400", 0.0},     {"-1e-400", -0.0},
      {"0.0001e-320", 0.0}, {"2.4703282292062327e-324", 0.0},
      {"2.4703282292062328e-324", tiny}, {"9.9e-324", 2 * tiny}, {"7.4e-324", tiny}, {"1e-320", 1e-320},
      {"2.2250738585072011e-308", 2.2250738585072009e-308}};
  for (const auto& [text, expected] : edges) {
    ASSERT_TRUE(parse(text, &value)) << text;
    EXPECT_EQ(value, expected) << text;
    EXPECT_EQ(std::signbit(value), std::signbit(expected)) << text;
    EXPECT_EQ(value, strtod_of(text)) << text;
  }
  EXPECT_TRUE(parse("-0.0", &value));
  EXPECT_TRUE(std::signbit(value));
}

TEST(CsvFields, Ints) {
  auto parse = [](const std::string& text, std::int64_t* value) {
    return parse_int64(text.data(), text.data() + text.size(), value);
  };
  std::int64_t value = 0;
  EXPECT_TRUE(parse("9223372036854775807", &value));
  EXPECT_EQ(value, INT64_MAX);
  EXPECT_TRUE(parse("-9223372036854775808", &value));
  EXPECT_EQ(value, INT64_MIN);
  EXPECT_TRUE(parse("000000000000000000000042", &value));
  EXPECT_EQ(value, 42);
  EXPECT_TRUE(parse("+7", &value));
  EXPECT_EQ(value, 7);
  for (const char* bad : {"9223372036854775808", "-9223372036854775809", "99999999999999999999",
                          "", "-", "1.0", "1e3", " 1", "0x1"})
    EXPECT_FALSE(parse(bad, &value)) << bad;
}

TEST(CsvFields, TypeInference) {
  EXPECT_EQ(narrowest_type(fitting_types("12")), ColumnType::kInt64);
  EXPECT_EQ(narrowest_type(fitting_types("1.5")), ColumnType::kFloat64);
  EXPECT_EQ(narrowest_type(fitting_types("12") & fitting_types("1.5")), ColumnType::kFloat64);
  EXPECT_EQ(narrowest_type(fitting_types("True")), ColumnType::kBool);
  EXPECT_EQ(narrowest_type(fitting_types("true") & fitting_types("1")), ColumnType::kString);
  EXPECT_EQ(narrowest_type(fitting_types("2024-02-29")), ColumnType::kDate);
  EXPECT_EQ(narrowest_type(fitting_types("2024-02-30")), ColumnType::kString);
  EXPECT_EQ(narrowest_type(fitting_types("2024-02-29") & fitting_types("2024-03-01T10:00:00Z")),
            ColumnType::kTimestamp);
  EXPECT_EQ(narrowest_type(fitting_types("2024-02-29") & fitting_types("7")), ColumnType::kString);
  EXPECT_EQ(narrowest_type(fitting_types("abc")), ColumnType::kString);
}

}  // namespace
}  // namespace rankflow::io::csv
