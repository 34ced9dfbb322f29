// Stage: one step of a job, the unit that the pipeline runner (exec/pipeline.hpp) drives, times
// and reports on. Table jobs, array jobs and api::Frame all run as lists of stages.
//
// A pipeline is cut into passes at its breakers (DuckDB's pipeline breakers, Thrill's DOps):
//
//   pass 1:  source ──block──► stage ──block──► ... ──► breaker.consume   (local, per block)
//                                                        breaker.finish()  (collective)
//   pass 2:  breaker's result ──one block──► stage ──► ... ──► breaker / sink
//
// - A source (the first stage of a pass) pushes every block of this rank's part to `emit`.
// - consume() sees every block that reaches the stage: it passes it on (kNext, perhaps
//   replaced: a filter), keeps it (kKeep: a group-by's hash table, a sink's file), or keeps it
//   and asks the source to stop (kStop: a full limit).
// - A breaker keeps everything it consumes; finish() is collective (an exchange, a merge) and
//   gives the table that the next pass starts from, or nothing (a sink, the end).
//
// The runner counts rows in and out, times each stage, reads the exchange traffic before and
// after (comm::exchange_traffic) and the peak RSS after; a stage adds what only it knows (bytes
// read from files, bytes spilled). Stages never call the runner: progress, profiles and
// explain hook into the runner once (exec/pipeline.hpp).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "rankflow/table/table.hpp"

namespace rankflow::exec {

// What flows between stages: a block of table rows, or a block of an N-D array's rows.
struct Block {
  const table::Table* table = nullptr;  // table stages
  // The same table when a consumer may swap its columns for others of the same types (a
  // source refills it anyway); nullptr when the rows belong to someone else (api::Frame's).
  table::Table* owned = nullptr;
  bool movable = false;  // owned, and nobody uses it after: a consumer may move it whole
  const double* row_major = nullptr;  // a 2-D float source's rows as read, beside `table`
  const void* cells = nullptr;        // array stages: `rows` rows of cells, row-major
  std::uint64_t first_row = 0;        // array stages: global index of the first row
  std::uint64_t rows = 0;             // array stages

  std::uint64_t num_rows() const { return table != nullptr ? table->num_rows() : rows; }
};

// Per stage and per rank. The runner fills the counts it can see; the stage adds bytes_read,
// bytes_spilled and bytes_read_back.
struct StageStats {
  std::uint64_t rows_in = 0;
  std::uint64_t rows_out = 0;
  std::uint64_t bytes_read = 0;      // from input files
  std::uint64_t bytes_sent = 0;      // to other ranks
  std::uint64_t bytes_received = 0;  // from other ranks
  std::uint64_t bytes_spilled = 0;   // written to scratch (0: did not spill)
  std::uint64_t bytes_read_back = 0;  // read back from scratch
  std::vector<std::uint64_t> sent_to;  // bytes to each rank, itself included
  std::uint64_t peak_rss = 0;          // bytes, the process's high-water mark at the stage's end
  double start = -1;                   // seconds since the pipeline started (-1: did not run)
  double end = -1;
  double busy = 0;  // seconds inside this stage's own calls (streaming stages overlap)
};

enum class Flow { kNext, kKeep, kStop };

// The source's callback: false when the rest of the pass wants no more blocks.
using Emit = std::function<bool(Block&)>;

// How far a source is: bytes this rank has read, of the input's total over all ranks.
struct Progress {
  std::uint64_t done = 0;   // bytes read so far by this rank
  std::uint64_t total = 0;  // of the whole input, all ranks; 0: unknown
};

class Stage {
 public:
  // `name`: short, for the profile and the summary ("read", "group-by"); `phase`: the phase
  // whose errors the runner agrees on ("reading the input"), named in error messages.
  Stage(std::string name, std::string phase) : name_(std::move(name)), phase_(std::move(phase)) {}
  virtual ~Stage() = default;
  Stage(const Stage&) = delete;
  Stage& operator=(const Stage&) = delete;

  const std::string& name() const noexcept { return name_; }
  const std::string& phase() const noexcept { return phase_; }
  // One line for `rankflow explain`: what the stage does, with the choices binding made.
  virtual std::string explain() const { return name_; }

  // A source starts a pass: pushes every block of this rank's part to `emit`, in order. Runs inside the
  // pass's phase; may be collective when lockstep().
  virtual bool is_source() const { return false; }
  virtual void produce(const Emit& emit);
  // A source whose produce() is collective and agrees on its own errors (an HDF5 reader in
  // step with comm::FailureLatch, a join probing in exchange rounds): not wrapped in a phase.
  virtual bool agrees_itself() const { return false; }
  virtual Progress progress() const { return {}; }

  // A block of the pass. Local (or collective in a lockstep pass).
  virtual Flow consume(Block& block);
  // A breaker ends its pass; finish() is then collective, after every rank's last block.
  virtual bool breaks() const { return false; }
  virtual std::optional<table::Table> finish() { return std::nullopt; }

  StageStats& stats() noexcept { return stats_; }
  const StageStats& stats() const noexcept { return stats_; }

 private:
  std::string name_;
  std::string phase_;
  StageStats stats_;
};

}  // namespace rankflow::exec
