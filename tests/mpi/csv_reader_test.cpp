// The partitioned CSV reader against the serial oracle (tests/oracle/csv_oracle.hpp), at every
// rank count, with tiny blocks and rank boundaries placed on every byte of tricky inputs.
#include <gtest/gtest.h>

#include <random>

#include "oracle/csv_oracle.hpp"
#include "rankflow/io/csv/csv_source.hpp"
#include "support/csv_fixtures.hpp"
#include "support/mpi_test.hpp"
#include "support/temp_dir.hpp"

namespace rankflow::test {
namespace {

using table::ColumnType;

csv_oracle::Options oracle_options(const io::CsvOptions& options) {
  csv_oracle::Options oracle;
  oracle.delimiter = options.delimiter;
  oracle.quote = options.quote;
  oracle.header = options.header;
  oracle.null_values = options.null_values;
  oracle.skip_bad_rows = options.on_bad_rows == io::BadRowPolicy::kSkip;
  for (const table::Field& field : options.schema) oracle.types.push_back(field.type);
  return oracle;
}

// Reads `files` with the distributed reader and the oracle and compares everything.
void expect_same_as_oracle(const std::vector<csv_oracle::InputFile>& files,
                           const io::CsvOptions& options, const std::string& context) {
  const csv_oracle::Result expected = csv_oracle::read(files, oracle_options(options));
  const DistributedRead actual = read_distributed(world(), options);
  if (!expected.error.empty()) {
    EXPECT_NE(actual.error.find(expected.error), std::string::npos)
        << context << "\nexpected error: " << expected.error << "\nactual: " << actual.error;
    return;
  }
  ASSERT_EQ(actual.error, "") << context;
  std::vector<std::string> names;
  std::vector<ColumnType> types;
  for (const table::Field& field : actual.schema.fields()) {
    names.push_back(field.name);
    types.push_back(field.type);
  }
  EXPECT_EQ(names, expected.names) << context;
  EXPECT_EQ(types, expected.types) << context;
  EXPECT_EQ(actual.rows.size(), expected.rows.size()) << context;
  EXPECT_EQ(actual.rows, expected.rows) << context;
  EXPECT_EQ(actual.skipped, expected.skipped) << context;
}

std::vector<std::uint64_t> random_splits(std::mt19937_64& rng, std::uint64_t total,
                                         std::uint64_t first) {
  const auto ranks = static_cast<std::size_t>(world().size());
  std::vector<std::uint64_t> points;
  if (ranks < 2) return points;
  points.push_back(first);
  for (std::size_t idx = 2; idx < ranks; ++idx)
    points.push_back(std::uniform_int_distribution<std::uint64_t>(points.back(), total)(rng));
  return points;
}

// Every rank boundary over a glob of files: the first rank's split on every byte of the
// whole input (the others' at random after it), with block sizes cycling 1..max_block.
void expect_every_boundary(const std::vector<csv_oracle::InputFile>& files, io::CsvOptions options,
                           std::uint64_t seed, std::size_t max_block) {
  std::uint64_t total = 0;
  for (const auto& file : files) total += file.text.size();
  std::mt19937_64 rng(seed);
  for (std::uint64_t split = 0; split <= total; ++split) {
    options.block_size = 1 + split % max_block;
    options.split_points = random_splits(rng, total, split);
    expect_same_as_oracle(files, options, fmt::format("split {}", split));
    if (world().size() == 1) break;
  }
}

// A file made of nothing but hard cases, for the exhaustive boundary sweep.
const char kTricky[] =
    "\xEF\xBB\xBFid,\"na,me\",note\r\n"
    "1,\"a,b\",\"she said \"\"hi\"\"\"\r\n"
    "2,\"multi\nline\r\nfield\",x\n"
    "\n"
    "3,\"\"\"\",\"\"\r\n"
    "4,caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80,\"\xE2\x82\xAC,\n\"\"\"\n"
    "5,,\"ends without newline\"";

TEST(CsvReader, EveryBoundaryOfATrickyFile) {
  TempDir dir = TempDir::shared(world());
  const auto files = write_csv_files(world(), dir.path(), {{"tricky.csv", kTricky}});
  const std::uint64_t total = files[0].text.size();
  std::mt19937_64 rng(7);
  io::CsvOptions options;
  options.path = files[0].name;
  for (std::uint64_t split = 0; split <= total; ++split) {
    for (const std::uint64_t block : {1ul, 5ul, 64ul}) {
      options.block_size = block;
      options.split_points = random_splits(rng, total, split);
      expect_same_as_oracle(files, options, fmt::format("split {} block {}", split, block));
    }
    if (world().size() == 1) break;
  }
}

TEST(CsvReader, EveryBoundaryAcrossSeveralFiles) {
  TempDir dir = TempDir::shared(world());
  const auto files = write_csv_files(world(), dir.path(),
                                     {{"a.csv", "k,v\n1,\"x\ny\"\n"},
                                      {"b.csv", ""},
                                      {"c.csv", "k,v\r\n"},
                                      {"d.csv", "k,v\n2,\",\"\n3,\"\"\"\"\n"},
                                      {"e.csv", "\xEF\xBB\xBFk,v\n4,z"}});
  io::CsvOptions options;
  options.path = dir.path() + "/*.csv";
  expect_every_boundary(files, options, 11, 7);
}

// Regression: blank lines before the header row were an error ("line 1 is empty where the
// header row is expected"). They are skipped, at every rank boundary: a rank that starts
// among them, or inside a header row holding a quoted newline, starts after the header row.
TEST(CsvReader, BlankLinesBeforeTheHeaderAtEveryBoundary) {
  TempDir dir = TempDir::shared(world());
  const auto files =
      write_csv_files(world(), dir.path(),
                      {{"a.csv", "\n\r\n\nk,\"v\nw\"\n1,\"x\n\ny\"\n\n2,3\n"},
                       {"b.csv", "\xEF\xBB\xBF\r\n\nk,\"v\nw\"\n4,5"},
                       {"c.csv", "k,\"v\nw\"\n6,7\n"},
                       {"d.csv", "\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\nk,\"v\nw\"\n8,9\n"}});
  io::CsvOptions options;
  options.path = dir.path() + "/*.csv";
  expect_every_boundary(files, options, 13, 5);
  options.block_size = 16;
  const DistributedRead read = read_distributed(world(), options);
  EXPECT_EQ(read.error, "");
  EXPECT_EQ(read.rows.size(), 5u);
}

TEST(CsvReader, RandomFilesMatchTheOracle) {
  for (std::uint64_t seed = 0; seed < 60; ++seed) {
    TempDir dir = TempDir::shared(world());
    CsvGenOptions gen;
    gen.files = 1 + seed % 4;
    const GeneratedCsv generated = generate_csv(seed, gen);
    const auto files = write_csv_files(world(), dir.path(), generated.files);
    io::CsvOptions options;
    options.path = dir.path() + "/part-*.csv";
    options.block_size = 1 + seed * 37 % 200;
    expect_same_as_oracle(files, options, fmt::format("seed {}", seed));
  }
}

TEST(CsvReader, RandomFilesWithOtherDialects) {
  for (std::uint64_t seed = 100; seed < 130; ++seed) {
    TempDir dir = TempDir::shared(world());
    CsvGenOptions gen;
    gen.files = 1 + seed % 3;
    gen.delimiter = seed % 2 == 0 ? ';' : '\t';
    gen.quote = '\'';
    gen.header = seed % 3 != 0;
    const GeneratedCsv generated = generate_csv(seed, gen);
    const auto files = write_csv_files(world(), dir.path(), generated.files);
    io::CsvOptions options;
    options.path = dir.path() + "/part-*.csv";
    options.delimiter = gen.delimiter;
    options.quote = gen.quote;
    options.header = gen.header;
    options.null_values = {"NA", "a"};
    options.block_size = 1 + seed * 13 % 90;
    expect_same_as_oracle(files, options, fmt::format("seed {}", seed));
  }
}

TEST(CsvReader, SkipsBadRowsAndCountsThem) {
  for (std::uint64_t seed = 200; seed < 230; ++seed) {
    TempDir dir = TempDir::shared(world());
    CsvGenOptions gen;
    gen.files = 1 + seed % 3;
    gen.bad_row_rate = 0.2;
    const GeneratedCsv generated = generate_csv(seed, gen);
    const auto files = write_csv_files(world(), dir.path(), generated.files);
    io::CsvOptions options;
    options.path = dir.path() + "/part-*.csv";
    options.on_bad_rows = io::BadRowPolicy::kSkip;
    options.block_size = 1 + seed * 7 % 150;
    for (std::size_t col = 0; col < generated.types.size(); ++col)
      options.schema.push_back({fmt::format("c_{}", col), generated.types[col]});
    // Quoted header names differ from c_N: give the types by position through the oracle's
    // names instead.
    const csv_oracle::Result names = csv_oracle::read(files, csv_oracle::Options{});
    for (std::size_t col = 0; col < options.schema.size() && col < names.names.size(); ++col)
      options.schema[col].name = names.names[col];
    expect_same_as_oracle(files, options, fmt::format("seed {}", seed));
  }
}

TEST(CsvReader, ManySmallFilesAndOneBigFile) {
  TempDir dir = TempDir::shared(world());
  std::vector<csv_oracle::InputFile> inputs;
  for (int idx = 0; idx < 40; ++idx)
    inputs.push_back(
        {fmt::format("s-{:03}.csv", idx),
         idx % 5 == 0 ? "a,b\n" : fmt::format("a,b\n{},\"{}\n\"\n{},x\n", idx, idx, -idx)});
  std::string big = "a,b\n";
  for (int idx = 0; idx < 3000; ++idx) big += fmt::format("{},\"v,{}\"\n", idx, idx);
  inputs.push_back({"t-big.csv", big});
  const auto files = write_csv_files(world(), dir.path(), inputs);
  io::CsvOptions options;
  options.path = dir.path() + "/*.csv";
  options.block_size = 512;
  expect_same_as_oracle(files, options, "many small + one big");
  const DistributedRead read = read_distributed(world(), options);
  EXPECT_LE(read.max_block_rows, 512u);  // blocks stay near block_size bytes
}

// max_record_size bounds every record longer than a block, at every block size.
TEST(CsvReader, MaxRecordSizeBoundsLongRecords) {
  TempDir dir = TempDir::shared(world());
  const std::string long_text(300, 'x');
  const auto files = write_csv_files(world(), dir.path(),
                                     {{"long.csv", "id,text\n1,a\n2," + long_text + "\n3,b\n"}});
  io::CsvOptions options;
  options.path = files[0].name;
  for (const std::uint64_t block : {16u, 64u, 256u}) {
    SCOPED_TRACE("block " + std::to_string(block));
    options.block_size = block;
    options.max_record_size = 256;
    const DistributedRead rejected = read_distributed(world(), options);
    EXPECT_NE(rejected.error.find("line 3: a record is larger than max_record_size (256 B)"),
              std::string::npos)
        << rejected.error;
    options.max_record_size = 512;
    const DistributedRead accepted = read_distributed(world(), options);
    EXPECT_EQ(accepted.error, "");
    EXPECT_EQ(accepted.rows.size(), 3u);
  }
}

TEST(CsvReader, AQuotedFieldLargerThanBlocksAndRanges) {
  TempDir dir = TempDir::shared(world());
  std::string huge = "id,text,n\n1,\"";
  for (int idx = 0; idx < 4000; ++idx)
    huge += idx % 50 == 0 ? "\n" : (idx % 7 == 0 ? ",\"\"" : "q");
  huge += "\",2\n3,short,4\n";
  const auto files = write_csv_files(world(), dir.path(), {{"huge.csv", huge}});
  io::CsvOptions options;
  options.path = files[0].name;
  options.block_size = 16;
  expect_same_as_oracle(files, options, "huge field");
  options.max_record_size = 1024;
  const DistributedRead read = read_distributed(world(), options);
  EXPECT_NE(read.error.find("larger than max_record_size"), std::string::npos) << read.error;
}

TEST(CsvReader, EmptyInputs) {
  TempDir dir = TempDir::shared(world());
  const auto files = write_csv_files(world(), dir.path(), {{"e1.csv", ""}, {"e2.csv", ""}});
  io::CsvOptions options;
  options.path = dir.path() + "/e*.csv";
  DistributedRead read = read_distributed(world(), options);
  EXPECT_NE(read.error.find("is empty, so no header names the columns"), std::string::npos)
      << read.error;
  options.schema = {{"a", ColumnType::kInt64}, {"b", ColumnType::kString}};
  read = read_distributed(world(), options);
  EXPECT_EQ(read.error, "");
  EXPECT_EQ(read.schema.describe(), "a:int64, b:string");
  EXPECT_TRUE(read.rows.empty());

  const auto header_only = write_csv_files(world(), dir.path(), {{"h.csv", "a,b\r\n"}});
  options.path = header_only[0].name;
  options.schema.clear();
  read = read_distributed(world(), options);
  EXPECT_EQ(read.error, "");
  EXPECT_EQ(read.schema.describe(), "a:string, b:string");  // no value seen: string
  EXPECT_TRUE(read.rows.empty());
}

TEST(CsvReader, ExplicitSchemaOverridesInference) {
  TempDir dir = TempDir::shared(world());
  const auto files =
      write_csv_files(world(), dir.path(),
                      {{"s.csv", "id,when,code\n1,2024-02-29,007\n2,2024-03-01 10:00:00,12\n"}});
  io::CsvOptions options;
  options.path = files[0].name;
  DistributedRead read = read_distributed(world(), options);
  EXPECT_EQ(read.schema.describe(), "id:int64, when:timestamp, code:int64");
  options.schema = {{"code", ColumnType::kString}};
  read = read_distributed(world(), options);
  EXPECT_EQ(read.schema.describe(), "id:int64, when:timestamp, code:string");
  ASSERT_EQ(read.rows.size(), 2u);
  EXPECT_EQ(read.rows[0],
            "1\x1f"
            "1709164800000000\x1f"
            "007");
  options.schema = {{"nope", ColumnType::kString}};
  read = read_distributed(world(), options);
  EXPECT_NE(read.error.find("CSV option schema: names column 'nope', but the header of"),
            std::string::npos)
      << read.error;
}

}  // namespace
}  // namespace rankflow::test
