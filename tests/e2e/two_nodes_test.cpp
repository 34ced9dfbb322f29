// Jobs run as 2 nodes x 2 ranks on this machine (mpirun through tests/support/fake_rsh, TCP
// between the nodes, tests/CMakeLists.txt) give the same outputs as at 4 ranks on one node: a
// broadcast join (one copy of the build side per node), a shuffle join, a group-by and a sort.
#include <gtest/gtest.h>

#include "support/background.hpp"
#include "support/strings.hpp"
#include "support/temp_dir.hpp"

namespace rankflow::test {
namespace {

std::vector<std::string> two_node_command(const std::vector<std::string>& args) {
  std::vector<std::string> command = {RANKFLOW_MPIEXEC, "-np", "4", "--hostfile",
                                      source_dir() + "/tests/support/two_nodes.hostfile",
                                      "--mca", "plm", "rsh", "--mca", "plm_rsh_agent",
                                      source_dir() + "/tests/support/fake_rsh",
                                      "--mca", "btl", "self,tcp", rankflow_cli()};
  command.insert(command.end(), args.begin(), args.end());
  return command;
}

void write_inputs(const TempDir& dir) {
  std::string sales = "id,key,value\n";
  for (int row = 0; row < 20000; ++row)
    sales += std::to_string(row) + "," + std::to_string((row * 7919) % 503) + "," +
             std::to_string(row % 101) + ".25\n";
  std::string dim = "key,region,weight\n";
  for (int key = 0; key < 503; key += 2)
    dim += std::to_string(key) + ",r" + std::to_string(key % 13) + "," + std::to_string(key % 5) +
           "\n";
  write_file(dir.file("sales.csv"), sales);
  write_file(dir.file("dim.csv"), dim);
}

std::string join_job(const std::string& strategy, const std::string& output) {
  return "[input.sales]\npath = sales.csv\n[input.dim]\npath = dim.csv\n"
         "[join]\nleft = sales\nright = dim\non = key\nstrategy = " + strategy + "\n"
         "[derive]\nvw = value * weight\n[groupby]\nkeys = region\n"
         "aggregate = sum(vw) as sum_vw, count(id) as n\n[output]\npath = " + output +
         "\nsort = region\n";
}

std::string sort_job(const std::string& output) {
  return "[input]\npath = sales.csv\nblock_size = 16KiB\n[sort]\nby = value desc, id\n"
         "[output]\npath = " + output + "\n";
}

RunResult run_in(const TempDir& dir, const std::vector<std::string>& command) {
  BackgroundProcess job(command, dir.path());
  return job.wait(180);
}

TEST(TwoNodes, JobsMatchTheOneNodeRun) {
  TempDir dir;
  write_inputs(dir);
  const std::vector<std::pair<std::string, std::string>> jobs = {
      {"broadcast", join_job("broadcast", "OUT")},
      {"shuffle", join_job("shuffle", "OUT")},
      {"sort", sort_job("OUT")}};
  for (const auto& [name, text] : jobs) {
    SCOPED_TRACE(name);
    std::string one = text;
    std::string two = text;
    one.replace(one.find("OUT"), 3, name + "_one.csv");
    two.replace(two.find("OUT"), 3, name + "_two.csv");
    write_file(dir.file(name + "_one.ini"), one);
    write_file(dir.file(name + "_two.ini"), two);
    const RunResult single = run_in(dir, rankflow_command(4, {"run", name + "_one.ini"}));
    ASSERT_EQ(single.exit_code, 0) << single.err;
    const RunResult nodes = run_in(dir, two_node_command({"run", "-v", name + "_two.ini"}));
    ASSERT_EQ(nodes.exit_code, 0) << nodes.err;
    EXPECT_EQ(read_file(dir.file(name + "_two.csv")), read_file(dir.file(name + "_one.csv")));
    EXPECT_FALSE(contains(nodes.err, "shared-memory transport")) << "not two nodes: " << nodes.err;
  }
}

}  // namespace
}  // namespace rankflow::test
