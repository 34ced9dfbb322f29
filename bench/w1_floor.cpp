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

// glibc's memchr is vectorised: the fastest way to step over a field or the rest of a line.
const char* after(const char* p, char byte) {
  return static_cast<const char*>(std::memchr(p, byte, 4096)) + 1;
}

// One record: id,key,category,value,qty,ts\n. Returns the start of the next record.
const char* add_record(const char* p, Groups& groups) {
  p = after(p, ',');
  std::uint32_t key = 0;
  for (; *p != ','; ++p) key = key * 10 + static_cast<std::uint32_t>(*p - '0');
  p = after(p + 1, ',');
  const bool negative = *p == '-';
  p += negative ? 1 : 0;
  std::int64_t digits = 0;
  int fraction_digits = -1;  // -1 until the decimal point
  for (; *p != ','; ++p) {
    if (*p == '.') {
      fraction_digits = 0;
      continue;
    }
    digits = digits * 10 + (*p - '0');
    fraction_digits += fraction_digits >= 0 ? 1 : 0;
  }
  // An exact integer over an exact power of ten: correctly rounded, the same double as strtod.
  static constexpr double kPowers[] = {1.0, 10.0, 100.0, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8};
  double value = static_cast<double>(digits) / kPowers[std::max(fraction_digits, 0)];
  value = negative ? -value : value;
  if (key >= kMaxKeys) die("key out of range");
  groups.sum[key] += value;
  groups.min[key] = std::min(groups.min[key], value);
  groups.max[key] = std::max(groups.max[key], value);
  ++groups.count[key];
  return after(p, '\n');
}

// Adds every record that starts in [begin, end) (rank 0 skips the header).
void scan_range(int fd, off_t begin, off_t end, Groups& groups) {
  std::vector<char> buffer(kBlockBytes + 4096);
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
    const char* p = buffer.data();
    const char* const stop = buffer.data() + complete;
    if (header) {
      while (*p != '\n') ++p;
      ++p;
      header = false;
    }
    while (p < stop && base + (p - buffer.data()) < end) p = add_record(p, groups);
    if (base + (p - buffer.data()) >= end || got == 0) break;
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
  MPI_Reduce(groups.sum.data(), total.sum.data(), kMaxKeys, MPI_DOUBLE, MPI_SUM, 0,
             MPI_COMM_WORLD);
  MPI_Reduce(groups.min.data(), total.min.data(), kMaxKeys, MPI_DOUBLE, MPI_MIN, 0,
             MPI_COMM_WORLD);
  MPI_Reduce(groups.max.data(), total.max.data(), kMaxKeys, MPI_DOUBLE, MPI_MAX, 0,
             MPI_COMM_WORLD);
  MPI_Reduce(groups.count.data(), total.count.data(), kMaxKeys, MPI_INT64_T, MPI_SUM, 0,
             MPI_COMM_WORLD);
  if (rank == 0 && argc > 2) write_result(argv[2], total);
  MPI_Finalize();
  return 0;
}
