// What a job shows of itself, through the CLI under mpirun (np 1..4): the profile (Chrome
// trace events, checked by tools/observability_check.py: one process per rank, every stage
// on every rank, rows read over ranks = input rows, bytes sent over ranks = bytes received),
// the end-of-job summary, progress lines reaching 100%, the HTML report rendered in headless
// Chromium (a screenshot that is not blank), and `rankflow explain` (the plan, exit 0 on a
// valid job whose data has a bad row far in, nothing written; config errors as `run`).
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>

#include "support/process.hpp"
#include "support/strings.hpp"
#include "support/temp_dir.hpp"

namespace rankflow::test {
namespace {

constexpr int kRows = 20000;

std::string checker() { return source_dir() + "/tests/e2e/tools/observability_check.py"; }

// sales-1..3.csv (kRows rows) and the demo's group-by job, in a fresh folder.
struct SalesJob {
  TempDir dir;
  std::string job = dir.file("job.ini");
  SalesJob() {
    const RunResult made = run_process(
        {source_dir() + "/scripts/make_sales_data", dir.file("data"), std::to_string(kRows), "3"});
    EXPECT_EQ(made.exit_code, 0) << made.err;
    write_file(job, "[input]\npath = " + dir.file("data/sales-*.csv") +
                        "\n[filter]\nwhere = qty > 5\n[derive]\nrevenue = value * qty\n"
                        "[groupby]\nkeys = category, region\naggregate = sum(revenue), count()\n"
                        "[output]\npath = " + dir.file("out/by_category.csv") +
                        "\nsort = category, region\ntable = off\n");
    std::filesystem::create_directory(dir.file("out"));
  }
};

TEST(Observability, ProfileAndSummaryAtEveryRankCount) {
  const SalesJob setup;
  for (int np = 1; np <= 4; ++np) {
    SCOPED_TRACE("np " + std::to_string(np));
    const std::string profile = setup.dir.file("out/profile.json");
    const RunResult run = run_rankflow(np, {"run", setup.job, "--profile", profile});
    ASSERT_EQ(run.exit_code, 0) << run.err;
    for (const char* stage : {"stage read", "stage filter, derive", "stage group-by",
                              "stage sort", "stage write", "wall time"})
      EXPECT_TRUE(contains(run.err, stage)) << run.err;
    const RunResult check = run_process(
        {"python3", checker(), "profile", profile, std::to_string(np), std::to_string(kRows)});
    EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  }
}

TEST(Observability, ProgressLinesReachOneHundredPercent) {
  const SalesJob setup;
  for (int np : {1, 3}) {
    const RunResult run = run_rankflow(np, {"run", setup.job, "--progress", "lines", "--set",
                                            "input.block_size=4KiB", "--set",
                                            "job.progress_interval=0.001s"});
    ASSERT_EQ(run.exit_code, 0) << run.err;
    const std::regex percent(R"(^rankflow: progress +\d+% of )");
    std::size_t lines = 0;
    std::string last;
    for (const std::string& line : split_lines(run.err)) {
      if (line.rfind("rankflow: progress", 0) != 0) continue;
      EXPECT_TRUE(std::regex_search(line, percent)) << line;
      ++lines;
      last = line;
    }
    EXPECT_GE(lines, 3u) << run.err;
    EXPECT_TRUE(contains(last, "100% of")) << last;
    EXPECT_TRUE(contains(last, "stage done")) << last;
  }
  // -q and --progress off print none.
  const RunResult quiet = run_rankflow(2, {"run", setup.job, "-q", "--progress", "lines"});
  EXPECT_EQ(quiet.exit_code, 0) << quiet.err;
  EXPECT_FALSE(contains(quiet.err, "progress")) << quiet.err;
}

TEST(Observability, ReportRendersInHeadlessChromium) {
  const SalesJob setup;
  const std::string report = setup.dir.file("out/report.html");
  const RunResult run = run_rankflow(3, {"run", setup.job, "--report", report});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const std::string html = read_file(report);
  for (const char* part : {"Timeline per rank", "Stages across ranks", "rank x rank",
                           "Memory and spill per rank", "rank 2 ("})
    EXPECT_TRUE(contains(html, part)) << part;
  EXPECT_FALSE(contains(html, "http://") && !contains(html, "xmlns=\"http://www.w3.org/2000/svg\""));
  EXPECT_FALSE(contains(html, "<script")) << "the report runs no script";
  const std::string png = setup.dir.file("out/report.png");
  const RunResult shot = run_process(
      {"chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
       "--no-first-run", "--disable-background-networking", "--disable-component-update",
       "--disable-sync", "--user-data-dir=" + setup.dir.file("chromium"),
       "--window-size=1100,1200", "--screenshot=" + png, "file://" + report},
      120);
  ASSERT_EQ(shot.exit_code, 0) << shot.err;
  const RunResult check = run_process({"python3", checker(), "png", png});
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
}

TEST(Observability, ExplainReadsNoRowsAndWritesNothing) {
  const SalesJob setup;
  // A bad value far past the type-inference sample: run fails on it, explain does not read it.
  std::string tail = "999999,1,books,north,not-a-number,3,2024-01-01T00:00:00\n";
  write_file(setup.dir.file("data/sales-4.csv"),
             "id,key,category,region,value,qty,ts\n" +
                 [&] {
                   std::string rows;
                   for (int row = 0; row < 60000; ++row)
                     rows += std::to_string(row) + ",1,books,north,1.5,3,2024-01-01T00:00:00\n";
                   return rows;
                 }() + tail);
  for (int np : {1, 2, 3}) {
    const RunResult explain = run_rankflow(np, {"explain", setup.job});
    EXPECT_EQ(explain.exit_code, 0) << explain.err;
    for (const char* part : {"input: CSV", "columns read: category, region, value, qty (4 of 7",
                             "filter (applied block by block as rows are read): qty > 5",
                             "memory budget:", "stages, in order:", "1. read CSV",
                             "3. group-by category, region", "5. sort by category, region",
                             ". write "})
      EXPECT_TRUE(contains(explain.out, part)) << part << "\n" << explain.out;
    EXPECT_EQ(list_dir(setup.dir.file("out")), std::vector<std::string>{});
  }
  const RunResult run = run_rankflow(2, {"run", setup.job});
  EXPECT_EQ(run.exit_code, 1) << "the bad row is there: " << run.err;
  // A config error: the same message and exit code as run.
  const std::vector<std::string> typo = {"--set", "groupby.keys=categroy"};
  std::vector<std::string> explain_args = {"explain", setup.job}, run_args = {"run", setup.job};
  explain_args.insert(explain_args.end(), typo.begin(), typo.end());
  run_args.insert(run_args.end(), typo.begin(), typo.end());
  const RunResult bad_explain = run_rankflow(2, explain_args);
  const RunResult bad_run = run_rankflow(2, run_args);
  EXPECT_EQ(bad_explain.exit_code, 2) << bad_explain.err;
  EXPECT_EQ(bad_run.exit_code, 2) << bad_run.err;
  const auto error_line = [](const std::string& err) {
    const std::size_t at = err.find("rankflow: error:");
    return at == std::string::npos ? std::string() : err.substr(at, err.find('\n', at) - at);
  };
  EXPECT_FALSE(error_line(bad_explain.err).empty()) << bad_explain.err;
  EXPECT_EQ(error_line(bad_explain.err), error_line(bad_run.err));
}

TEST(Observability, ArrayJobProfileAndExplain) {
  TempDir dir;
  const RunResult made =
      run_rankflow(2, {"generate", "grid", dir.file("grid.h5"), "--rows", "5000", "--cols", "4"});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  write_file(dir.file("job.ini"), "[input]\npath = " + dir.file("grid.h5") +
                                      "\ndataset = /temperature\n[reduce]\nfunctions = sum, mean"
                                      "\n[output]\npath = " + dir.file("stats.csv") + "\n");
  const RunResult explain = run_rankflow(2, {"explain", dir.file("job.ini")});
  EXPECT_EQ(explain.exit_code, 0) << explain.err;
  EXPECT_TRUE(contains(explain.out, "1. reduce /temperature (5000, 4) float64")) << explain.out;
  EXPECT_FALSE(file_exists(dir.file("stats.csv")));
  for (int np : {1, 4}) {
    const RunResult run = run_rankflow(
        np, {"run", dir.file("job.ini"), "--profile", dir.file("p.json"), "--progress", "lines"});
    ASSERT_EQ(run.exit_code, 0) << run.err;
    EXPECT_TRUE(contains(run.err, "progress 100% of 156 KiB read")) << run.err;
    const std::string profile = read_file(dir.file("p.json"));
    EXPECT_TRUE(contains(profile, "\"name\":\"reduce\"")) << profile;
    EXPECT_TRUE(contains(profile, "\"rows_in\":")) << profile;
  }
}

}  // namespace
}  // namespace rankflow::test
