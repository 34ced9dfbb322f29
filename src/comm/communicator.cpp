#include "rankflow/comm/communicator.hpp"

#include <climits>
#include <cstdint>
#include <utility>

namespace rankflow::comm {

template <> MPI_Datatype mpi_type<char>() { return MPI_CHAR; }
template <> MPI_Datatype mpi_type<std::int8_t>() { return MPI_INT8_T; }
template <> MPI_Datatype mpi_type<std::int16_t>() { return MPI_INT16_T; }
template <> MPI_Datatype mpi_type<std::int32_t>() { return MPI_INT32_T; }
template <> MPI_Datatype mpi_type<std::int64_t>() { return MPI_INT64_T; }
template <> MPI_Datatype mpi_type<long long>() { return MPI_LONG_LONG; }
template <> MPI_Datatype mpi_type<std::uint8_t>() { return MPI_UINT8_T; }
template <> MPI_Datatype mpi_type<std::uint16_t>() { return MPI_UINT16_T; }
template <> MPI_Datatype mpi_type<std::uint32_t>() { return MPI_UINT32_T; }
template <> MPI_Datatype mpi_type<std::uint64_t>() { return MPI_UINT64_T; }
template <> MPI_Datatype mpi_type<unsigned long long>() { return MPI_UNSIGNED_LONG_LONG; }
template <> MPI_Datatype mpi_type<float>() { return MPI_FLOAT; }
template <> MPI_Datatype mpi_type<double>() { return MPI_DOUBLE; }

void check_mpi(int code, const char* what) {
  if (code == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, text, &length);
  throw DataError("{} failed: {}", what, std::string(text, static_cast<std::size_t>(length)));
}

Communicator::Communicator(MPI_Comm parent) {
  MPI_Comm dup = MPI_COMM_NULL;
  check_mpi(MPI_Comm_dup(parent, &dup), "MPI_Comm_dup");
  *this = Communicator(dup, Adopt{});
}

Communicator::Communicator(MPI_Comm owned, Adopt) : comm_(owned) {
  MPI_Comm_set_errhandler(comm_, MPI_ERRORS_RETURN);
  MPI_Comm_rank(comm_, &rank_);
  MPI_Comm_size(comm_, &size_);
}

Communicator::~Communicator() { release(); }

Communicator::Communicator(Communicator&& other) noexcept
    : comm_(std::exchange(other.comm_, MPI_COMM_NULL)), rank_(other.rank_), size_(other.size_) {}

Communicator& Communicator::operator=(Communicator&& other) noexcept {
  if (this != &other) {
    release();
    comm_ = std::exchange(other.comm_, MPI_COMM_NULL);
    rank_ = other.rank_;
    size_ = other.size_;
  }
  return *this;
}

void Communicator::release() noexcept {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (comm_ != MPI_COMM_NULL && !finalized) MPI_Comm_free(&comm_);
  comm_ = MPI_COMM_NULL;
}

int Communicator::checked_count(std::size_t count) {
  if (count > static_cast<std::size_t>(INT_MAX))
    throw DataError("internal: {} elements exceed MPI's int count; send in rounds", count);
  return static_cast<int>(count);
}

MPI_Op Communicator::native_op(ReduceOp op) {
  switch (op) {
    case ReduceOp::kSum: return MPI_SUM;
    case ReduceOp::kMin: return MPI_MIN;
    case ReduceOp::kMax: break;
  }
  return MPI_MAX;
}

void Communicator::barrier() const { check_mpi(MPI_Barrier(comm_), "MPI_Barrier"); }

void Communicator::bcast(std::string& text, int root) const {
  auto length = static_cast<std::uint64_t>(text.size());
  bcast(&length, 1, root);
  text.resize(static_cast<std::size_t>(length));
  if (length > 0) bcast(text.data(), text.size(), root);
}

void Communicator::bcast(std::vector<std::byte>& bytes, int root) const {
  auto length = static_cast<std::uint64_t>(bytes.size());
  bcast(&length, 1, root);
  bytes.resize(static_cast<std::size_t>(length));
  if (length > 0) bcast(bytes.data(), bytes.size(), root);
}

std::vector<std::string> Communicator::allgather_strings(const std::string& text) const {
  std::vector<int> lengths = allgather(checked_count(text.size()));
  std::vector<int> displs(lengths.size(), 0);
  std::size_t total = 0;
  for (std::size_t rank_idx = 0; rank_idx < lengths.size(); ++rank_idx) {
    displs[rank_idx] = checked_count(total);
    total += static_cast<std::size_t>(lengths[rank_idx]);
  }
  std::string all(total, '\0');
  check_mpi(MPI_Allgatherv(text.data(), checked_count(text.size()), MPI_CHAR, all.data(),
                           lengths.data(), displs.data(), MPI_CHAR, comm_),
            "MPI_Allgatherv");
  std::vector<std::string> result;
  result.reserve(lengths.size());
  for (std::size_t rank_idx = 0; rank_idx < lengths.size(); ++rank_idx)
    result.push_back(all.substr(static_cast<std::size_t>(displs[rank_idx]),
                                static_cast<std::size_t>(lengths[rank_idx])));
  return result;
}

Communicator Communicator::split(int color, int key) const {
  MPI_Comm out = MPI_COMM_NULL;
  check_mpi(MPI_Comm_split(comm_, color, key, &out), "MPI_Comm_split");
  return Communicator(out, Adopt{});
}

Communicator Communicator::split_shared() const {
  MPI_Comm out = MPI_COMM_NULL;
  check_mpi(MPI_Comm_split_type(comm_, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &out),
            "MPI_Comm_split_type");
  return Communicator(out, Adopt{});
}

}  // namespace rankflow::comm
