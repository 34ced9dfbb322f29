// ISO 8601 dates and timestamps, as stored in date and timestamp columns.
//   date:       "2024-02-29"                          -> days since 1970-01-01
//   timestamp:  "2024-02-29T13:45:00", "2024-02-29 13:45:00.250", with an optional "Z" or
//               "+01:00" offset (converted to UTC)     -> microseconds since the epoch, UTC
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace rankflow::table {

bool parse_date(std::string_view text, std::int64_t* days) noexcept;
bool parse_timestamp(std::string_view text, std::int64_t* micros) noexcept;
std::string format_date(std::int64_t days);
std::string format_timestamp(std::int64_t micros);  // "2024-02-29T13:45:00" (+ ".250000")

std::int64_t days_from_civil(std::int64_t year, unsigned month, unsigned day) noexcept;
void civil_from_days(std::int64_t days, std::int64_t* year, unsigned* month, unsigned* day) noexcept;

}  // namespace rankflow::table
