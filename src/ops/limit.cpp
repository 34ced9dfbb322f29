#include "rankflow/ops/limit.hpp"

#include <algorithm>

#include "rankflow/comm/phase.hpp"
#include "rankflow/core/error.hpp"

namespace rankflow::ops {

Limit::Limit(const comm::Communicator& comm, const table::Schema& input, std::uint64_t n)
    : comm_(&comm), n_(n), kept_(input) {}

void Limit::consume(const table::Table& block) {
  if (!(block.schema() == kept_.schema()))
    throw DataError("internal: a limit block has columns [{}], expected [{}]",
                    block.schema().describe(), kept_.schema().describe());
  const std::uint64_t room = n_ - std::min<std::uint64_t>(n_, kept_.num_rows());
  kept_.append_rows(block, 0,
                    static_cast<std::size_t>(std::min<std::uint64_t>(room, block.num_rows())));
}

table::Table Limit::finish() {
  // Rows before this rank (each rank's count is capped at n, which changes nothing: a rank
  // with n rows before it keeps none either way).
  const std::uint64_t before = comm_->exscan_sum<std::uint64_t>(kept_.num_rows());
  return comm::run_phase(*comm_, "limit", [&] {
    const std::uint64_t keep = std::min<std::uint64_t>(kept_.num_rows(), n_ - std::min(n_, before));
    table::Table out(kept_.schema());
    out.append_rows(kept_, 0, static_cast<std::size_t>(keep));
    kept_ = table::Table(kept_.schema());
    return out;
  });
}

table::Table limit(const comm::Communicator& comm, const table::Table& local, std::uint64_t n) {
  Limit op(comm, local.schema(), n);
  comm::run_phase(comm, "limit: reading", [&] { op.consume(local); });
  return op.finish();
}

}  // namespace rankflow::ops
