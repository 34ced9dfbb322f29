// The end-to-end check of a failed run, shared by the CLI tests: the exit code, every part of
// the message, the error printed once (by one rank, after agreement), and nothing left in the
// output folder (no half-written file).
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/process.hpp"
#include "support/strings.hpp"
#include "support/temp_dir.hpp"

namespace rankflow::test {

inline void expect_one_clear_error(const RunResult& run, int exit_code,
                                   const std::vector<std::string>& message,
                                   const std::string& out_dir) {
  EXPECT_EQ(run.exit_code, exit_code) << run.err;
  for (const std::string& part : message) EXPECT_TRUE(contains(run.err, part)) << run.err;
  const std::size_t first = run.err.find("rankflow: error:");
  EXPECT_NE(first, std::string::npos) << run.err;
  EXPECT_EQ(run.err.find("rankflow: error:", first + 1), std::string::npos) << "printed twice";
  EXPECT_EQ(list_dir(out_dir), std::vector<std::string>{});
}

}  // namespace rankflow::test
