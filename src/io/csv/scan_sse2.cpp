// SSE2 build of the scan kernels: the baseline of every x86-64 CPU, used when the CPU has no
// AVX2 (see scan.cpp).
#include <emmintrin.h>

#include "scan.hpp"

namespace rankflow::io::csv {
namespace {

constexpr int kNoQuoteByte = -1;

struct Masks {
  std::uint64_t delimiter;
  std::uint64_t quote;
  std::uint64_t newline;
};

inline std::uint64_t equal_mask(const __m128i (&parts)[4], char byte) {
  const __m128i wanted = _mm_set1_epi8(byte);
  std::uint64_t bits = 0;
  for (int idx = 0; idx < 4; ++idx) {
    const auto part = static_cast<std::uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(parts[idx], wanted)));
    bits |= static_cast<std::uint64_t>(part) << (16 * idx);
  }
  return bits;
}

inline Masks chunk_masks(const char* chunk, char delimiter, char quote, bool quoting) {
  const __m128i parts[4] = {
      _mm_loadu_si128(reinterpret_cast<const __m128i*>(chunk)),
      _mm_loadu_si128(reinterpret_cast<const __m128i*>(chunk + 16)),
      _mm_loadu_si128(reinterpret_cast<const __m128i*>(chunk + 32)),
      _mm_loadu_si128(reinterpret_cast<const __m128i*>(chunk + 48))};
  return Masks{equal_mask(parts, delimiter), quoting ? equal_mask(parts, quote) : 0,
               equal_mask(parts, '\n')};
}

#include "scan_impl.inc"

}  // namespace

std::size_t index_structurals_sse2(const char* buf, std::size_t size, char delimiter, int quote,
                                   std::uint32_t* out, std::uint32_t* newlines,
                                   std::size_t* newline_count, bool* in_quotes, bool* saw_quote) {
  return index_impl(buf, size, delimiter, quote, out, newlines, newline_count, in_quotes,
                    saw_quote);
}

void count_segment_sse2(const char* buf, std::size_t size, int quote, std::uint64_t offset,
                        SegmentCounts* counts) {
  count_segment_impl(buf, size, quote, offset, counts);
}

std::uint64_t count_newlines_sse2(const char* buf, std::size_t size) {
  return count_newlines_impl(buf, size);
}

}  // namespace rankflow::io::csv
