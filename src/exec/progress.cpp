#include "rankflow/exec/progress.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "rankflow/exec/profile.hpp"

namespace rankflow::exec {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_between(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

std::string rate_text(double per_second) {
  if (per_second >= 1e6) return fmt::format("{:.1f}M", per_second / 1e6);
  if (per_second >= 1e3) return fmt::format("{:.1f}k", per_second / 1e3);
  return fmt::format("{:.0f}", per_second);
}

}  // namespace

ProgressMode progress_mode(const std::string& name) {
  if (name == "off") return ProgressMode::kOff;
  if (name == "bar") return ProgressMode::kBar;
  if (name == "lines") return ProgressMode::kLines;
  return isatty(STDERR_FILENO) ? ProgressMode::kBar : ProgressMode::kLines;
}

ProgressDisplay::ProgressDisplay(const comm::Communicator& comm, ProgressMode mode,
                                 double interval_seconds)
    : comm_(&comm), mode_(mode), interval_(interval_seconds), started_(Clock::now()),
      last_post_(started_), last_draw_(started_) {
  if (mode_ != ProgressMode::kOff) channel_.emplace(comm);
}

void ProgressDisplay::stage_started(const Stage& stage) {
  if (!stage.is_source()) return;
  // The percent is of the source that reads now; a source of no known size (a sorted result
  // streamed out) keeps the input's.
  if (stage.progress().total > 0) total_ = stage.progress().total;
  stage_finishing(stage);
}

void ProgressDisplay::stage_finishing(const Stage& stage) {
  if (mode_ == ProgressMode::kOff || comm_->rank() != 0) return;
  stage_ = stage.name();
  draw(true);
}

void ProgressDisplay::block_read(const Stage& source, Progress progress, std::uint64_t rows) {
  if (mode_ == ProgressMode::kOff) return;
  (void)source;
  // A source of no known size after a sized one (a sorted result streamed back from the
  // spill) reads nothing new: the line keeps counting what the input read.
  if (progress.total == 0 && total_ > 0) return;
  mine_ = {progress.done, rows};
  total_ = progress.total;
  const Clock::time_point now = Clock::now();
  if (seconds_between(last_post_, now) < 0.1) return;  // a post at most every 100 ms
  last_post_ = now;
  channel_->post(mine_);
  if (comm_->rank() == 0) draw(false);
}

std::string ProgressDisplay::line() {
  std::uint64_t bytes = 0, rows = 0;
  if (channel_)
    for (const auto& counts : channel_->poll()) {
      bytes += counts[0];
      rows += counts[1];
    }
  const double elapsed = seconds_between(started_, Clock::now());
  std::string text;
  double fraction = -1;
  if (total_ > 0) {
    fraction = std::min(1.0, static_cast<double>(bytes) / static_cast<double>(total_));
    text = fmt::format("{:3.0f}% of {} read, ", fraction * 100, human_bytes(total_));
  } else {
    text = fmt::format("{} read, ", human_bytes(bytes));
  }
  text += fmt::format("{} rows ({} rows/s), stage {}, {:.1f} s elapsed", rows,
                      rate_text(static_cast<double>(rows) / std::max(elapsed, 1e-9)), stage_,
                      elapsed);
  if (fraction > 0 && fraction < 1)
    text += fmt::format(", ETA {:.1f} s", elapsed * (1 - fraction) / fraction);
  return text;
}

void ProgressDisplay::draw(bool force) {
  const Clock::time_point now = Clock::now();
  const double wait = mode_ == ProgressMode::kBar ? 0.2 : interval_;
  if (!force && seconds_between(last_draw_, now) < wait) return;
  last_draw_ = now;
  const std::string text = line();
  if (mode_ == ProgressMode::kBar) {
    std::fprintf(stderr, "\r\033[Krankflow: %s", text.c_str());
    drew_bar_ = true;
  } else {
    std::fprintf(stderr, "rankflow: progress %s\n", text.c_str());
  }
  std::fflush(stderr);
}

void ProgressDisplay::close() {
  if (mode_ == ProgressMode::kOff) return;
  channel_->close(mine_);
  if (comm_->rank() != 0) return;
  stage_ = "done";
  draw(true);
  if (drew_bar_) std::fputc('\n', stderr);
  std::fflush(stderr);
}

}  // namespace rankflow::exec
