// Progress on rank 0's stderr while a pipeline runs (`rankflow run --progress`): the current
// stage, the percent of the input bytes read over all ranks (NN%), rows/s, elapsed and ETA.
// Other ranks' counts reach rank 0 through a comm::ProgressChannel (no blocking call in the
// block loop); rank 0 draws when its own stages call the observer, so while rank 0 waits in
// an exchange for slower ranks the display holds still until the exchange ends.
//
//   lines: one line per stage change, and at most one every `interval` seconds between them
//          ([job] progress_interval, 10 s by default, so that a Slurm log stays short)
//   bar:   one line redrawn in place (a terminal), at most every 0.2 s
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "rankflow/comm/progress_channel.hpp"
#include "rankflow/exec/pipeline.hpp"

namespace rankflow::exec {

enum class ProgressMode { kOff, kBar, kLines };

// "auto": a bar when stderr is a terminal, lines otherwise; "bar", "lines", "off".
ProgressMode progress_mode(const std::string& name);

class ProgressDisplay final : public Observer {
 public:
  // Collective (the channel's communicator). kOff: observes nothing, draws nothing.
  ProgressDisplay(const comm::Communicator& comm, ProgressMode mode, double interval_seconds);

  // The stage shown: a source while it reads, then each breaker while it finishes.
  void stage_started(const Stage& stage) override;
  void stage_finishing(const Stage& stage) override;
  void block_read(const Stage& source, Progress progress, std::uint64_t rows) override;
  // Collective, after the pipeline ran: the last counts reach rank 0, which draws 100%.
  void close();

  // The text of a progress line (for tests): "42% of 1.6 MiB read, ...".
  std::string line();

 private:
  void draw(bool force);

  const comm::Communicator* comm_;
  ProgressMode mode_;
  double interval_;
  std::optional<comm::ProgressChannel> channel_;
  std::chrono::steady_clock::time_point started_;
  std::chrono::steady_clock::time_point last_post_;
  std::chrono::steady_clock::time_point last_draw_;
  std::string stage_;
  comm::ProgressChannel::Counts mine_{};
  std::uint64_t total_ = 0;
  bool drew_bar_ = false;
};

}  // namespace rankflow::exec
