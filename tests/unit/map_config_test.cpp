// The [map] job's config without MPI: command splitting (no shell: quotes and placeholders),
// templates, durations, key errors, and journal records that survive any file name.
#include "config/map_config.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

#include "map/map_tasks.hpp"
#include "rankflow/core/error.hpp"

namespace rankflow::job {
namespace {

RawConfig map_config(const std::string& command, const std::string& extra = "") {
  RawConfig config("job.ini");
  config.set("map", "inputs", "data/*.csv", "job.ini");
  config.set("map", "command", command, "job.ini");
  config.set("output", "path", "out/tasks.csv", "job.ini");
  if (!extra.empty()) {
    const std::size_t eq = extra.find('=');
    config.set("map", extra.substr(0, eq), extra.substr(eq + 1), "job.ini");
  }
  return config;
}

std::string config_error(const RawConfig& config) {
  try {
    parse_map_job(config);
  } catch (const Error& error) {
    EXPECT_EQ(error.exit_code(), 2);
    return error.what();
  }
  return "no error";
}

TEST(SplitCommand, QuotesAndEscapesLikeAShellButRunNothing) {
  EXPECT_EQ(split_command("python3  tools/x.py --in {input}"),
            (std::vector<std::string>{"python3", "tools/x.py", "--in", "{input}"}));
  EXPECT_EQ(split_command("sh -c 'wc -l < \"$1\"' sh"),
            (std::vector<std::string>{"sh", "-c", "wc -l < \"$1\"", "sh"}));
  EXPECT_EQ(split_command("echo \"a b\\\" \\$HOME\" c\\ d ''"),
            (std::vector<std::string>{"echo", "a b\" $HOME", "c d", ""}));
  EXPECT_THROW(split_command("echo 'open"), std::invalid_argument);
  EXPECT_THROW(split_command("echo \"open"), std::invalid_argument);
  EXPECT_THROW(split_command("echo \\"), std::invalid_argument);
}

TEST(Template, SubstitutesEachPlaceholderOnceAndNeverResplits) {
  const std::vector<std::string> names = {"input", "name", "stem", "index", "output"};
  const Template text = parse_template("--in={input}:{stem}.{index}{{x}}", names);
  TaskNames task;
  task.input = "d/a b;$(touch X) '\".csv";
  task.stem = "a b;$(touch X) '\"";
  task.index = "7";
  EXPECT_EQ(expand(text, task), "--in=d/a b;$(touch X) '\".csv:a b;$(touch X) '\".7{x}");
  EXPECT_TRUE(text.uses("stem"));
  EXPECT_FALSE(text.uses("output"));
  EXPECT_THROW(parse_template("{inptu}", names), std::invalid_argument);
  EXPECT_THROW(parse_template("{input", names), std::invalid_argument);
}

TEST(Duration, UnitsAndErrors) {
  EXPECT_DOUBLE_EQ(parse_duration("10min"), 600);
  EXPECT_DOUBLE_EQ(parse_duration("30s"), 30);
  EXPECT_DOUBLE_EQ(parse_duration("1.5h"), 5400);
  EXPECT_DOUBLE_EQ(parse_duration("250ms"), 0.25);
  EXPECT_DOUBLE_EQ(parse_duration("90"), 90);
  EXPECT_THROW(parse_duration("ten"), std::invalid_argument);
  EXPECT_THROW(parse_duration("5 weeks"), std::invalid_argument);
  EXPECT_THROW(parse_duration("-1s"), std::invalid_argument);
}

TEST(MapConfig, DefaultsAndKeys) {
  const MapJobConfig job = parse_map_job(map_config("wc -l {input}"));
  EXPECT_EQ(job.inputs, std::vector<std::string>{"data/*.csv"});
  EXPECT_EQ(job.command.size(), 3u);
  EXPECT_FALSE(job.has_output);
  EXPECT_EQ(job.timeout_seconds, 0);
  EXPECT_EQ(job.retries, 0);
  EXPECT_EQ(job.on_error, OnError::kContinue);
  EXPECT_EQ(job.log_dir, "out/tasks.logs");
  EXPECT_FALSE(job.rerun_all);
  EXPECT_TRUE(parse_map_job(map_config("true", "rerun=all")).rerun_all);
  EXPECT_EQ(parse_map_job(map_config("true", "timeout=10min")).timeout_seconds, 600);
}

TEST(MapConfig, ErrorsNameTheKeyAndWhatIsAllowed) {
  EXPECT_NE(config_error(map_config("cat {inptu}")).find("unknown placeholder {inptu}"),
            std::string::npos);
  EXPECT_NE(config_error(map_config("cp {input} {output}")).find("output"), std::string::npos);
  EXPECT_NE(config_error(map_config("echo 'x")).find("job.ini: [map] command = 'echo 'x'"),
            std::string::npos);
  EXPECT_NE(config_error(map_config("true", "on_error=abort")).find("on_error"), std::string::npos);
  EXPECT_NE(config_error(map_config("true", "timeout=soon")).find("timeout"), std::string::npos);
  EXPECT_NE(config_error(map_config("true", "output=out/same.csv")).find("same file"),
            std::string::npos);
  RawConfig with_input = map_config("true");
  with_input.set("input", "path", "x.csv", "job.ini");
  EXPECT_NE(config_error(with_input).find("[input] belongs to other jobs"), std::string::npos);
}

TEST(Journal, RecordsRoundTripWhateverTheNames) {
  TaskRecord record;
  record.index = 12;
  record.input = "in/we,ird\nname %41;$(x) \"q\".csv";
  record.status = "timeout";
  record.exit_code = 143;
  record.attempts = 3;
  record.rank = 2;
  record.host = "node-1";
  record.seconds = 1.25;
  record.output = "out/a,b.csv";
  record.log = "logs/12-we,ird.log";
  record.definition = "cmd a%2C b,in,1,2,out";
  const std::string line = encode_record(record);
  EXPECT_EQ(line.find('\n'), line.size() - 1);
  const std::optional<TaskRecord> back = decode_record(line.substr(0, line.size() - 1));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->input, record.input);
  EXPECT_EQ(back->status, record.status);
  EXPECT_EQ(back->exit_code, 143);
  EXPECT_EQ(back->attempts, 3);
  EXPECT_EQ(back->rank, 2);
  EXPECT_EQ(back->output, record.output);
  EXPECT_EQ(back->log, record.log);
  EXPECT_EQ(back->definition, record.definition);
  // A line cut short by a SIGKILL is not a record.
  EXPECT_FALSE(decode_record(line.substr(0, line.size() / 2)).has_value());
}

}  // namespace
}  // namespace rankflow::job
