#include "skipped_rows.hpp"

#include <string>

#include "rankflow/core/log.hpp"

namespace rankflow::job {

void warn_skipped_rows(const comm::Communicator& comm, std::uint64_t total,
                       const std::vector<const io::TableSource*>& sources) {
  if (total == 0) return;
  std::string local;  // this rank's first examples, one a line
  std::size_t count = 0;
  for (const io::TableSource* source : sources) {
    for (const std::string& example : source->skipped_examples()) {
      if (count++ == kSkippedRowsNamed) break;
      local += example + '\n';
    }
  }
  const std::vector<std::string> ranks = comm.allgather_strings(local);
  std::string named;
  count = 0;
  for (const std::string& text : ranks) {
    for (std::size_t begin = 0; begin < text.size() && count < kSkippedRowsNamed; ++count) {
      const std::size_t end = text.find('\n', begin);
      named += (named.empty() ? "" : "; ") + text.substr(begin, end - begin);
      begin = end + 1;
    }
  }
  const std::string rows = fmt::format("{} bad row{}", total, total == 1 ? "" : "s");
  if (total > count)
    log::warn("skipped {} (on_bad_rows = skip); the first {}: {}", rows, count, named);
  else
    log::warn("skipped {} (on_bad_rows = skip): {}", rows, named);
}

}  // namespace rankflow::job
