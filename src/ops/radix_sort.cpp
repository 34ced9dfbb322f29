#include "radix_sort.hpp"

#include <array>
#include <cstring>

namespace rankflow::ops {
namespace {

std::uint64_t float_key(double value) {
  if (value != value) value = __builtin_nan("");  // every NaN one value, above +inf
  if (value == 0.0) value = 0.0;                  // -0.0 sorts with 0.0
  std::uint64_t bits;
  std::memcpy(&bits, &value, 8);
  constexpr std::uint64_t kSign = std::uint64_t{1} << 63;
  return (bits & kSign) != 0 ? ~bits : bits | kSign;
}

template <typename KeyOf>
void collect(const table::Column& column, bool descending, KeyOf key_of,
             std::vector<KeyedRow>& items, std::vector<std::uint32_t>& nulls) {
  const std::uint64_t flip = descending ? ~std::uint64_t{0} : 0;
  const std::uint8_t* valid = column.validity();
  const std::size_t rows = column.size();
  for (std::size_t row = 0; row < rows; ++row) {
    if (valid != nullptr && valid[row] == 0)
      nulls.push_back(static_cast<std::uint32_t>(row));
    else
      items.push_back({key_of(row) ^ flip, static_cast<std::uint32_t>(row)});
  }
}

}  // namespace

void radix_sort(std::vector<KeyedRow>& items, std::vector<KeyedRow>& scratch) {
  const std::size_t count = items.size();
  std::array<std::array<std::size_t, 256>, 8> histograms{};
  for (const KeyedRow& item : items)
    for (std::size_t byte = 0; byte < 8; ++byte)
      ++histograms[byte][(item.key >> (8 * byte)) & 0xff];
  scratch.resize(count);
  for (std::size_t byte = 0; byte < 8; ++byte) {
    std::array<std::size_t, 256>& histogram = histograms[byte];
    if (histogram[(items.empty() ? 0 : (items[0].key >> (8 * byte)) & 0xff)] == count) continue;
    std::size_t running = 0;
    for (std::size_t& bucket : histogram) {
      const std::size_t here = bucket;
      bucket = running;
      running += here;
    }
    for (const KeyedRow& item : items) scratch[histogram[(item.key >> (8 * byte)) & 0xff]++] = item;
    items.swap(scratch);
  }
}

void sortable_keys(const table::Column& column, bool descending, std::vector<KeyedRow>& items,
                   std::vector<std::uint32_t>& nulls) {
  switch (column.type()) {
    case table::ColumnType::kFloat64: {
      const double* values = column.f64();
      collect(
          column, descending, [values](std::size_t row) { return float_key(values[row]); }, items,
          nulls);
      return;
    }
    case table::ColumnType::kBool: {
      const std::uint8_t* values = column.u8();
      collect(
          column, descending, [values](std::size_t row) -> std::uint64_t { return values[row]; },
          items, nulls);
      return;
    }
    default: {
      const std::int64_t* values = column.i64();
      collect(
          column, descending,
          [values](std::size_t row) {
            return static_cast<std::uint64_t>(values[row]) ^ (std::uint64_t{1} << 63);
          },
          items, nulls);
      return;
    }
  }
}

}  // namespace rankflow::ops
