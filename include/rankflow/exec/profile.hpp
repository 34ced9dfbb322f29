// What a pipeline did, on every rank: gathered once after it ran (no MPI while it runs), and
// written as a Chrome trace event file (Perfetto and chrome://tracing open it), an end-of-job
// summary, and a self-contained HTML report (exec/report.hpp).
//
//   pipeline.run();
//   const exec::JobProfile profile = exec::gather_profile(comm, pipeline);   // collective
//   if (comm.rank() == 0) write(path, exec::chrome_trace(profile));
#pragma once

#include <string>
#include <vector>

#include "rankflow/comm/communicator.hpp"
#include "rankflow/core/text.hpp"
#include "rankflow/exec/pipeline.hpp"

namespace rankflow::exec {

struct RankProfile {
  int rank = 0;
  std::string host;
  double offset = 0;  // this rank's pipeline start after rank 0's, seconds (wall clocks)
  std::vector<StageStats> stages;  // one per stage, in pipeline order
};

struct JobProfile {
  std::vector<std::string> stages;  // names, in pipeline order
  std::vector<std::string> explain;
  std::vector<RankProfile> ranks;   // by rank
  double seconds = 0;               // wall time of the pipeline (the slowest rank)
};

// Collective: every rank's statistics, on every rank.
JobProfile gather_profile(const comm::Communicator& comm, const Pipeline& pipeline);

// The Chrome trace event format: one process per rank (pid = rank, named "rank R (host)"), one
// thread per stage, one complete event ("ph": "X") per stage per rank whose args carry the
// counts (rows_in, rows_out, bytes_read, bytes_sent, bytes_received, bytes_spilled, peak_rss,
// busy_s, and bytes_to_rank for stages that exchanged).
std::string chrome_trace(const JobProfile& profile);

// A stage's time on every rank (end - start), and its median and slowest rank.
struct StageSpread {
  double min = 0, median = 0, max = 0;
  int slowest = 0;
};
StageSpread spread(const JobProfile& profile, std::size_t stage);

// The end-of-job summary: one line per stage (time, rows, bytes exchanged, skew as max/median
// rank time), then the wall time.
std::vector<std::string> summary_lines(const JobProfile& profile);

// `text` as a JSON string literal, quotes included.
std::string json_string(const std::string& text);

}  // namespace rankflow::exec
