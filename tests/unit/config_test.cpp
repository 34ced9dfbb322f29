#include <gtest/gtest.h>

#include "commands.hpp"
#include "rankflow/job/config.hpp"
#include "rankflow/job/schema.hpp"

namespace rankflow::job {
namespace {

TEST(ParseIni, SectionsKeysAndComments) {
  RawConfig config = cli::parse_ini(
      "# a job\n[input]\npath = data/grid.h5\ndataset = /temperature\n\n[input.sales]\n"
      "path = a.csv\n[filter]\nwhere = qty > 5 and category != \"misc\"\n",
      "job.ini");
  ASSERT_NE(config.find("input", "path"), nullptr);
  EXPECT_EQ(config.find("input", "path")->value, "data/grid.h5");
  EXPECT_EQ(config.find("input.sales", "path")->value, "a.csv");
  EXPECT_EQ(config.find("filter", "where")->value, "qty > 5 and category != \"misc\"");
  EXPECT_EQ(config.find("input", "path")->origin, "job.ini");
  EXPECT_EQ(config.sections(), (std::vector<std::string>{"input", "input.sales", "filter"}));
}

TEST(ParseIni, ASectionWithoutKeysStillExists) {
  // `[distinct]` (all columns) and `[center]` (x - x.mean(axis 0)) are whole steps with their
  // defaults, but Boost's parser reports keys only: without keys the section vanished and the
  // step silently did not run.
  const RawConfig config = cli::parse_ini(
      "[input]\npath = a.csv\n[distinct]\n  [center]   # defaults\n[output]\npath = o.h5\n",
      "job.ini");
  EXPECT_TRUE(config.has_section("distinct"));
  EXPECT_TRUE(config.has_section("center"));
  EXPECT_FALSE(config.has_section("top"));
  EXPECT_EQ(config.sections(), (std::vector<std::string>{"input", "output", "distinct", "center"}));
  EXPECT_EQ(config.text(), "[input]\npath = a.csv\n[output]\npath = o.h5\n[distinct]\n[center]\n");
  try {  // and a misspelt one is no longer ignored
    validate_keys(cli::parse_ini("[input]\npath = a.csv\n[distinc]\n", "job.ini"));
    FAIL() << "no error";
  } catch (const Error& error) {
    EXPECT_NE(
        std::string(error.what()).find("unknown section [distinc] (did you mean 'distinct'?)"),
        std::string::npos)
        << error.what();
  }
}

TEST(ParseIni, DuplicateKeyIsAnError) {
  try {
    cli::parse_ini("[input]\npath = a\npath = b\n", "job.ini");
    FAIL() << "no error";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::kConfig);
    EXPECT_NE(std::string(error.what()).find("'input.path' is given twice"), std::string::npos);
  }
}

TEST(ParseIni, LineWithoutEqualsNamesTheFile) {
  try {
    cli::parse_ini("[input]\npath\n", "job.ini");
    FAIL() << "no error";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::kConfig);
    EXPECT_NE(std::string(error.what()).find("job.ini"), std::string::npos);
  }
}

// Boost's own message for this line never ends (its template's placeholders are replaced in
// a loop that the line's own '%invalid_line%' restarts: fuzz_ini's timeout).
TEST(ParseIni, InvalidLineHoldingBoostPlaceholdersIsQuotedNotExpanded) {
  try {
    cli::parse_ini("[input]\nx%original_token%invalid_line%%<<\n", "job.ini");
    FAIL() << "no error";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::kConfig);
    EXPECT_EQ(std::string(error.what()),
              "job.ini: invalid line 'x%original_token%invalid_line%%<<': expected [section], "
              "key = value or a # comment");
  }
}

TEST(RawConfig, OverrideReplacesAndAdds) {
  RawConfig config("job.ini");
  config.set("input", "path", "a.h5", "job.ini");
  config.set_override("input.path=/scratch/b.h5");
  config.set_override("input.sales.path = c.csv");
  EXPECT_EQ(config.find("input", "path")->value, "/scratch/b.h5");
  EXPECT_EQ(config.find("input", "path")->origin, "--set");
  EXPECT_EQ(config.find("input.sales", "path")->value, "c.csv");
  EXPECT_THROW(config.set_override("nodot=1"), Error);
  EXPECT_THROW(config.set_override("input.path"), Error);
}

// `--set join.on=` to use left_on and right_on instead counted as given ("not both").
TEST(RawConfig, AnEmptyOverrideRemovesTheKey) {
  RawConfig config = cli::parse_ini(
      "[join]\nleft = input.a\nright = input.b\non = k\nleft_suffix = _x\n[distinct]\n"
      "columns = k\n",
      "job.ini");
  config.set_override("join.on=");
  config.set_override("join.left_on = k1");
  config.set_override("distinct.columns =  ");
  EXPECT_EQ(config.find("join", "on"), nullptr);
  EXPECT_EQ(config.find("join", "left_on")->value, "k1");
  EXPECT_EQ(config.find("distinct", "columns"), nullptr);
  EXPECT_TRUE(config.has_section("distinct"));  // the step stays, with its defaults
  EXPECT_EQ(Section(config, "job").get_bytes("memory_per_rank", 7), 7u);
  config.set_override("job.memory_per_rank=");  // nothing to remove: no section appears
  EXPECT_FALSE(config.has_section("job"));
  EXPECT_EQ(config.text(),
            "[join]\nleft = input.a\nright = input.b\nleft_suffix = _x\nleft_on = k1\n"
            "[distinct]\n");
  // An empty join suffix is a value (the clashing names stay as they are), not the default.
  config.set_override("join.left_suffix=");
  ASSERT_NE(config.find("join", "left_suffix"), nullptr);
  EXPECT_EQ(config.find("join", "left_suffix")->value, "");
  EXPECT_EQ(config.find("join", "left_suffix")->origin, "--set");
  // A cleared key is still checked for typos.
  EXPECT_NO_THROW(validate_keys(config));
  config.set_override("join.onn=");
  try {
    validate_keys(config);
    ADD_FAILURE() << "no error";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("--set join.onn: unknown key 'onn' in [join]"),
              std::string::npos)
        << error.what();
  }
}

TEST(Section, TypedValuesAndErrorsNameTheKey) {
  RawConfig config("job.ini");
  config.set("reduce", "axis", "7", "job.ini");
  config.set("reduce", "ddof", "x", "job.ini");
  config.set("reduce", "functions", "mean, std ,quantile(x, 0.5)", "job.ini");
  config.set("reduce", "nan", "maybe", "job.ini");
  config.set("input", "block", "64MiB", "job.ini");
  Section reduce(config, "reduce");
  EXPECT_EQ(reduce.get_int("axis", 0, 0, 10), 7);
  EXPECT_EQ(reduce.get_list("functions"),
            (std::vector<std::string>{"mean", "std", "quantile(x, 0.5)"}));
  EXPECT_EQ(Section(config, "input").get_bytes("block", 1), 64u << 20);
  try {
    reduce.get_int("ddof", 0, 0, 10);
    FAIL();
  } catch (const Error& error) {
    EXPECT_STREQ(error.what(), "job.ini: [reduce] ddof = 'x': expected a whole number");
  }
  try {
    reduce.get_choice("nan", "skip", {"skip", "propagate"});
    FAIL();
  } catch (const Error& error) {
    EXPECT_STREQ(error.what(),
                 "job.ini: [reduce] nan = 'maybe': expected one of: skip, propagate");
  }
  EXPECT_THROW(reduce.get_int("axis", 0, 0, 3), Error);
  EXPECT_THROW(reduce.require("missing"), Error);
}

TEST(SplitList, RespectsParenthesesAndQuotes) {
  EXPECT_EQ(split_list("sum(a) as s, quantile(b, 0.9), 'x,y'"),
            (std::vector<std::string>{"sum(a) as s", "quantile(b, 0.9)", "'x,y'"}));
  EXPECT_EQ(split_list(""), std::vector<std::string>{});
}

TEST(Schema, UnknownSectionAndKeySuggest) {
  RawConfig config("job.ini");
  config.set("jbo", "name", "x", "job.ini");
  try {
    validate_keys(config);
    FAIL();
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::kConfig);
    EXPECT_NE(std::string(error.what()).find("unknown section [jbo] (did you mean 'job'?)"),
              std::string::npos)
        << error.what();
  }
  RawConfig typo("job.ini");
  typo.set("job", "nmae", "x", "job.ini");
  try {
    validate_keys(typo);
    FAIL();
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("unknown key 'nmae' in [job] (did you mean 'name'?)"),
              std::string::npos)
        << error.what();
  }
}

TEST(Schema, EditDistance) {
  EXPECT_EQ(edit_distance("axis", "axis"), 0u);
  EXPECT_EQ(edit_distance("axes", "axis"), 1u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
}

}  // namespace
}  // namespace rankflow::job

namespace rankflow {
namespace {

// Issue 17: an error that quoted a 1 MB value printed 3 MB (the value, the expression and the
// caret line under it). Values are quoted as excerpts.
TEST(ConfigErrors, AMegabyteValueIsQuotedAsAnExcerpt) {
  const std::string value(1 << 20, 'v');
  job::RawConfig config("job.ini");
  config.set("input", "path", value, "job.ini");
  const std::string message = job::Section(config, "input").error("path", "no such file").what();
  EXPECT_NE(message.find("job.ini: [input] path = 'vvvv"), std::string::npos) << message.substr(0, 200);
  EXPECT_NE(message.find("... (1048576 bytes)': no such file"), std::string::npos)
      << message.substr(0, 200);
  EXPECT_LT(message.size(), 200u);
  EXPECT_EQ(excerpt("short"), "short");
  // Never cuts a UTF-8 character: 'é' is two bytes.
  const std::string accents(200, 'x');
  EXPECT_EQ(excerpt("x" + std::string(50, '\xC3') + accents, 2).substr(0, 1), "x");
}

}  // namespace
}  // namespace rankflow
