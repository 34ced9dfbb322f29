#include "rankflow/comm/messages.hpp"

namespace rankflow::comm {
namespace {

Message receive_probed(const Communicator& comm, const MPI_Status& status) {
  int count = 0;
  check_mpi(MPI_Get_count(&status, MPI_BYTE, &count), "MPI_Get_count");
  Message message;
  message.source = status.MPI_SOURCE;
  message.tag = status.MPI_TAG;
  message.bytes.resize(static_cast<std::size_t>(count));
  check_mpi(MPI_Recv(message.bytes.data(), count, MPI_BYTE, status.MPI_SOURCE, status.MPI_TAG,
                     comm.native(), MPI_STATUS_IGNORE),
            "MPI_Recv");
  return message;
}

}  // namespace

void send_bytes(const Communicator& comm, int dest, int tag, const std::string& bytes) {
  check_mpi(MPI_Send(bytes.data(), Communicator::checked_count(bytes.size()), MPI_BYTE, dest, tag,
                     comm.native()),
            "MPI_Send");
}

Message receive_bytes(const Communicator& comm, int source) {
  MPI_Status status;
  check_mpi(MPI_Probe(source < 0 ? MPI_ANY_SOURCE : source, MPI_ANY_TAG, comm.native(), &status),
            "MPI_Probe");
  return receive_probed(comm, status);
}

std::optional<Message> try_receive_bytes(const Communicator& comm) {
  MPI_Status status;
  int flag = 0;
  check_mpi(MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, comm.native(), &flag, &status), "MPI_Iprobe");
  if (flag == 0) return std::nullopt;
  return receive_probed(comm, status);
}

}  // namespace rankflow::comm
