// Point-to-point messages of bytes, for schedulers that hand out work one message at a time
// (api::TaskPool). Not collective: a send is matched by one receive on the destination.
// Use a communicator of their own (a Communicator duplicated for the purpose) so that these
// messages never meet another component's.
#pragma once

#include <optional>
#include <string>

#include "rankflow/comm/communicator.hpp"

namespace rankflow::comm {

struct Message {
  int source = -1;
  int tag = -1;
  std::string bytes;
};

// Blocking standard-mode send (returns once `bytes` may be reused).
void send_bytes(const Communicator& comm, int dest, int tag, const std::string& bytes);
// Waits for a message from `source` (or any source: -1), any tag.
Message receive_bytes(const Communicator& comm, int source = -1);
// A message if one has arrived (any source, any tag), else nullopt; never blocks.
std::optional<Message> try_receive_bytes(const Communicator& comm);

}  // namespace rankflow::comm
