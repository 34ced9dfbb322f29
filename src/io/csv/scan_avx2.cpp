// AVX2 build of the scan kernels (this file is compiled with -mavx2 -mbmi -mpopcnt; the
// dispatcher in scan.cpp calls it only when the CPU has AVX2).
#include <immintrin.h>

#include "scan.hpp"

namespace rankflow::io::csv {
namespace {

constexpr int kNoQuoteByte = -1;

struct Masks {
  std::uint64_t delimiter;
  std::uint64_t quote;
  std::uint64_t newline;
};

inline std::uint64_t equal_mask(__m256i low, __m256i high, char byte) {
  const __m256i wanted = _mm256_set1_epi8(byte);
  const auto low_bits =
      static_cast<std::uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(low, wanted)));
  const auto high_bits =
      static_cast<std::uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(high, wanted)));
  return (static_cast<std::uint64_t>(high_bits) << 32) | low_bits;
}

inline Masks chunk_masks(const char* chunk, char delimiter, char quote, bool quoting) {
  const __m256i low = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(chunk));
  const __m256i high = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(chunk + 32));
  return Masks{equal_mask(low, high, delimiter), quoting ? equal_mask(low, high, quote) : 0,
               equal_mask(low, high, '\n')};
}

#include "scan_impl.inc"

}  // namespace

std::size_t index_structurals_avx2(const char* buf, std::size_t size, char delimiter, int quote,
                                   std::uint32_t* out, std::uint32_t* newlines,
                                   std::size_t* newline_count, bool* in_quotes, bool* saw_quote) {
  return index_impl(buf, size, delimiter, quote, out, newlines, newline_count, in_quotes,
                    saw_quote);
}

void count_segment_avx2(const char* buf, std::size_t size, int quote, std::uint64_t offset,
                        SegmentCounts* counts) {
  count_segment_impl(buf, size, quote, offset, counts);
}

std::uint64_t count_newlines_avx2(const char* buf, std::size_t size) {
  return count_newlines_impl(buf, size);
}

}  // namespace rankflow::io::csv
