#include "rankflow/core/log.hpp"

#include <cstdio>

namespace rankflow::log {
namespace {
Context g_context;
}  // namespace

void init(const Context& context) { g_context = context; }

const Context& context() { return g_context; }

void write(std::string_view severity, std::string_view message) {
  std::string line = g_context.job_id.empty()
                         ? fmt::format("rankflow[{}/{}] {}: {}\n", g_context.rank,
                                       g_context.size, severity, message)
                         : fmt::format("rankflow[job {} {}/{}] {}: {}\n", g_context.job_id,
                                       g_context.rank, g_context.size, severity, message);
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace rankflow::log
