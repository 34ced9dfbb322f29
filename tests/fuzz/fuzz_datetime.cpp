// fuzz_datetime: ISO 8601 dates and timestamps (src/table/datetime.cpp). Whatever parses must
// format to a text that parses back to the same value.
#include <string>
#include <string_view>

#include "fuzz_support.hpp"
#include "rankflow/table/datetime.hpp"

namespace rankflow::fuzz::datetime {

int fuzz_one(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::int64_t days = 0;
  if (table::parse_date(text, &days)) {
    std::int64_t again = 0;
    fuzz_check(table::parse_date(table::format_date(days), &again) && again == days,
               "a parsed date formats and parses back");
  }
  std::int64_t micros = 0;
  if (table::parse_timestamp(text, &micros)) {
    std::int64_t again = 0;
    fuzz_check(table::parse_timestamp(table::format_timestamp(micros), &again) && again == micros,
               "a parsed timestamp formats and parses back");
  }
  return 0;
}

}  // namespace rankflow::fuzz::datetime
