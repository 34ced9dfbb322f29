#include "scan.hpp"

#include <cstdlib>
#include <cstring>

namespace rankflow::io::csv {

std::uint64_t count_newlines_avx2(const char*, std::size_t);
std::uint64_t count_newlines_sse2(const char*, std::size_t);

namespace {

// Decided once. RANKFLOW_CSV_KERNEL=sse2 forces the baseline.
bool use_avx2() {
  static const bool avx2 = [] {
    const char* forced = std::getenv("RANKFLOW_CSV_KERNEL");
    if (forced != nullptr && std::strcmp(forced, "sse2") == 0) return false;
    return scan_has_avx2();
  }();
  return avx2;
}

}  // namespace

bool scan_has_avx2() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi") &&
         __builtin_cpu_supports("popcnt");
}

std::size_t index_structurals(const char* buf, std::size_t size, char delimiter, int quote,
                              std::uint32_t* out, std::uint32_t* newlines,
                              std::size_t* newline_count, bool* in_quotes, bool* saw_quote) {
  return use_avx2() ? index_structurals_avx2(buf, size, delimiter, quote, out, newlines,
                                             newline_count, in_quotes, saw_quote)
                    : index_structurals_sse2(buf, size, delimiter, quote, out, newlines,
                                             newline_count, in_quotes, saw_quote);
}

void count_segment(const char* buf, std::size_t size, int quote, std::uint64_t offset,
                   SegmentCounts* counts) {
  if (use_avx2())
    count_segment_avx2(buf, size, quote, offset, counts);
  else
    count_segment_sse2(buf, size, quote, offset, counts);
}

std::uint64_t count_newlines(const char* buf, std::size_t size) {
  return use_avx2() ? count_newlines_avx2(buf, size) : count_newlines_sse2(buf, size);
}

const char* scan_kernel_name() { return use_avx2() ? "avx2" : "sse2"; }

}  // namespace rankflow::io::csv
