// csv_bench: CSV parsing speed per rank, the reader alone (no pipeline).
//
//   mpirun -np 2 build/bench/csv_bench /tmp/rfbench/sales.csv [--block-size BYTES] [--repeat N]
//                                      [--kernel sse2] [--columns key,value]
//
// Each repetition opens the input (collective: file list, quote/newline scan, types) and
// reads every block of this rank's range. Reported per rank: open time, read time and MB/s =
// bytes of the rank's range / (open + read time); the parse-only rate (read time alone) too.
// With --columns only those columns are parsed (the projection a job applies, e.g. W1 reads
// key and value). Rank 0 prints one line per repetition and a final JSON line with the medians.
// The CPU seconds (user + sys, getrusage) of the slowest rank are reported too, with MB per CPU
// second: on a shared machine wall time swings with the other load, CPU time much less.
#include <mpi.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "rankflow/comm/environment.hpp"
#include "rankflow/core/text.hpp"
#include "rankflow/io/csv/csv_source.hpp"

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](const timeval& time) {
    return static_cast<double>(time.tv_sec) + static_cast<double>(time.tv_usec) * 1e-6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values.empty() ? 0.0 : values[values.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  rankflow::comm::MpiEnvironment environment(&argc, &argv);
  rankflow::comm::Communicator comm(MPI_COMM_WORLD);
  rankflow::io::CsvOptions options;
  int repeat = 3;
  std::vector<std::string> columns;  // empty: parse every column
  for (int idx = 1; idx < argc; ++idx) {
    const std::string arg = argv[idx];
    if (arg == "--block-size" && idx + 1 < argc)
      options.block_size = std::strtoull(argv[++idx], nullptr, 10);
    else if (arg == "--repeat" && idx + 1 < argc)
      repeat = std::atoi(argv[++idx]);
    else if (arg == "--kernel" && idx + 1 < argc)
      setenv("RANKFLOW_CSV_KERNEL", argv[++idx], 1);
    else if (arg == "--columns" && idx + 1 < argc)
      columns = rankflow::split_list(argv[++idx]);
    else
      options.path = arg;
  }
  if (options.path.empty()) {
    if (comm.rank() == 0)
      std::fprintf(stderr, "usage: csv_bench FILE [--block-size B] [--repeat N] [--columns a,b]\n");
    return 2;
  }
  std::vector<double> rates;
  std::vector<double> parse_rates;
  std::vector<double> cpu_rates;
  try {
    for (int rep = 0; rep < repeat; ++rep) {
      comm.barrier();
      const auto start = Clock::now();
      const double cpu_start = cpu_seconds();
      auto source = rankflow::io::open_csv_source(comm, options);
      if (!columns.empty()) {
        std::vector<bool> read(source->schema().size(), false);
        for (const std::string& name : columns)
          if (const auto idx = source->schema().find(name)) read[*idx] = true;
        source->select_columns(read);
      }
      const double open_s = seconds_since(start);
      const auto read_start = Clock::now();
      rankflow::table::Table block;
      std::uint64_t checksum = 0;
      while (source->next(block)) checksum += block.num_rows();
      const double read_s = seconds_since(read_start);
      const double cpu_s = cpu_seconds() - cpu_start;
      const auto stats = source->stats();
      const double range_mb = static_cast<double>(stats.bytes) / 1e6;
      const double rate = range_mb / (open_s + read_s);
      const double parse_rate = range_mb / read_s;
      const std::vector<double> all_rates = comm.allgather(rate);
      const std::vector<double> all_parse = comm.allgather(parse_rate);
      const double min_rate = *std::min_element(all_rates.begin(), all_rates.end());
      const double min_parse = *std::min_element(all_parse.begin(), all_parse.end());
      const std::vector<double> all_cpu = comm.allgather(cpu_s);
      const std::vector<double> all_cpu_rates = comm.allgather(range_mb / cpu_s);
      const double max_cpu = *std::max_element(all_cpu.begin(), all_cpu.end());
      const double min_cpu_rate = *std::min_element(all_cpu_rates.begin(), all_cpu_rates.end());
      const auto rows = comm.allreduce(stats.rows, rankflow::comm::ReduceOp::kSum);
      if (comm.rank() == 0)
        std::printf(
            "rep %d: %d ranks, %llu rows, rank 0: open %.3f s, read %.3f s, %.1f MB; "
            "slowest rank %.0f MB/s (parse only %.0f MB/s); CPU %.3f s, %.0f MB per CPU s; "
            "schema %s\n",
            rep, comm.size(), static_cast<unsigned long long>(rows), open_s, read_s, range_mb,
            min_rate, min_parse, max_cpu, min_cpu_rate, source->schema().describe().c_str());
      rates.push_back(min_rate);
      parse_rates.push_back(min_parse);
      cpu_rates.push_back(min_cpu_rate);
    }
  } catch (const rankflow::Error& error) {
    if (comm.rank() == 0) std::fprintf(stderr, "csv_bench: %s\n", error.what());
    return error.exit_code();
  }
  if (comm.rank() == 0)
    std::printf(
        "{\"ranks\": %d, \"block_size\": %llu, \"mb_per_s_per_rank\": %.0f, "
        "\"parse_only_mb_per_s_per_rank\": %.0f, \"mb_per_cpu_s_per_rank\": %.0f}\n",
        comm.size(), static_cast<unsigned long long>(options.block_size), median(rates),
        median(parse_rates), median(cpu_rates));
  return 0;
}
