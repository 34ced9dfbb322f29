// Every kind of bad CSV input: one agreed error on every rank that names the file, the line
// (physical, 1-based, header = line 1) and the column; never a hang (CTest TIMEOUT).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "rankflow/io/csv/csv_source.hpp"
#include "support/csv_fixtures.hpp"
#include "support/mpi_test.hpp"
#include "support/temp_dir.hpp"

namespace rankflow::test {
namespace {

using table::ColumnType;

struct BadCase {
  const char* name;
  const char* text;
  std::vector<table::Field> schema;  // empty: inferred
  const char* message;               // expected after "<path>: "
};

// Errors at every block size and with every rank boundary placement class.
void expect_error(const std::string& path, io::CsvOptions options, const std::string& expected,
                  const std::vector<std::uint64_t>& blocks = {1, 3, 64, 1 << 20}) {
  for (const std::uint64_t block : blocks) {
    options.path = path;
    options.block_size = block;
    const DistributedRead read = read_distributed(world(), options);
    EXPECT_NE(read.error.find(expected), std::string::npos)
        << "block " << block << "\nexpected: " << expected << "\nactual: " << read.error;
  }
}

TEST(CsvErrors, BadRowsNameFileLineAndColumn) {
  const std::vector<table::Field> ints = {{"a", ColumnType::kInt64}, {"b", ColumnType::kInt64}};
  const std::vector<table::Field> int_text = {{"a", ColumnType::kInt64},
                                              {"b", ColumnType::kString}};
  const std::vector<table::Field> text_int = {{"a", ColumnType::kString},
                                              {"b", ColumnType::kInt64}};
  const BadCase cases[] = {
      {"ragged.csv", "a,b,c\n1,2,3\n4,5\n6,7,8\n", {}, "line 3: 2 fields, expected 3"},
      {"too_many.csv", "a,b\n1,2\n\"x\ny\",2\n3,4,5\n", text_int, "line 5: 3 fields, expected 2"},
      {"value.csv", "a,b\n1,\"two\nlines\"\n2,x\nabc,y\n", int_text,
       "line 5, column 'a': 'abc' is not a valid int64"},
      {"value_after_quoted_newline.csv", "a,b\n1,\"p\nq\"\n\"r\ns\",9\n", int_text,
       "line 4, column 'a': 'r\ns' is not a valid int64"},
      {"second_line_of_record.csv", "a,b\n\"1\",\"p\nq\"\n7,\"x\n\n\"\n8,5\n", ints,
       "line 2, column 'b': 'p\nq' is not a valid int64"},
      {"stray_quote.csv", "a,b\n1,x\n2,ab\"c\"\n", int_text,
       "line 3, column 'b': quote character inside an unquoted field"},
      {"after_quote.csv", "a,b\n1,\"x\"y\n", int_text,
       "line 2, column 'b': text after the closing quote"},
      {"crlf_value.csv", "a,b\r\n1,2\r\n3,4.5\r\n", ints,
       "line 3, column 'b': '4.5' is not a valid int64"},
  };
  TempDir dir = TempDir::shared(world());
  for (const BadCase& bad : cases) {
    const auto files = write_csv_files(world(), dir.path(), {{bad.name, bad.text}});
    io::CsvOptions options;
    options.schema = bad.schema;
    expect_error(files[0].name, options, files[0].name + ": " + bad.message);
  }
}

// Projection pushdown: a column the job does not read is not parsed, so a bad value in it is
// not an error (as in DuckDB and Polars); its cells come back as zero values. Record structure
// (the field count) is still checked, and the columns read are exact.
TEST(CsvErrors, UnreadColumnsAreNotParsed) {
  TempDir dir = TempDir::shared(world());
  std::string text = "a,b,c\n";
  for (int idx = 0; idx < 300; ++idx)
    text += std::to_string(idx) + "," + (idx % 7 == 3 ? "bad" : std::to_string(2 * idx)) + ",\"t" +
            std::to_string(idx) + "\"\n";
  const auto files = write_csv_files(world(), dir.path(), {{"unread.csv", text}});
  io::CsvOptions options;
  options.path = files[0].name;
  options.schema = {{"b", ColumnType::kInt64}};
  for (const std::uint64_t block : {std::uint64_t{5}, std::uint64_t{64}, std::uint64_t{1} << 20}) {
    options.block_size = block;
    const DistributedRead read = read_distributed(world(), options, {true, false, true});
    ASSERT_EQ(read.error, "") << "block " << block;
    ASSERT_EQ(read.rows.size(), 300u);
    for (std::size_t idx = 0; idx < read.rows.size(); ++idx)
      EXPECT_EQ(read.rows[idx],
                csv_oracle::canonical_row({std::to_string(idx), "0", "t" + std::to_string(idx)}))
          << "block " << block;
    // Read, the same column is an error naming the first bad line.
    expect_error(files[0].name, options,
                 files[0].name + ": line 5, column 'b': 'bad' is not a valid int64", {block});
  }
  const std::string ragged = "a,b\n1,2\n3\n";
  const auto bad = write_csv_files(world(), dir.path(), {{"ragged_unread.csv", ragged}});
  options.path = bad[0].name;
  options.schema = {};
  options.block_size = 1 << 20;
  const DistributedRead read = read_distributed(world(), options, {true, false});
  EXPECT_NE(read.error.find("line 3: 1 field, expected 2"), std::string::npos) << read.error;
}

TEST(CsvErrors, TheFirstBadRowInFileOrderIsReported) {
  TempDir dir = TempDir::shared(world());
  std::string text = "a,b\n";
  for (int idx = 0; idx < 200; ++idx) text += idx == 120 || idx == 150 ? "x,1\n" : "1,2\n";
  text += "1,2,3\n";
  const auto files = write_csv_files(world(), dir.path(), {{"first.csv", text}});
  io::CsvOptions options;
  options.schema = {{"a", ColumnType::kInt64}};
  expect_error(files[0].name, options,
               files[0].name + ": line 122, column 'a': 'x' is not a valid int64");
}

// Dates that are not calendar days, deep in a quote-free file with blank lines (LF and CRLF)
// between blocks: the reader counts lines from its record index there (no quote: every '\n'
// ends a record), so the line must still be exact at every block size and rank count.
TEST(CsvErrors, InvalidDatesNameTheirLineInAQuoteFreeFile) {
  const char* const bad_dates[] = {"2023-02-29", "1900-02-29", "2024-04-31", "2024-13-01",
                                   "2024-00-10", "2024-01-00", "2024-1-10", "2024-01-1x"};
  TempDir dir = TempDir::shared(world());
  for (const char* bad : bad_dates) {
    std::string text = "n,d,s\r\n";
    int line = 1;
    for (int idx = 0; idx < 300; ++idx) {
      if (idx % 37 == 5) {
        text += idx % 2 == 0 ? "\n" : "\r\n";  // a blank line
        ++line;
      }
      const bool leap_day = idx % 3 == 0;  // valid edge dates all around the bad one
      text += fmt::format("{},{},x{}\r\n", idx,
                          idx == 250 ? bad : leap_day ? "2000-02-29" : "2024-12-31", idx);
      ++line;
      if (idx == 250) break;
    }
    text += "1,1999-01-01,y\n";
    const auto files = write_csv_files(world(), dir.path(), {{"dates.csv", text}});
    io::CsvOptions options;
    options.schema = {{"d", ColumnType::kDate}};
    expect_error(files[0].name, options,
                 fmt::format("{}: line {}, column 'd': '{}' is not a valid date (YYYY-MM-DD)",
                             files[0].name, line, bad),
                 {1, 7, 64, 4096, 1 << 20});
  }
}

TEST(CsvErrors, InferredTypeMismatchSaysHowToFixIt) {
  TempDir dir = TempDir::shared(world());
  std::string text = "n\n";
  for (int idx = 0; idx < 100000; ++idx) text += std::to_string(idx) + "\n";
  text += "oops\n";
  const auto files = write_csv_files(world(), dir.path(), {{"late.csv", text}});
  io::CsvOptions options;
  options.sample_size = 4096;  // the sample misses the last line
  expect_error(files[0].name, options,
               "late.csv: line 100002, column 'n': 'oops' is not a valid int64 (the type int64 "
               "was inferred from a sample; set [input] schema = n:string",
               {4096, 1 << 20});
}

// The hint names the next wider type that reads the value: '2.5' in an inferred int64 column
// is a float64, a time in a date column a timestamp; anything else is a string.
TEST(CsvErrors, InferredTypeMismatchSuggestsAWiderTypeThatFits) {
  struct Case {
    const char* value;  // every row but the last
    const char* last;
    const char* expected;
  };
  const Case cases[] = {
      {"7", "2.5",
       "'2.5' is not a valid int64 (the type int64 was inferred from a sample; set "
       "[input] schema = v:float64 or another type to read it)"},
      {"7", "-12.25e3", "schema = v:float64 or"},
      {"7", "x",
       "'x' is not a valid int64 (the type int64 was inferred from a sample; set "
       "[input] schema = v:string or"},
      {"2024-02-29", "2024-03-01T12:30", "schema = v:timestamp or"},
      {"2024-02-29", "2024-13-01", "schema = v:string or"},
      {"1.5", "1,5", "schema = v:string or"},
      {"true", "2", "schema = v:string or"},
  };
  TempDir dir = TempDir::shared(world());
  for (const Case& bad : cases) {
    std::string text = "v\n";
    for (int idx = 0; idx < 20000; ++idx) text += std::string(bad.value) + "\n";
    const bool quoted = std::string(bad.last).find(',') != std::string::npos;
    text += quoted ? "\"" + std::string(bad.last) + "\"\n" : std::string(bad.last) + "\n";
    const auto files = write_csv_files(world(), dir.path(), {{"late.csv", text}});
    io::CsvOptions options;
    options.sample_size = 1024;  // the sample misses the last line
    expect_error(files[0].name, options, bad.expected, {4096, 1 << 20});
  }
}

// Blank lines before the header row are skipped; later messages give physical lines.
TEST(CsvErrors, LinesCountTheBlankLinesBeforeTheHeader) {
  TempDir dir = TempDir::shared(world());
  const auto files = write_csv_files(
      world(), dir.path(),
      {{"blank.csv", "\n\r\n\na,b\n1,2\n\n3,x\n4,5\n"}, {"only_blank.csv", "\n\r\n\n"}});
  io::CsvOptions options;
  options.schema = {{"b", ColumnType::kInt64}};
  expect_error(files[0].name, options,
               files[0].name + ": line 7, column 'b': 'x' is not a valid int64",
               {1, 3, 16, 1 << 20});
  expect_error(files[1].name, io::CsvOptions{},
               files[1].name + ": no header row: the file holds only blank lines");
}

TEST(CsvErrors, UnterminatedQuoteAtTheEnd) {
  TempDir dir = TempDir::shared(world());
  const auto files =
      write_csv_files(world(), dir.path(), {{"open.csv", "a,b\n1,2\n3,\"never\nclosed,4\n5,6\n"}});
  expect_error(files[0].name, io::CsvOptions{},
               files[0].name + ": line 3: unterminated quoted field: the file ends inside quotes");
  io::CsvOptions skip;
  skip.on_bad_rows = io::BadRowPolicy::kSkip;
  expect_error(files[0].name, skip, "unterminated quoted field");
}

// Regression: a stray quote inside an unquoted field opens quotes (a byte is inside quotes
// when an odd number of quotes precede it), so the rest of the file is one field; the message
// said only that the file ends inside quotes. It now names the quote's line and what it is.
TEST(CsvErrors, AStrayQuoteThatNeverClosesIsNamed) {
  TempDir dir = TempDir::shared(world());
  const auto files =
      write_csv_files(world(), dir.path(),
                      {{"stray.csv", "a,b,c\n0,\"x\ny\",1\n1,a\"b,2\n3,4,5\n6,7,8\n"},
                       {"late.csv", "a,b,c\n0,\"x\ny\"z\"q\n1,2,3\n"},
                       {"header.csv", "a,\"b,c\n1,2,3\n"}});
  const std::string stray =
      "unterminated quoted field: the file ends inside quotes opened on this line by a quote "
      "inside an unquoted field (such a quote opens quotes too: quote the field and double its "
      "quotes)";
  expect_error(files[0].name, io::CsvOptions{}, files[0].name + ": line 4: " + stray);
  io::CsvOptions skip;
  skip.on_bad_rows = io::BadRowPolicy::kSkip;
  expect_error(files[0].name, skip, files[0].name + ": line 4: " + stray);
  // The record starts on line 2; the quote left open is on line 3.
  expect_error(files[1].name, io::CsvOptions{}, files[1].name + ": line 3: " + stray);
  // A quoted field left open (in the header row here): no word about unquoted fields.
  io::CsvOptions header;
  header.path = files[2].name;
  const DistributedRead read = read_distributed(world(), header);
  EXPECT_NE(read.error.find(files[2].name +
                            ": line 1: unterminated quoted field: the file ends inside quotes "
                            "opened on this line"),
            std::string::npos)
      << read.error;
  EXPECT_EQ(read.error.find("unquoted field"), std::string::npos) << read.error;
}

// Regression (issue #15): a stray opening quote on line 501 flips the pairing of every quote
// after it, and the message named the last quote of the file (line 2999 there) instead of 501,
// the line pandas names. A closing quote that starts a field gives the flip away.
TEST(CsvErrors, AStrayOpeningQuoteIsNamedWhereItOpened) {
  TempDir dir = TempDir::shared(world());
  std::string text = "id,name,value\n";
  for (int line = 2; line <= 3000; ++line) {
    if (line == 501)
      text += fmt::format("{},\"stray,{}\n", line, line);
    else if (line % 100 == 0)
      text += fmt::format("{},\"a, \"\"b\"\"\",{}\n", line, line);  // 600,"a, ""b""",600
    else
      text += fmt::format("{},x{},{}\n", line, line, line);
  }
  const auto files = write_csv_files(world(), dir.path(), {{"stray501.csv", text}});
  const std::string expected =
      files[0].name +
      ": line 501: unterminated quoted field: the file ends inside quotes opened on this line; "
      "the quote that closes them by count starts a field on line 600";
  expect_error(files[0].name, io::CsvOptions{}, expected, {64, 4096, 1 << 20});
  io::CsvOptions skip;
  skip.on_bad_rows = io::BadRowPolicy::kSkip;
  expect_error(files[0].name, skip, expected, {4096});
}

TEST(CsvErrors, HeadersThatDifferNameTheFile) {
  TempDir dir = TempDir::shared(world());
  const auto files = write_csv_files(world(), dir.path(),
                                     {{"a.csv", "id,value\n1,2\n"},
                                      {"b.csv", "\xEF\xBB\xBFid,value\r\n3,4\r\n"},
                                      {"c.csv", "id,valeu\n5,6\n"}});
  expect_error(dir.path() + "/*.csv", io::CsvOptions{},
               files[2].name + ": the header row (id,valeu) differs from the header of '" +
                   files[0].name + "' (id,value)");
}

TEST(CsvErrors, MissingInputs) {
  TempDir dir = TempDir::shared(world());
  expect_error(dir.path() + "/missing.csv", io::CsvOptions{},
               "cannot open CSV input '" + dir.path() + "/missing.csv': No such file or directory");
  expect_error(dir.path() + "/*.csv", io::CsvOptions{},
               "no file matches the CSV input '" + dir.path() + "/*.csv'");
  expect_error(dir.path(), io::CsvOptions{}, "is a folder");
}

TEST(CsvErrors, BadOptionsAreConfigErrors) {
  TempDir dir = TempDir::shared(world());
  const auto files = write_csv_files(world(), dir.path(), {{"ok.csv", "a\n1\n"}});
  io::CsvOptions options;
  options.path = files[0].name;
  options.quote = ',';
  try {
    io::open_csv_source(world(), options);
    ADD_FAILURE() << "no error";
  } catch (const Error& error) {
    EXPECT_TRUE(error.agreed());
    EXPECT_EQ(error.kind(), ErrorKind::kConfig);
    EXPECT_NE(std::string(error.what()).find("quote and delimiter are both"), std::string::npos);
  }
}

TEST(CsvErrors, SkipModeStillReadsTheGoodRows) {
  TempDir dir = TempDir::shared(world());
  const auto files = write_csv_files(
      world(), dir.path(), {{"mixed.csv", "a,b\n1,2\n3\nx,4\n5,\"6\"\n7,8,9\n\"1\"0,1\n11,12"}});
  io::CsvOptions options;
  options.path = files[0].name;
  options.on_bad_rows = io::BadRowPolicy::kSkip;
  options.schema = {{"a", ColumnType::kInt64}, {"b", ColumnType::kInt64}};
  for (const std::uint64_t block : {1ul, 4ul, 1ul << 20}) {
    options.block_size = block;
    const DistributedRead read = read_distributed(world(), options);
    EXPECT_EQ(read.error, "");
    EXPECT_EQ(read.rows, (std::vector<std::string>{"1\x1f"
                                                   "2",
                                                   "5\x1f"
                                                   "6",
                                                   "11\x1f"
                                                   "12"}));
    EXPECT_EQ(read.skipped, 4u);
  }
}

}  // namespace
}  // namespace rankflow::test

namespace rankflow::test {
namespace {

// Issue 17: a short row (line 22) before a quote that never closes (line 33). A serial reading
// meets the short row first; so must every rank count and block size: the agreement reports
// the error earliest in the input, not the lowest failing rank's.
TEST(CsvErrors, TheEarliestErrorInTheInputIsReportedAtEveryRankCount) {
  std::string text = "a,b,c,d,e\n";
  for (int line = 2; line <= 40; ++line) {
    if (line == 22) text += "1,2,3,4,5,6,7\n";
    else if (line == 33) text += "1,2,\"open,4,5\n";
    else text += fmt::format("{},2,3,4,5\n", line);
  }
  TempDir dir = TempDir::shared(world());
  const auto files = write_csv_files(world(), dir.path(), {{"broken.csv", text}});
  io::CsvOptions options;
  expect_error(dir.file("broken.csv"), options, "line 22: 7 fields, expected 5",
               {16, 64, 1 << 20});
}

// A UTF-16 file is named as such, not read as a header cut at its first NUL byte.
TEST(CsvErrors, Utf16ByteOrderMarkIsNamed) {
  const std::string le = std::string("\xFF\xFE", 2) + std::string("a\0,\0b\0\n\0001\0,\0002\0\n\0", 16);
  const std::string be = std::string("\xFE\xFF", 2) + std::string("\0a\0,\0b\0\n", 8);
  TempDir dir = TempDir::shared(world());
  write_csv_files(world(), dir.path(), {{"le.csv", le}, {"be.csv", be}});
  io::CsvOptions options;
  expect_error(dir.file("le.csv"), options, "UTF-16 (it starts with the byte order mark FF FE",
               {1 << 20});
  expect_error(dir.file("be.csv"), options, "UTF-16 (it starts with the byte order mark FE FF",
               {1 << 20});
}

// Binary input is named as not text, at the byte that shows it, whatever the rank count and
// block size; text with tabs, carriage returns and bytes from 0x80 (Latin-1) is still read,
// and so is a file delimited by a control byte (Hive's 0x01).
TEST(CsvErrors, BinaryInputIsNotATextFile) {
  std::string gzip("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", 10);
  for (int idx = 0; idx < 200; ++idx) gzip += static_cast<char>(0x80 + idx % 100);
  std::string elf(
      "\xEF\xBB\xBF"
      "a,b\n",
      7);
  for (int idx = 0; idx < 40; ++idx) elf += std::string("\x01\x02x,y\n", 6);
  const std::string utf16(std::string("a\0,\0b\0\n\0001\0,\0002\0\n\0", 16));
  TempDir dir = TempDir::shared(world());
  write_csv_files(world(), dir.path(),
                  {{"gz.csv", gzip},
                   {"ctl.csv", elf},
                   {"u16.csv", utf16},
                   {"latin1.csv", "a\tb,c\r\n\xe9t\xe9,1\r\n"},
                   {"hive.csv",
                    "a\x01"
                    "b\n1\x01"
                    "2\n3\x01"
                    "4\n"}});
  io::CsvOptions options;
  expect_error(dir.file("gz.csv"), options,
               dir.file("gz.csv") +
                   ": the file is not a text file (byte 3 is a NUL byte (0x00)); "
                   "CSV inputs are UTF-8 (or ASCII) text");
  expect_error(dir.file("ctl.csv"), options,
               "not a text file (80 of its first 244 bytes are control bytes, the first at byte "
               "7 (0x01))");
  expect_error(dir.file("u16.csv"), options,
               "byte 1 is a NUL byte (0x00); every other byte is NUL, as in UTF-16 without a "
               "byte order mark");
  options.path = dir.file("latin1.csv");
  const DistributedRead read = read_distributed(world(), options);
  EXPECT_EQ(read.error, "");
  EXPECT_EQ(read.rows.size(), 1u);
  options.path = dir.file("hive.csv");  // 0x01 as the delimiter is not a control byte
  options.delimiter = '\x01';
  const DistributedRead hive = read_distributed(world(), options);
  EXPECT_EQ(hive.error, "");
  EXPECT_EQ(hive.rows.size(), 2u);
}

}  // namespace
}  // namespace rankflow::test
