#include "rankflow/exec/pipeline.hpp"

#include <cstdio>
#include <cstring>

#include "rankflow/comm/exchange.hpp"
#include "rankflow/comm/phase.hpp"

namespace rankflow::exec {
namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Exchange traffic of this process between two readings, added to a stage's counts.
class TrafficMeter {
 public:
  TrafficMeter() : before_(comm::exchange_traffic()) {}
  void add_to(StageStats& stats) {
    const comm::ExchangeTraffic& now = comm::exchange_traffic();
    stats.bytes_sent += now.bytes_sent - before_.bytes_sent;
    stats.bytes_received += now.bytes_received - before_.bytes_received;
    stats.sent_to.resize(now.sent_to.size(), 0);
    for (std::size_t rank = 0; rank < now.sent_to.size(); ++rank)
      stats.sent_to[rank] += now.sent_to[rank] - (rank < before_.sent_to.size() ? before_.sent_to[rank] : 0);
    before_ = now;
  }

 private:
  comm::ExchangeTraffic before_;
};

}  // namespace

void Stage::produce(const Emit& emit) {
  (void)emit;
  throw DataError("internal: stage '{}' is not a source", name_);
}

Flow Stage::consume(Block& block) {
  (void)block;
  throw DataError("internal: stage '{}' takes no blocks", name_);
}

std::uint64_t peak_rss_bytes() {
  std::FILE* file = std::fopen("/proc/self/status", "r");
  if (file == nullptr) return 0;
  char line[256];
  std::uint64_t kib = 0;
  while (std::fgets(line, sizeof line, file) != nullptr)
    if (std::strncmp(line, "VmHWM:", 6) == 0) kib = std::strtoull(line + 6, nullptr, 10);
  std::fclose(file);
  return kib * 1024;
}

std::vector<std::string> Pipeline::explain() const {
  std::vector<std::string> lines;
  for (const auto& stage : stages_) lines.push_back(stage->explain());
  return lines;
}

// Runs the pass that starts at stage `first` (a source, or the consumer of `carried`) up to
// its breaker; returns the index of the stage after the pass.
std::size_t Pipeline::run_pass(std::size_t first, std::optional<table::Table>& carried,
                               Observer* observer) {
  const bool from_table = carried.has_value();
  Stage& head = *stages_[first];
  // The consumers: [consumers, end), up to and with the first breaker, before the next source.
  const std::size_t consumers = from_table ? first : first + 1;
  std::size_t end = consumers;
  while (end < stages_.size() && !stages_[end]->is_source()) {
    if (stages_[end++]->breaks()) break;
  }
  if (!from_table && !head.is_source())
    throw DataError("internal: stage '{}' has no input", head.name());
  if (from_table && end == consumers)
    throw DataError("internal: stage '{}' gives a table that no stage takes", head.name());

  auto touch = [&](Stage& stage) {
    if (stage.stats().start >= 0) return;
    stage.stats().start = since(started_);
    if (observer != nullptr) observer->stage_started(stage);
  };
  // One block through the consumers of the pass; false when one of them wants no more.
  auto push = [&](Block& block) {
    for (std::size_t idx = consumers; idx < end; ++idx) {
      Stage& stage = *stages_[idx];
      touch(stage);
      StageStats& stats = stage.stats();
      stats.rows_in += block.num_rows();
      const Clock::time_point begin = Clock::now();
      const Flow flow = stage.consume(block);
      stats.busy += since(begin);
      if (flow == Flow::kStop) return false;
      if (flow == Flow::kKeep) return true;
      stats.rows_out += block.num_rows();
    }
    return true;
  };

  TrafficMeter traffic;
  if (from_table) {
    table::Table input = std::move(*carried);
    carried.reset();
    comm::run_phase(*comm_, head.phase(), [&] {
      Block block;
      block.table = &input;
      block.owned = &input;
      block.movable = true;
      push(block);
    });
  } else {
    touch(head);
    const Clock::time_point begin = Clock::now();
    double downstream = 0;
    const Emit emit = [&](Block& block) {
      head.stats().rows_out += block.num_rows();
      const Clock::time_point pushed = Clock::now();
      const bool more = push(block);
      downstream += since(pushed);
      if (observer != nullptr) observer->block_read(head, head.progress(), head.stats().rows_out);
      return more;
    };
    if (head.agrees_itself())
      head.produce(emit);
    else
      comm::run_phase(*comm_, head.phase(), [&] { head.produce(emit); });
    head.stats().busy += since(begin) - downstream;
    traffic.add_to(head.stats());
    head.stats().end = since(started_);
    head.stats().peak_rss = peak_rss_bytes();
    if (observer != nullptr) observer->stage_finished(head);
  }
  for (std::size_t idx = consumers; idx < end; ++idx) {
    Stage& stage = *stages_[idx];
    touch(stage);
    if (stage.breaks()) {
      TrafficMeter finishing;
      const Clock::time_point begin = Clock::now();
      carried = stage.finish();  // collective
      stage.stats().busy += since(begin);
      finishing.add_to(stage.stats());
      if (carried) stage.stats().rows_out = carried->num_rows();
    }
    stage.stats().end = since(started_);
    stage.stats().peak_rss = peak_rss_bytes();
    if (observer != nullptr) observer->stage_finished(stage);
  }
  return end;
}

std::optional<table::Table> Pipeline::run(Observer* observer) {
  started_ = Clock::now();
  std::optional<table::Table> carried;
  std::size_t next = 0;
  while (next < stages_.size()) next = run_pass(next, carried, observer);
  seconds_ = since(started_);
  return carried;
}

}  // namespace rankflow::exec
