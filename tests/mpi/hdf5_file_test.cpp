// ParallelFile, ArrayWriter, dataset metadata and HDF5 errors at every rank count.
#include <gtest/gtest.h>
#include <hdf5.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <fmt/format.h>

#include "io/hdf5/handle.hpp"
#include "rankflow/io/hdf5/array_reader.hpp"
#include "rankflow/io/hdf5/array_writer.hpp"
#include "rankflow/io/hdf5/dataset_info.hpp"
#include "support/h5_fixture.hpp"
#include "support/h5_table_fixture.hpp"
#include "support/mpi_test.hpp"
#include "support/strings.hpp"
#include "support/temp_dir.hpp"

namespace rankflow::io::hdf5 {
namespace {

using test::contains;
using test::world;

// Every rank runs `body`, which must throw an Error; returns its message.
template <typename Body>
std::string error_of(Body&& body) {
  try {
    body();
  } catch (const Error& error) {
    return error.what();
  }
  return "(no error)";
}

TEST(ParallelFile, MissingOrForeignFileFailsOnEveryRankWithoutLeaks) {
  const long long ids_before = test::open_hdf5_ids();
  std::string message =
      error_of([] { ParallelFile::open_read(world(), "/nonexistent/x.h5", IoMode::kCollective); });
  EXPECT_TRUE(contains(message, "cannot open '/nonexistent/x.h5': no such file")) << message;
  test::TempDir dir = test::TempDir::shared(world());
  if (world().rank() == 0) test::write_file(dir.file("text.h5"), "not hdf5 at all\n");
  world().barrier();
  message =
      error_of([&] { ParallelFile::open_read(world(), dir.file("text.h5"), IoMode::kPosix); });
  EXPECT_TRUE(contains(message, "not an HDF5 file")) << message;
  EXPECT_EQ(test::open_hdf5_ids(), ids_before);
}

TEST(ParallelFile, MissingDatasetListsTheDatasets) {
  test::TempDir dir = test::TempDir::shared(world());
  test::FixtureSpec spec;
  spec.name = "/group/temperature";
  spec.dims = {4, 2};
  test::write_fixture(world(), dir.file("x.h5"), spec);
  const long long ids_before = test::open_hdf5_ids();
  const std::string message = error_of([&] {
    ArrayReader reader(world(), {dir.file("x.h5"), "/temprature", IoMode::kCollective, 0, 0});
  });
  EXPECT_TRUE(contains(message, "no dataset '/temprature' in '" + dir.file("x.h5") +
                                    "'; datasets are: /group/temperature"))
      << message;
  EXPECT_EQ(test::open_hdf5_ids(), ids_before);
}

TEST(ParallelFile, NonNumericAndScalarDatasetsAreRejected) {
  test::TempDir dir = test::TempDir::shared(world());
  test::FixtureSpec spec;
  spec.dims = {3};
  test::write_fixture(world(), dir.file("x.h5"), spec);
  if (world().rank() == 0) test::write_odd_datasets(dir.file("x.h5"));
  world().barrier();
  std::string message = error_of([&] {
    ArrayReader reader(world(), {dir.file("x.h5"), "/names", IoMode::kIndependent, 0, 0});
  });
  EXPECT_TRUE(contains(message, "/names") && contains(message, "has type string (fixed, 8 bytes)"))
      << message;
  message = error_of([&] {
    ArrayReader reader(world(), {dir.file("x.h5"), "scalar", IoMode::kIndependent, 0, 0});
  });
  EXPECT_TRUE(contains(message, "/scalar") && contains(message, "is a scalar")) << message;
}

TEST(Hdf5Errors, StackBecomesTheMessageAndSilencingRestores) {
  H5E_auto2_t before_func = nullptr;
  void* before_data = nullptr;
  H5Eget_auto2(H5E_DEFAULT, &before_func, &before_data);
  const long long ids_before = test::open_hdf5_ids();
  {
    SilenceErrors quiet;
    H5E_auto2_t inside = nullptr;
    void* inside_data = nullptr;
    H5Eget_auto2(H5E_DEFAULT, &inside, &inside_data);
    EXPECT_EQ(inside, nullptr);
    const std::string message =
        error_of([] { check_id(H5Dopen2(-1, "/x", H5P_DEFAULT), "opening /x"); });
    EXPECT_TRUE(contains(message, "opening /x: ")) << message;
    EXPECT_GT(message.size(), std::string("opening /x: ").size()) << "no HDF5 explanation";
    // IDs of a type are numbered in sequence: the copy of the error stack that check_id took
    // is the one just before a new stack's, and it must have been closed.
    const hid_t probe = H5Ecreate_stack();
    EXPECT_LE(H5Iis_valid(probe - 1), 0) << "the copied error stack was not closed";
    H5Eclose_stack(probe);
  }
  H5E_auto2_t after_func = nullptr;
  void* after_data = nullptr;
  H5Eget_auto2(H5E_DEFAULT, &after_func, &after_data);
  EXPECT_EQ(after_func, before_func);
  EXPECT_EQ(test::open_hdf5_ids(), ids_before);
}

TEST(ArrayWriter, EveryRankWritesItsRowsCollectively) {
  test::TempDir dir = test::TempDir::shared(world());
  const std::string path = dir.file("out.h5");
  const std::uint64_t rows = 11;
  const std::vector<WriterOptions> layouts = {
      {}, {{3, 2}, 0, true, true}, {{4, 2}, 6, false, true}, {{}, 0, false, /*collective=*/false}};
  {
    ParallelFile file = ParallelFile::create(world(), path);
    for (std::size_t layout = 0; layout < layouts.size(); ++layout) {
      ArrayWriter writer(file, "/out/layout" + std::to_string(layout), {rows, 2}, DType::kFloat64,
                         layouts[layout]);
      const RowRange mine = partition_rows(rows, 0, world().size(), world().rank());
      // Two-row steps, the same number on every rank (ranks past their rows write nothing).
      const std::uint64_t steps =
          world().allreduce<std::uint64_t>((mine.size() + 1) / 2, comm::ReduceOp::kMax);
      for (std::uint64_t step = 0; step < steps; ++step) {
        const std::uint64_t first = std::min(mine.end, mine.begin + 2 * step);
        const std::uint64_t count = std::min<std::uint64_t>(2, mine.end - first);
        std::vector<double> values;
        for (std::uint64_t idx = first * 2; idx < (first + count) * 2; ++idx)
          values.push_back(0.5 * static_cast<double>(idx) + static_cast<double>(layout));
        writer.write(first, count, values.data());
      }
      writer.close();
      file.set_attribute(writer.name(), "layout", static_cast<std::int64_t>(layout));
    }
    file.set_attribute("/", "config", std::string("[input]\npath = x.h5\n"));
    file.set_attribute("/", "config", std::string("replaced"));
    file.set_attribute("/out/layout0", "scale", 2.5);
    file.close();
  }
  world().barrier();
  for (std::size_t layout = 0; layout < layouts.size(); ++layout) {
    std::vector<std::uint64_t> dims;
    const std::vector<double> values =
        test::read_doubles(path, "/out/layout" + std::to_string(layout), &dims);
    EXPECT_EQ(dims, (std::vector<std::uint64_t>{rows, 2}));
    for (std::size_t idx = 0; idx < values.size(); ++idx)
      EXPECT_EQ(values[idx], 0.5 * static_cast<double>(idx) + static_cast<double>(layout)) << idx;
  }
  EXPECT_EQ(test::read_string_attribute(path, "/", "config"), "replaced");
  const FileSummary summary = inspect_file(path);
  ASSERT_EQ(summary.datasets.size(), 4u);
  EXPECT_EQ(summary.datasets[1].layout, "chunked");
  EXPECT_EQ(summary.datasets[1].type, "float64 (big-endian)");
  EXPECT_EQ(summary.datasets[2].type, "float64");
  EXPECT_EQ(summary.datasets[2].filters, std::vector<std::string>{"deflate (gzip level 6)"});
}

TEST(ArrayWriter, ScalarDatasetFromOneRank) {
  test::TempDir dir = test::TempDir::shared(world());
  const std::string path = dir.file("scalar.h5");
  {
    ParallelFile file = ParallelFile::create(world(), path);
    ArrayWriter writer(file, "/total", {}, DType::kInt64);
    const std::int64_t value = 42;
    writer.write(0, world().rank() == 0 ? 1 : 0, world().rank() == 0 ? &value : nullptr);
  }
  world().barrier();
  EXPECT_EQ(test::read_int64s(path, "/total"), std::vector<std::int64_t>{42});
}

TEST(DatasetInfo, InspectDescribesLayoutTypeAndAttributes) {
  test::TempDir dir = test::TempDir::shared(world());
  test::FixtureSpec spec;
  spec.name = "/grid/values";
  spec.dims = {10, 4, 3};
  spec.dtype = DType::kInt16;
  spec.big_endian = true;
  spec.chunk = {5, 2, 3};
  spec.gzip = 4;
  test::write_fixture(world(), dir.file("x.h5"), spec);
  const FileSummary summary = inspect_file(dir.file("x.h5"));
  ASSERT_EQ(summary.datasets.size(), 1u);
  const DatasetInfo& info = summary.datasets[0];
  EXPECT_EQ(info.name, "/grid/values");
  EXPECT_EQ(info.shape_text(), "(10, 4, 3)");
  EXPECT_EQ(info.type, "int16 (big-endian)");
  EXPECT_EQ(info.dtype, DType::kInt16);
  EXPECT_TRUE(info.big_endian);
  EXPECT_EQ(info.chunk_dims, (std::vector<std::uint64_t>{5, 2, 3}));
  EXPECT_EQ(info.filters, std::vector<std::string>{"deflate (gzip level 4)"});
  ASSERT_EQ(info.attributes.size(), 1u);
  EXPECT_EQ(info.attributes[0].name, "units");
  EXPECT_EQ(info.attributes[0].value, "7");
  const std::string text = format_summary(summary);
  EXPECT_TRUE(contains(text, "chunks (5, 2, 3)")) << text;
  EXPECT_TRUE(contains(text, "dataset = /grid/values")) << text;
}

// Variable-length string attributes are read only once the global heap they point into checks
// out (vlen_strings.hpp): a good one is shown, a corrupt one (fuzz_hdf5 found an object of size
// 0, on which HDF5 1.10's H5Aread loops forever) is named, and inspect goes on.
TEST(DatasetInfo, VariableStringAttributesAreReadOnlyFromAHeapThatChecksOut) {
  test::TempDir dir = test::TempDir::shared(world());
  test::FixtureSpec spec;
  spec.name = "/v";
  spec.dims = {4};
  spec.dtype = DType::kInt64;
  test::write_fixture(world(), dir.file("x.h5"), spec);
  if (world().rank() == 0)
    test::write_columns_attribute(dir.file("x.h5"), "/v", {"alpha", "", "a longer name"}, true);
  world().barrier();
  const FileSummary good = inspect_file(dir.file("x.h5"));
  ASSERT_EQ(good.datasets.size(), 1u);
  const std::vector<AttributeInfo>& attributes = good.datasets[0].attributes;
  const auto columns =
      std::find_if(attributes.begin(), attributes.end(),
                   [](const AttributeInfo& entry) { return entry.name == "columns"; });
  ASSERT_NE(columns, attributes.end());
  EXPECT_EQ(columns->value, "[alpha, , a longer name]");

  const FileSummary bad = inspect_file(std::string(RANKFLOW_SOURCE_DIR) + "/tests/fuzz/crashes/" +
                                       "hdf5/vlen-attribute-heap-object-of-size-0");
  ASSERT_FALSE(bad.attributes.empty());
  const AttributeInfo& generator = bad.attributes[0];
  EXPECT_EQ(generator.name, "generator");
  EXPECT_TRUE(contains(generator.value, "corrupt global heap at byte 2088")) << generator.value;
  EXPECT_TRUE(contains(generator.value, "an object of size 0")) << generator.value;
  EXPECT_EQ(bad.datasets.size(), 2u);
}

// Rank 0 writes `path`: dataset /v (4 int64) holding `count` int64 attributes a00, a01, ...
// (value 10 x index), added one by one after the dataset so that they spill into continuation
// chunks; with `latest`, the version-2 object header format, its attributes kept compact.
void write_attributes_file(const std::string& path, int count, bool latest) {
  if (world().rank() != 0) return;
  PropListHandle fapl(H5Pcreate(H5P_FILE_ACCESS));
  if (latest) H5Pset_libver_bounds(fapl.get(), H5F_LIBVER_LATEST, H5F_LIBVER_LATEST);
  FileHandle file(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get()));
  const hsize_t rows = 4;
  DataspaceHandle space(H5Screate_simple(1, &rows, nullptr));
  PropListHandle dcpl(H5Pcreate(H5P_DATASET_CREATE));
  H5Pset_attr_phase_change(dcpl.get(), 1000, 900);  // compact, however many
  DatasetHandle dataset(H5Dcreate2(file.get(), "/v", H5T_NATIVE_INT64, space.get(), H5P_DEFAULT,
                                   dcpl.get(), H5P_DEFAULT));
  const std::int64_t values[4] = {1, 2, 3, 4};
  H5Dwrite(dataset.get(), H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, values);
  DataspaceHandle scalar(H5Screate(H5S_SCALAR));
  for (int idx = 0; idx < count; ++idx) {
    const std::string name = fmt::format("a{:02}", idx);
    AttributeHandle attribute(H5Acreate2(dataset.get(), name.c_str(), H5T_NATIVE_INT64,
                                         scalar.get(), H5P_DEFAULT, H5P_DEFAULT));
    const std::int64_t value = 10 * idx;
    H5Awrite(attribute.get(), H5T_NATIVE_INT64, &value);
  }
}

// Attribute messages are checked from the file's bytes before HDF5 1.10 decodes them
// (attribute_messages.hpp): good headers of both versions, with continuation chunks, list
// every attribute; a message whose dataspace runs past it (fuzz_hdf5 found HDF5 copying past
// its buffer on one) is named as one unreadable entry, and the data is still read.
TEST(DatasetInfo, AttributeMessagesAreCheckedBeforeHdf5DecodesThem) {
  test::TempDir dir = test::TempDir::shared(world());
  for (const bool latest : {false, true}) {
    const std::string path = dir.file(latest ? "v2.h5" : "v1.h5");
    write_attributes_file(path, 40, latest);
    world().barrier();
    const DatasetInfo info = read_dataset_info(path, "/v");
    ASSERT_EQ(info.attributes.size(), 40u) << path;
    for (std::size_t idx = 0; idx < 40; ++idx) {
      EXPECT_EQ(info.attributes[idx].name, fmt::format("a{:02}", idx)) << path;
      EXPECT_EQ(info.attributes[idx].value, std::to_string(10 * idx)) << path;
    }
  }

  // Damage a00's dataspace size (the 2 bytes before its name in a version-1 message).
  const std::string damaged = dir.file("damaged.h5");
  write_attributes_file(damaged, 1, false);
  if (world().rank() == 0) {
    std::FILE* file = std::fopen(damaged.c_str(), "r+b");
    ASSERT_NE(file, nullptr);
    std::vector<char> bytes(1 << 16);
    bytes.resize(std::fread(bytes.data(), 1, bytes.size(), file));
    const std::string needle("a00\0", 4);
    const auto at = std::search(bytes.begin(), bytes.end(), needle.begin(), needle.end());
    ASSERT_NE(at, bytes.end());
    std::fseek(file, static_cast<long>(at - bytes.begin()) - 2, SEEK_SET);
    const unsigned char huge[2] = {0xff, 0x7f};
    std::fwrite(huge, 1, 2, file);
    std::fclose(file);
  }
  world().barrier();
  const FileSummary summary = inspect_file(damaged);
  ASSERT_EQ(summary.datasets.size(), 1u);
  const std::vector<AttributeInfo>& attributes = summary.datasets[0].attributes;
  ASSERT_EQ(attributes.size(), 1u);
  EXPECT_EQ(attributes[0].name, "(attributes)");
  EXPECT_TRUE(contains(attributes[0].value, "an attribute dataspace that runs past its message"))
      << attributes[0].value;
  EXPECT_TRUE(contains(attributes[0].value, "of '" + damaged + "'")) << attributes[0].value;
  EXPECT_TRUE(contains(attributes[0].value, "the file is damaged")) << attributes[0].value;
  EXPECT_EQ(summary.datasets[0].shape_text(), "(4,)");
}

// A dataspace whose dims exceed its maximum dims (fuzz_hdf5: 3,743,737,962 rows of at most 7,
// whose read allocated 8 bytes per chunk of that extent) is a damaged file: inspect and a
// job's dataset info say so, naming the dataset, the axis and both sizes.
TEST(DatasetInfo, DimsPastTheirMaximumAreADamagedFile) {
  const std::string path =
      std::string(RANKFLOW_SOURCE_DIR) + "/tests/fuzz/crashes/hdf5/dims-past-their-maximum";
  for (int attempt = 0; attempt < 2; ++attempt) {
    std::string message;
    try {
      if (attempt == 0) {
        inspect_file(path);
      } else {
        read_dataset_info(path, "/records");
      }
    } catch (const Error& error) {
      EXPECT_EQ(error.kind(), ErrorKind::kRuntime);
      message = error.what();
    }
    EXPECT_TRUE(contains(message, "dataset /records in '" + path + "': axis 0 has 3743737962 "
                                  "elements, more than its maximum 7; the file is damaged"))
        << message;
  }
}

// tests/fuzz/crashes/hdf5/<input>, a damaged file: what read_dataset_info of `dataset` says
// (expected a runtime error, as every damaged file gives).
std::string damaged_file_message(const std::string& path, const std::string& dataset) {
  std::string message;
  try {
    read_dataset_info(path, dataset);
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::kRuntime);
    message = error.what();
  }
  return message;
}

std::string crash_input(const std::string& name) {
  return std::string(RANKFLOW_SOURCE_DIR) + "/tests/fuzz/crashes/hdf5/" + name;
}

// A chunk shape of more dimensions than the dataspace (fuzz_hdf5: H5Pget_chunk returns the
// rank the file states, and copying that many entries read past the buffer) is a damaged file.
TEST(DatasetInfo, ChunksOfAnotherRankAreADamagedFile) {
  const std::string path = crash_input("chunk-rank-past-the-dataspace");
  const std::string message = damaged_file_message(path, "/temperature");
  EXPECT_TRUE(contains(message, "dataset /temperature in '" + path + "': its chunks have 2 "
                                "dimensions but its dataspace has 0; the file is damaged"))
      << message;
}

// A compound member name without its NUL inside the datatype message (fuzz_hdf5: HDF5 1.10's
// H5Dopen2 strdup'ed it past its buffer) is a damaged file, found before H5Dopen2.
TEST(DatasetInfo, AMemberNameWithoutItsNulIsADamagedFile) {
  const std::string path = crash_input("compound-member-name-without-its-nul");
  const std::string message = damaged_file_message(path, "/records");
  EXPECT_TRUE(contains(message, "dataset /records in '" + path + "': the object header at byte "
                                "800 of '" + path + "' has a member name without its NUL inside "
                                "its datatype message (at byte 856); the file is damaged"))
      << message;
}

// A message said to be in the shared-message heap of a file that has none (fuzz_hdf5: H5Dopen2
// then read the missing table into a buffer it never got, a SEGV) is a damaged file.
TEST(DatasetInfo, ASharedMessageWithoutASharedMessageTableIsADamagedFile) {
  const std::string message = damaged_file_message(
      crash_input("shared-message-without-a-shared-message-table"), "/temperature");
  EXPECT_TRUE(contains(message, "has a shared message, and the file keeps no shared messages (at "
                                "byte 896); the file is damaged"))
      << message;
}

}  // namespace
}  // namespace rankflow::io::hdf5
