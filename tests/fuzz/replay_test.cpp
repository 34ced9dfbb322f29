// Replays every seed input (tests/fuzz/corpus/<target>/) and every input a fuzzer once
// crashed on (tests/fuzz/crashes/<target>/) through the target's fuzz_one, in the normal
// build: a fixed crash stays fixed, also without clang and libFuzzer.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "fuzz_support.hpp"

namespace rankflow::fuzz {
namespace {

namespace fs = std::filesystem;
using Target = int (*)(const std::uint8_t*, std::size_t);

// Replays the files of corpus/<name> and crashes/<name>; returns how many.
std::size_t replay(const std::string& name, Target target) {
  std::size_t count = 0;
  for (const char* kind : {"corpus", "crashes"}) {
    const fs::path dir = fs::path(RANKFLOW_FUZZ_DIR) / kind / name;
    if (!fs::is_directory(dir)) continue;
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(dir))
      if (entry.is_regular_file()) files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    for (const fs::path& file : files) {
      SCOPED_TRACE(file.string());
      std::ifstream in(file, std::ios::binary);
      const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      EXPECT_EQ(target(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()), 0);
      ++count;
    }
  }
  // An empty input too: every target must take it.
  EXPECT_EQ(target(nullptr, 0), 0);
  return count;
}

TEST(FuzzReplay, Csv) { EXPECT_GT(replay("csv", &csv::fuzz_one), 0u); }
TEST(FuzzReplay, CsvRanges) { EXPECT_GT(replay("csv_ranges", &csv_ranges::fuzz_one), 0u); }
TEST(FuzzReplay, Expr) { EXPECT_GT(replay("expr", &expr::fuzz_one), 0u); }
TEST(FuzzReplay, Ini) { EXPECT_GT(replay("ini", &ini::fuzz_one), 0u); }
TEST(FuzzReplay, Datetime) { EXPECT_GT(replay("datetime", &datetime::fuzz_one), 0u); }
TEST(FuzzReplay, Hdf5) { EXPECT_GT(replay("hdf5", &hdf5::fuzz_one), 0u); }

}  // namespace
}  // namespace rankflow::fuzz
