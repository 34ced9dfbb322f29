// CSV keys of job configs: options built from a section, and errors that name the key.
#include <gtest/gtest.h>

#include "rankflow/job/csv_config.hpp"
#include "rankflow/job/schema.hpp"

namespace rankflow::job {
namespace {

RawConfig config_of(const std::vector<std::pair<std::string, std::string>>& keys,
                    const std::string& section = "input") {
  RawConfig config("job.ini");
  for (const auto& [key, value] : keys) config.set(section, key, value, "job.ini");
  return config;
}

std::string config_error(const RawConfig& config, const std::string& section = "input") {
  try {
    csv_options_from(Section(config, section));
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::kConfig);
    return error.what();
  }
  return "";
}

TEST(CsvConfig, EveryKey) {
  const RawConfig config = config_of({{"path", "data/sales-*.csv"},
                                      {"delimiter", "tab"},
                                      {"quote", "'"},
                                      {"header", "false"},
                                      {"schema", "id:int64, ts:timestamp"},
                                      {"null_values", "NA, NULL"},
                                      {"on_bad_rows", "skip"},
                                      {"block_size", "64KiB"},
                                      {"sample_size", "2MiB"},
                                      {"max_record_size", "1MiB"}});
  const io::CsvOptions options = csv_options_from(Section(config, "input"));
  EXPECT_EQ(options.path, "data/sales-*.csv");
  EXPECT_EQ(options.delimiter, '\t');
  EXPECT_EQ(options.quote, '\'');
  EXPECT_FALSE(options.header);
  ASSERT_EQ(options.schema.size(), 2u);
  EXPECT_EQ(options.schema[1].name, "ts");
  EXPECT_EQ(options.schema[1].type, table::ColumnType::kTimestamp);
  EXPECT_EQ(options.null_values, (std::vector<std::string>{"NA", "NULL"}));
  EXPECT_EQ(options.on_bad_rows, io::BadRowPolicy::kSkip);
  EXPECT_EQ(options.block_size, 64u * 1024);
  EXPECT_EQ(options.sample_size, 2u * 1024 * 1024);
  EXPECT_EQ(options.max_record_size, 1024u * 1024);
  EXPECT_NO_THROW(validate_keys(config));
  EXPECT_NO_THROW(validate_keys(config_of({{"path", "x.csv"}, {"delimiter", ";"}}, "input.sales")));
}

TEST(CsvConfig, DefaultsAndFormats) {
  io::CsvOptions options = csv_options_from(Section(config_of({{"path", "a.csv"}}), "input"));
  EXPECT_EQ(options.delimiter, ',');
  EXPECT_EQ(options.quote, '"');
  EXPECT_TRUE(options.header);
  EXPECT_EQ(options.on_bad_rows, io::BadRowPolicy::kError);
  options = csv_options_from(Section(config_of({{"path", "a.TSV"}}), "input"));
  EXPECT_EQ(options.delimiter, '\t');
  EXPECT_EQ(input_format(Section(config_of({{"path", "x/*.csv"}}), "input")), "csv");
  EXPECT_EQ(input_format(Section(config_of({{"path", "x.h5"}}), "input")), "hdf5");
  EXPECT_EQ(input_format(Section(config_of({{"path", "x.dat"}, {"format", "csv"}}), "input")), "csv");
  EXPECT_THROW(input_format(Section(config_of({{"path", "x.dat"}}), "input")), Error);
  options = csv_options_from(Section(config_of({{"path", "a.csv"}, {"quote", "none"}}), "input"));
  EXPECT_EQ(options.quote, io::kNoQuote);
}

TEST(CsvConfig, ErrorsNameTheKey) {
  EXPECT_NE(config_error(config_of({{"path", "a.csv"}, {"delimiter", "::"}}))
                .find("job.ini: [input] delimiter = '::': expected one character"),
            std::string::npos);
  EXPECT_NE(config_error(config_of({{"path", "a.csv"}, {"schema", "id:integer"}}))
                .find("[input] schema = 'id:integer': 'id:integer' is not name:type"),
            std::string::npos);
  EXPECT_NE(config_error(config_of({{"path", "a.csv"}, {"on_bad_rows", "ignore"}}))
                .find("expected one of: error, skip"),
            std::string::npos);
  // Regression: the checks of option combinations said "[input]: the CSV quote and delimiter
  // are both ','" without the job file and the key.
  EXPECT_NE(config_error(config_of({{"path", "a.csv"}, {"quote", ","}}))
                .find("job.ini: [input] quote = ',': the quote and delimiter are both ','"),
            std::string::npos);
  EXPECT_NE(config_error(config_of({{"delimiter", ","}})).find("path"), std::string::npos);
  EXPECT_NE(config_error(config_of({{"path", "a.csv"}, {"schema", "a:int64, a:string"}}))
                .find("job.ini: [input] schema = 'a:int64, a:string': names column 'a' twice"),
            std::string::npos);
  EXPECT_NE(config_error(config_of({{"path", "a.csv"}, {"block_size", "2GiB"}}))
                .find("job.ini: [input] block_size = '2GiB': must be between 1 byte and 1 GiB"),
            std::string::npos);
  EXPECT_EQ(io::csv_option_problem_of("CSV option schema: names column 'x'")->key, "schema");
  EXPECT_EQ(io::csv_option_problem_of("CSV option schema: names column 'x'")->problem,
            "names column 'x'");
  EXPECT_FALSE(io::csv_option_problem_of("data.csv: line 2: 'x' is not a valid int64"));
}

// Regression: max_record_size below block_size bounded nothing (a 300-byte record passed with
// max_record_size = 100 at the default block size). It bounds the buffer's growth past
// block_size, so a smaller value is refused; without the key it grows with block_size.
TEST(CsvConfig, MaxRecordSizeIsAtLeastTheBlockSize) {
  EXPECT_NE(config_error(config_of({{"path", "a.csv"}, {"max_record_size", "100"}}))
                .find("job.ini: [input] max_record_size = '100': is smaller than block_size "
                      "(100 B < 1.0 MiB)"),
            std::string::npos);
  EXPECT_EQ(
      config_error(config_of({{"path", "a.csv"}, {"block_size", "64"}, {"max_record_size", "64"}})),
      "");
  const io::CsvOptions options =
      csv_options_from(Section(config_of({{"path", "a.csv"}, {"block_size", "128MiB"}}), "input"));
  EXPECT_EQ(options.max_record_size, std::uint64_t{128} << 20);
}

}  // namespace
}  // namespace rankflow::job
