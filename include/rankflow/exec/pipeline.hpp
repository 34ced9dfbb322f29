// Pipeline: the one runner of every job's stages (exec/stage.hpp). It cuts the list into passes
// at the breakers, runs each pass inside its phase (comm/phase.hpp: one rank's error is every
// rank's error), and records per stage and per rank what went through: rows in and out, time,
// bytes sent and received by exchanges, peak RSS. It is where progress, profiles, explain and
// the end-of-job summary hook in, once, for table jobs, array jobs and api::Frame alike.
//
//   exec::Pipeline pipeline(comm);
//   pipeline.add(std::make_unique<ReadStage>(...));     // a source
//   pipeline.add(std::make_unique<GroupByStage>(...));  // a breaker
//   pipeline.run(&observer);                            // collective
//   for (const auto& stage : pipeline.stages()) use(stage->stats());
//
// Rules for stages: the first stage is a source; after a breaker whose finish() gives a table,
// the next stage consumes that table as one block; after one that gives nothing, the next stage
// is a source again. A source whose produce() is collective (an HDF5 reader in step, a join
// probing in exchange rounds) says so with agrees_itself() and is not wrapped in a phase.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "rankflow/comm/communicator.hpp"
#include "rankflow/exec/stage.hpp"

namespace rankflow::exec {

// Told what the runner does, on every rank; rank 0's observer draws progress. Never called
// inside a collective, and none of its calls may be collective.
class Observer {
 public:
  virtual ~Observer() = default;
  virtual void stage_started(const Stage& stage) { (void)stage; }
  virtual void stage_finished(const Stage& stage) { (void)stage; }
  // After each block a source emitted: its progress and the rows it emitted so far.
  virtual void block_read(const Stage& source, Progress progress, std::uint64_t rows) {
    (void)source, (void)progress, (void)rows;
  }
};

class Pipeline {
 public:
  explicit Pipeline(const comm::Communicator& comm) : comm_(&comm) {}

  // Appends a stage; returns it, for the caller to keep a typed pointer.
  template <typename S>
  S& add(std::unique_ptr<S> stage) {
    S& added = *stage;
    stages_.push_back(std::move(stage));
    return added;
  }

  // Collective: runs every stage in order; returns the last breaker's table when it gives one
  // (nothing takes it). Throws the agreed Error of the first failing phase.
  std::optional<table::Table> run(Observer* observer = nullptr);

  const std::vector<std::unique_ptr<Stage>>& stages() const noexcept { return stages_; }
  // Seconds from the start of run() to its end.
  double seconds() const noexcept { return seconds_; }
  // One line per stage: what `rankflow explain` prints (no rows are read).
  std::vector<std::string> explain() const;

 private:
  std::size_t run_pass(std::size_t first, std::optional<table::Table>& carried,
                       Observer* observer);

  const comm::Communicator* comm_;
  std::vector<std::unique_ptr<Stage>> stages_;
  std::chrono::steady_clock::time_point started_;
  double seconds_ = 0;
};

// The process's peak resident set (VmHWM of /proc/self/status), in bytes; 0 where unknown.
std::uint64_t peak_rss_bytes();

}  // namespace rankflow::exec
