// The results table a table job prints on stdout (job/table_summary.hpp): alignment, nulls,
// the "more rows" note, and cells whose bytes would break a terminal's lines.
#include "table/table_summary.hpp"

#include <gtest/gtest.h>

namespace rankflow::job {
namespace {

table::Schema two_columns() {
  return table::Schema(
      {{"city", table::ColumnType::kString}, {"score", table::ColumnType::kFloat64}});
}

TEST(FormatRows, StringsLeftNumbersRightWidthsByCharacters) {
  const std::string text =
      format_rows(two_columns(), {{"Oslo", "3.5"}, {"Tromsø", "12"}, {"null", "null"}}, 3);
  EXPECT_EQ(text,
            "city    score\n"
            "Oslo      3.5\n"
            "Tromsø     12\n"
            "null     null\n");
}

TEST(FormatRows, SaysHowManyRowsWereLeftOut) {
  const std::string text = format_rows(two_columns(), {{"a", "1"}}, 51);
  EXPECT_EQ(text, "city  score\na         1\n... 50 more rows\n");
}

TEST(FormatRows, QuotedNewlinesAndControlBytesDoNotBreakTheTable) {
  const std::string text =
      format_rows(two_columns(),
                  {{"multi\nline", "5.5"}, {"tab\there\r", "1"}, {std::string("b\x01z"), "2"}}, 3);
  EXPECT_EQ(text,
            "city         score\n"
            "multi\\nline    5.5\n"
            "tab\\there\\r      1\n"
            "b\\x01z           2\n");
}

}  // namespace
}  // namespace rankflow::job
