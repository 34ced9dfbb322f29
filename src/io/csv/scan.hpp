// Byte-scanning kernels of the CSV reader: the only code that looks at every input byte.
//
// Each kernel works on 64-byte chunks: it compares the chunk with the delimiter, the quote and
// '\n' at once (AVX2 when the CPU has it, SSE2 otherwise; chosen once at startup), and turns
// the comparisons into 64-bit masks, one bit per byte. Quoted regions are found without a
// per-byte state machine: the prefix XOR of the quote mask is 1 from an opening quote up to
// its closing quote, so structural characters are (delimiters | newlines) & ~inside. An
// escaped quote ("") toggles twice and changes nothing, which is exactly RFC 4180.
//
// Every buffer passed here must stay readable kScanPadding bytes past `size` (the bytes there
// are ignored).
#pragma once

#include <cstddef>
#include <cstdint>

namespace rankflow::io::csv {

inline constexpr std::size_t kScanPadding = 64;
inline constexpr std::uint64_t kNotFound = ~std::uint64_t{0};

// Stage 1 of parsing. Writes the offsets of the delimiters and newlines that lie outside
// quotes in buf[0, size) to `out`, in order, and the positions in `out` of the newlines among
// them to `newlines` (each with room for size + kScanPadding entries); returns how many entries
// `out` got, *newline_count how many `newlines` got. With the newlines listed, cutting records
// is a step per record, not a look at every field's separator byte.
// `in_quotes`: the state at buf[0] on entry, at buf[size] on return. `saw_quote`: set when
// the buffer holds any quote byte (otherwise no field needs unquoting).
//
//   buf        a , b \n c , d \n
//   out        1   3     6   8        (offsets in buf)
//   newlines       1         3        (indices into out)
std::size_t index_structurals(const char* buf, std::size_t size, char delimiter, int quote,
                              std::uint32_t* out, std::uint32_t* newlines,
                              std::size_t* newline_count, bool* in_quotes, bool* saw_quote);

// Planning scan of a byte range (see range_plan.hpp): quote bytes and newlines, and the first
// newline after which the local quote count is even (index 0) or odd (index 1), with the
// newlines before it. Called block after block over a range; `offset` is the position of
// buf[0] within the range.
struct SegmentCounts {
  std::uint64_t quotes = 0;
  std::uint64_t newlines = 0;
  std::uint64_t candidate[2] = {kNotFound, kNotFound};  // offsets within the range
  std::uint64_t candidate_lines[2] = {0, 0};           // newlines before the candidate
};
void count_segment(const char* buf, std::size_t size, int quote, std::uint64_t offset,
                   SegmentCounts* counts);

// '\n' bytes in buf[0, size).
std::uint64_t count_newlines(const char* buf, std::size_t size);

// "avx2" or "sse2": what the kernels run on this CPU (for the benchmark's report).
const char* scan_kernel_name();

// The two builds, for tests that compare both with a scalar reference (the _avx2 ones only on
// a CPU that has AVX2: scan_has_avx2()).
bool scan_has_avx2();
std::size_t index_structurals_avx2(const char*, std::size_t, char, int, std::uint32_t*,
                                   std::uint32_t*, std::size_t*, bool*, bool*);
std::size_t index_structurals_sse2(const char*, std::size_t, char, int, std::uint32_t*,
                                   std::uint32_t*, std::size_t*, bool*, bool*);
void count_segment_avx2(const char*, std::size_t, int, std::uint64_t, SegmentCounts*);
void count_segment_sse2(const char*, std::size_t, int, std::uint64_t, SegmentCounts*);

}  // namespace rankflow::io::csv
