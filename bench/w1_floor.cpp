// w1_floor: the least an MPI program can spend on workload W1 here, as a yardstick.
//
//   mpirun -np 2 build/release/bench/w1_floor /tmp/rfbench/sales.csv [RESULT.csv]
//
// W1 is `SELECT key, sum(value), avg(value), min(value), max(value), count(*) GROUP BY key`
// over sales.csv (/work/shared/peers). This program knows everything rankflow has to find out
// or check, and skips it: the columns are fixed (id,key,category,value,qty,ts), no field is
// quoted, every key is a small non-negative integer (an array index, no hash table), every
// value a plain decimal, nothing is validated, there are no nulls and no error messages. Each
// rank preads its byte range into one reused buffer, accumulates into arrays indexed by key,
// and the arrays are combined with MPI_Reduce; rank 0 writes the result CSV (the header the
// shared report checks). What it costs end to end under `mpirun -np 2` is a floor under any
// general implementation on this machine: bench/README.md compares the issues' targets with it.
#include <fcntl.h>
#include <immintrin.h>
#include <mpi.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <vector>

namespace {

constexpr std::size_t kBlockBytes = std::size_t{1} << 20;
constexpr std::uint32_t kMaxKeys = std::uint32_t{1} << 17;  // sales.csv has keys 0..99999

struct Groups {
  std::vector<double> sum, min, max;
  std::vector<std::int64_t> count;
  Groups()
      : sum(kMaxKeys, 0.0),
        min(kMaxKeys, std::numeric_limits<double>::infinity()),
        max(kMaxKeys, -std::numeric_limits<double>::infinity()),
        count(kMaxKeys, 0) {}
};

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "w1_floor: %s\n", what);
  MPI_Abort(MPI_COMM_WORLD, 1);
  std::abort();
}

// Positions of ',' and '\n' in data[0, length), 64 bytes at a time with AVX2; data must have
// 64 readable bytes past length.
std::size_t index_separators(const char* data, std::size_t length, std::uint32_t* out) {
  const __m256i comma = _mm256_set1_epi8(',');
  const __m256i newline = _mm256_set1_epi8('\n');
  std::size_t count = 0;
  for (std::size_t at = 0; at < length; at += 64) {
    const __m256i low = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(data + at));
    const __m256i high = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(data + at + 32));
    const auto mask_of = [&](__m256i bytes) {
      return static_cast<std::uint32_t>(_mm256_movemask_epi8(
          _mm256_or_si256(_mm256_cmpeq_epi8(bytes, comma), _mm256_cmpeq_epi8(bytes, newline))));
    };
    std::uint64_t mask = mask_of(low) | (std::uint64_t{mask_of(high)} << 32);
    if (length - at < 64) mask &= (std::uint64_t{1} << (length - at)) - 1;
    while (mask != 0) {
      out[count++] =
          static_cast<std::uint32_t>(at + static_cast<std::size_t>(__builtin_ctzll(mask)));
      mask &= mask - 1;
    }
  }
  return count;
}

// Up to 8 ASCII digits at p (length 1..8) as a number, one 64-bit word (simdjson's method).
std::uint64_t parse_digits(const char* p, std::size_t length) {
  std::uint64_t word = 0;
  std::memcpy(&word, p, 8);
  word -= 0x3030303030303030ULL;  // digits are the low bytes; no borrow reaches them
  word <<= (8 - length) * 8;      // the bytes after the digits leave; zeros lead
  word = word * 10 + (word >> 8);
  return (((word & 0x000000FF000000FFULL) * (100 + (1000000ULL << 32))) +
          (((word >> 16) & 0x000000FF000000FFULL) * (1 + (10000ULL << 32)))) >>
         32;
}

// The rows of one block: records id,key,category,value,qty,ts\n, six separators each; the
// value has two decimals. `first` is the index of the first record's first separator.
void add_rows(const char* data, const std::uint32_t* seps, std::size_t first, std::size_t count,
              std::size_t record_start, std::size_t stop_offset, Groups& groups) {
  for (std::size_t at = first; at + 6 <= count; at += 6) {
    if (record_start >= stop_offset) return;
    const std::uint32_t* sep = seps + at;
    const std::uint64_t key = parse_digits(data + sep[0] + 1, sep[1] - sep[0] - 1);
    const char* value_text = data + sep[2] + 1;
    const std::size_t value_length = sep[3] - sep[2] - 1;
    if (key >= kMaxKeys || value_length < 4 || value_text[value_length - 3] != '.') {
      die("not the sales.csv this program knows");
    }
    const std::uint64_t cents =
        parse_digits(value_text, value_length - 3) * 100 +
        static_cast<std::uint64_t>(value_text[value_length - 2] - '0') * 10 +
        static_cast<std::uint64_t>(value_text[value_length - 1] - '0');
    // An exact integer over 100: correctly rounded, the same double as strtod.
    const double value = static_cast<double>(cents) / 100.0;
    groups.sum[key] += value;
    groups.min[key] = std::min(groups.min[key], value);
    groups.max[key] = std::max(groups.max[key], value);
    ++groups.count[key];
    record_start = sep[5] + 1;
  }
}

// Adds every record that starts in [begin, end) (rank 0 skips the header).
void scan_range(int fd, off_t begin, off_t end, Groups& groups) {
  std::vector<char> buffer(kBlockBytes + 4096 + 64);
  std::vector<std::uint32_t> seps(buffer.size());
  off_t pos = begin;
  // The first record of a range starts after the first newline at or after begin - 1.
  if (begin > 0) {
    char byte = 0;
    --pos;
    while (pos < end && pread(fd, &byte, 1, pos) == 1 && byte != '\n') ++pos;
    ++pos;
  }
  std::size_t carry = 0;  // bytes of a record cut by the previous block, moved to the front
  bool header = begin == 0;
  while (pos - static_cast<off_t>(carry) < end) {
    const ssize_t got = pread(fd, buffer.data() + carry, kBlockBytes, pos);
    if (got < 0) die("read failed");
    const std::size_t length = carry + static_cast<std::size_t>(got);
    const off_t base = pos - static_cast<off_t>(carry);  // file offset of buffer[0]
    std::size_t complete = length;
    while (complete > 0 && buffer[complete - 1] != '\n') --complete;
    if (complete == 0) break;  // no newline at all: the end of the file without one
    const std::size_t count = index_separators(buffer.data(), complete, seps.data());
    std::size_t first = 0;
    std::size_t record_start = 0;
    if (header) {  // the header is one line of six names: skip its six separators
      first = 6;
      record_start = seps[5] + 1;
      header = false;
    }
    const off_t stop = end - base;  // records starting at or after this belong to the next rank
    add_rows(buffer.data(), seps.data(), first, count, record_start,
             static_cast<std::size_t>(std::max<off_t>(stop, 0)), groups);
    if (static_cast<off_t>(complete) >= stop || got == 0) break;
    carry = length - complete;
    std::copy(buffer.data() + complete, buffer.data() + length, buffer.data());
    pos += got;
  }
}

void write_result(const char* path, const Groups& groups) {
  std::FILE* out = std::fopen(path, "w");
  if (out == nullptr) die("cannot write the result");
  std::fprintf(out, "key,sum,mean,min,max,count\n");
  for (std::uint32_t key = 0; key < kMaxKeys; ++key) {
    const std::int64_t count = groups.count[key];
    if (count == 0) continue;
    std::fprintf(out, "%u,%.17g,%.17g,%.17g,%.17g,%lld\n", key, groups.sum[key],
                 groups.sum[key] / static_cast<double>(count), groups.min[key], groups.max[key],
                 static_cast<long long>(count));
  }
  std::fclose(out);
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0;
  int size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (argc < 2) die("usage: w1_floor SALES.csv [RESULT.csv]");
  const int fd = open(argv[1], O_RDONLY);
  struct stat info {};
  if (fd < 0 || fstat(fd, &info) != 0) die("cannot open the input");
  const off_t bytes = info.st_size;
  Groups groups;
  scan_range(fd, bytes * rank / size, bytes * (rank + 1) / size, groups);
  close(fd);

  Groups total;
  MPI_Reduce(groups.sum.data(), total.sum.data(), kMaxKeys, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
  MPI_Reduce(groups.min.data(), total.min.data(), kMaxKeys, MPI_DOUBLE, MPI_MIN, 0, MPI_COMM_WORLD);
  MPI_Reduce(groups.max.data(), total.max.data(), kMaxKeys, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
  MPI_Reduce(groups.count.data(), total.count.data(), kMaxKeys, MPI_INT64_T, MPI_SUM, 0,
             MPI_COMM_WORLD);
  if (rank == 0 && argc > 2) write_result(argv[2], total);
  MPI_Finalize();
  return 0;
}
