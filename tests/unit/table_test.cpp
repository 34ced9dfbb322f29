#include "rankflow/table/table.hpp"

#include <gtest/gtest.h>

#include "rankflow/core/error.hpp"
#include "rankflow/table/datetime.hpp"

namespace rankflow::table {
namespace {

TEST(Column, AppendNullsAndFormat) {
  Column ints(ColumnType::kInt64);
  ints.append_i64(5);
  ints.append_null();
  ints.append_i64(-7);
  EXPECT_EQ(ints.size(), 3u);
  EXPECT_EQ(ints.null_count(), 1u);
  EXPECT_TRUE(ints.is_valid(0));
  EXPECT_FALSE(ints.is_valid(1));
  EXPECT_EQ(ints.i64()[1], 0);  // null slots hold zero
  EXPECT_EQ(ints.format(2), "-7");
  EXPECT_EQ(ints.format(1), "");

  Column text(ColumnType::kString);
  text.append_string("a,b");
  text.append_null();
  text.append_string("");
  EXPECT_EQ(text.str(0), "a,b");
  EXPECT_EQ(text.str(2), "");
  EXPECT_FALSE(text.is_valid(1));
  EXPECT_TRUE(text.is_valid(2));

  Column reals(ColumnType::kFloat64);
  reals.append_f64(0.1);
  reals.append_f64(1e300);
  EXPECT_EQ(reals.format(0), "0.1");
  EXPECT_EQ(reals.format(1), "1e+300");
}

TEST(Column, ClearKeepsCapacity) {
  Column reals(ColumnType::kFloat64);
  for (int idx = 0; idx < 1000; ++idx) reals.append_f64(idx);
  const std::size_t bytes = reals.memory_bytes();
  reals.clear();
  EXPECT_EQ(reals.size(), 0u);
  EXPECT_EQ(reals.memory_bytes(), bytes);
}

TEST(Table, FilterAndLookup) {
  Table table(Schema({{"k", ColumnType::kString}, {"v", ColumnType::kInt64}}));
  for (int idx = 0; idx < 5; ++idx) {
    table.column(0).append_string("k" + std::to_string(idx));
    table.column(1).append_i64(idx);
  }
  Table kept = table.filter({1, 0, 1, 0, 1});
  EXPECT_EQ(kept.num_rows(), 3u);
  EXPECT_EQ(kept.column("k").str(1), "k2");
  EXPECT_THROW(table.column("missing"), Error);
}

// Every day from 1583 to 2399 (inside and outside the month table's years) reads back to the
// day it was formatted from, and every impossible day of those years is refused.
TEST(DateTime, EveryDayOfFourCenturiesRoundTrips) {
  const std::int64_t first = days_from_civil(1583, 1, 1);
  const std::int64_t last = days_from_civil(2399, 12, 31);
  for (std::int64_t day = first; day <= last; ++day) {
    std::int64_t parsed = 0;
    const std::string text = format_date(day);
    ASSERT_TRUE(parse_date(text, &parsed)) << text;
    ASSERT_EQ(parsed, day) << text;
  }
  std::int64_t parsed = 0;
  for (int year = 1583; year <= 2399; ++year) {
    const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    const std::string prefix = std::to_string(year) + "-";
    EXPECT_EQ(parse_date(prefix + "02-29", &parsed), leap) << year;
    for (const char* bad : {"02-30", "04-31", "12-32", "00-10", "13-01", "01-00", "1a-01", "01-0x",
                            "-1-01", "01-+1", "09-31", "11-31"})
      EXPECT_FALSE(parse_date(prefix + bad, &parsed)) << prefix + bad;
  }
  for (const char* bad : {"19x0-01-01", "+970-01-01", "2024/01/01", "2024-01-01 ", "20240101"})
    EXPECT_FALSE(parse_date(bad, &parsed)) << bad;
}

TEST(DateTime, RoundTrips) {
  std::int64_t days = 0;
  ASSERT_TRUE(parse_date("1970-01-01", &days));
  EXPECT_EQ(days, 0);
  ASSERT_TRUE(parse_date("2024-02-29", &days));
  EXPECT_EQ(format_date(days), "2024-02-29");
  EXPECT_FALSE(parse_date("2023-02-29", &days));
  EXPECT_FALSE(parse_date("2023-13-01", &days));
  EXPECT_FALSE(parse_date("2023-1-01", &days));
  ASSERT_TRUE(parse_date("1969-12-31", &days));
  EXPECT_EQ(days, -1);

  std::int64_t micros = 0;
  ASSERT_TRUE(parse_timestamp("2024-02-29T13:45:00", &micros));
  EXPECT_EQ(format_timestamp(micros), "2024-02-29T13:45:00");
  ASSERT_TRUE(parse_timestamp("2024-02-29 13:45:00.25", &micros));
  EXPECT_EQ(format_timestamp(micros), "2024-02-29T13:45:00.250000");
  ASSERT_TRUE(parse_timestamp("2024-02-29T14:45:00+01:00", &micros));
  EXPECT_EQ(format_timestamp(micros), "2024-02-29T13:45:00");
  ASSERT_TRUE(parse_timestamp("2024-02-29T13:45:00Z", &micros));
  ASSERT_TRUE(parse_timestamp("2024-02-29", &micros));
  EXPECT_EQ(micros % (86400LL * 1000000), 0);
  EXPECT_FALSE(parse_timestamp("2024-02-29T25:00:00", &micros));
  EXPECT_FALSE(parse_timestamp("2024-02-29T13:45:00 junk", &micros));
}

// "+25:00" and "+02:99" were read as offsets of 25 hours and of 2 hours 99 minutes: a typo in
// a time zone silently moved the instant instead of being a bad value.
TEST(DateTime, OffsetsOutOfRangeAreNotTimestamps) {
  std::int64_t micros = 0;
  EXPECT_FALSE(parse_timestamp("2024-02-29T13:45:00+25:00", &micros));
  EXPECT_FALSE(parse_timestamp("2024-02-29T13:45:00+24:00", &micros));
  EXPECT_FALSE(parse_timestamp("2024-02-29T13:45:00+02:99", &micros));
  EXPECT_FALSE(parse_timestamp("2024-02-29T13:45:00-05:60", &micros));
  ASSERT_TRUE(parse_timestamp("2024-02-29T13:45:00+23:59", &micros));
  EXPECT_EQ(format_timestamp(micros), "2024-02-28T13:46:00");
  ASSERT_TRUE(parse_timestamp("2024-02-29T13:45:00-14:00", &micros));
  EXPECT_EQ(format_timestamp(micros), "2024-03-01T03:45:00");
}

}  // namespace
// The documented edges (docs/csv.md): a leap second is the next second; fraction digits past
// the sixth are dropped (the earlier microsecond), also before 1970.
TEST(DateTime, LeapSecondsAndLongFractions) {
  std::int64_t micros = 0;
  ASSERT_TRUE(parse_timestamp("2016-12-31T23:59:60Z", &micros));
  EXPECT_EQ(format_timestamp(micros), "2017-01-01T00:00:00");
  ASSERT_TRUE(parse_timestamp("2024-02-29T13:45:00.1234569", &micros));
  EXPECT_EQ(format_timestamp(micros), "2024-02-29T13:45:00.123456");
  ASSERT_TRUE(parse_timestamp("1969-12-31T23:59:59.9999999", &micros));
  EXPECT_EQ(micros, -1);
  EXPECT_FALSE(parse_timestamp("2016-12-31T23:59:61", &micros));
}

}  // namespace rankflow::table
