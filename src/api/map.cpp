#include "rankflow/api/map.hpp"

#include <cstring>

#include "rankflow/comm/phase.hpp"
#include "rankflow/comm/task_counter.hpp"

namespace rankflow::api {
namespace {

// This rank's results as [index u64][size u64][bytes]...
void append_result(std::string& packed, std::uint64_t index, const std::string& bytes) {
  const std::uint64_t header[2] = {index, bytes.size()};
  packed.append(reinterpret_cast<const char*>(header), sizeof(header));
  packed += bytes;
}

void unpack_results(const std::string& packed, std::vector<std::string>& results) {
  std::size_t pos = 0;
  while (pos + 2 * sizeof(std::uint64_t) <= packed.size()) {
    std::uint64_t header[2];
    std::memcpy(header, packed.data() + pos, sizeof(header));
    pos += sizeof(header);
    results.at(static_cast<std::size_t>(header[0])) = packed.substr(pos, header[1]);
    pos += static_cast<std::size_t>(header[1]);
  }
}

}  // namespace

std::vector<std::string> map_encoded(const comm::Communicator& comm, std::uint64_t count,
                                     const std::function<std::string(std::uint64_t)>& encode_task) {
  // As comm::run_phase, except that a rank out of work waits for the others sleeping
  // (wait_for_all, outside the try) before the agreement.
  std::string packed;
  comm::Failure failure;
  {
    comm::TaskCounter counter(comm, count);
    std::uint64_t current = 0;
    try {
      comm::maybe_inject_failure(comm, "api::map");
      while (std::optional<std::uint64_t> task = counter.next()) {
        current = *task;
        append_result(packed, current, encode_task(current));
      }
    } catch (const std::exception& error) {
      const Error cause = comm::current_exception_as_error();
      failure = Error(cause.kind(), "item " + std::to_string(current) + ": " + error.what());
      counter.stop();
    } catch (...) {
      failure = DataError("item {}: an exception that is not a std::exception", current);
      counter.stop();
    }
    counter.wait_for_all();
  }
  comm::agree(comm, "api::map", failure);
  std::vector<std::string> results(static_cast<std::size_t>(count));
  for (const std::string& part : comm.allgather_strings(packed)) unpack_results(part, results);
  return results;
}

}  // namespace rankflow::api
