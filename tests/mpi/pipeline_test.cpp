// The pipeline runner (exec/pipeline.hpp) at every rank count: passes cut at breakers, rows in
// and out per stage, the exchange bytes a stage sent and received (summed over ranks they
// agree), an early stop from a full limit, errors agreed in the source's phase, and a group-by
// through the same stages a table job uses, against a serial count.
#include "rankflow/exec/pipeline.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <map>

#include "rankflow/comm/exchange.hpp"
#include "rankflow/exec/stages.hpp"
#include "rankflow/ops/stages.hpp"
#include "support/mpi_test.hpp"

namespace rankflow::exec {
namespace {

using table::ColumnType;
using test::world;

// A source of `blocks` blocks of `rows` int64 rows each: value = global row index.
class CountingSource final : public Stage {
 public:
  CountingSource(std::size_t blocks, std::size_t rows)
      : Stage("count", "counting"), blocks_(blocks), rows_(rows) {}
  bool is_source() const override { return true; }
  void produce(const Emit& emit) override {
    const auto rank = static_cast<std::int64_t>(world().rank());
    for (std::size_t idx = 0; idx < blocks_; ++idx) {
      table::Table block(table::Schema({{"v", ColumnType::kInt64}}));
      for (std::size_t row = 0; row < rows_; ++row)
        block.column(0).append_i64(rank * 1000000 + static_cast<std::int64_t>(idx * rows_ + row));
      if (fail_on_rank_ == world().rank() && idx == 1) throw DataError("block 1 is bad");
      Block out;
      out.table = &block;
      out.owned = &block;
      ++emitted_;
      if (!emit(out)) return;
    }
  }
  int fail_on_rank_ = -1;
  std::size_t emitted_ = 0;

 private:
  std::size_t blocks_;
  std::size_t rows_;
};

// A breaker that sends every row to rank (v % ranks) and gives the rows it received.
class ScatterStage final : public Stage {
 public:
  ScatterStage() : Stage("scatter", "scattering") {}
  Flow consume(Block& block) override {
    for (std::size_t row = 0; row < block.table->num_rows(); ++row)
      values_.push_back(block.table->column(0).i64()[row]);
    return Flow::kKeep;
  }
  bool breaks() const override { return true; }
  std::optional<table::Table> finish() override {
    const auto ranks = static_cast<std::size_t>(world().size());
    std::vector<std::vector<std::int64_t>> by_rank(ranks);
    for (std::int64_t value : values_) by_rank[static_cast<std::size_t>(value) % ranks].push_back(value);
    std::vector<std::byte> send;
    std::vector<std::uint64_t> counts(ranks);
    for (std::size_t rank = 0; rank < ranks; ++rank) {
      counts[rank] = by_rank[rank].size() * sizeof(std::int64_t);
      const auto* bytes = reinterpret_cast<const std::byte*>(by_rank[rank].data());
      send.insert(send.end(), bytes, bytes + counts[rank]);
    }
    comm::ExchangeBuffer recv;
    comm::exchange_bytes(world(), send.data(), counts, recv);
    table::Table out(table::Schema({{"v", ColumnType::kInt64}}));
    for (std::size_t at = 0; at < recv.data.size(); at += sizeof(std::int64_t)) {
      std::int64_t value;
      std::memcpy(&value, recv.data.data() + at, sizeof value);
      out.column(0).append_i64(value);
    }
    return out;
  }

 private:
  std::vector<std::int64_t> values_;
};

std::uint64_t sum(std::uint64_t local) {
  return world().allreduce(local, comm::ReduceOp::kSum);
}

TEST(Pipeline, PassesRowsAndExchangeTraffic) {
  Pipeline pipeline(world());
  auto& source = pipeline.add(std::make_unique<CountingSource>(3, 7));
  auto& even = pipeline.add(std::make_unique<MapStage>(
      "even", "even", [](const table::Table& rows) {
        std::vector<std::uint8_t> keep(rows.num_rows());
        for (std::size_t row = 0; row < rows.num_rows(); ++row)
          keep[row] = rows.column(0).i64()[row] % 2 == 0;
        return rows.filter(keep);
      }));
  auto& scatter = pipeline.add(std::make_unique<ScatterStage>());
  auto& collect = pipeline.add(std::make_unique<Collect>(table::Schema({{"v", ColumnType::kInt64}})));
  const std::optional<table::Table> out = pipeline.run();
  RF_ASSERT_ALL(world(), out.has_value());
  const auto ranks = static_cast<std::uint64_t>(world().size());
  EXPECT_EQ(source.stats().rows_out, 21u);
  EXPECT_EQ(even.stats().rows_in, 21u);
  // rank r's values r*1e6 + 0..20: 11 even ones
  EXPECT_EQ(even.stats().rows_out, 11u);
  EXPECT_EQ(scatter.stats().rows_in, 11u);
  EXPECT_EQ(sum(scatter.stats().rows_out), 11 * ranks);
  EXPECT_EQ(sum(collect.stats().rows_in), 11 * ranks);
  for (std::size_t row = 0; row < out->num_rows(); ++row)
    EXPECT_EQ(out->column(0).i64()[row] % static_cast<std::int64_t>(ranks), world().rank());
  // Bytes sent over all ranks are the bytes received; the per-destination counts add up.
  EXPECT_EQ(sum(scatter.stats().bytes_sent), sum(scatter.stats().bytes_received));
  std::uint64_t to_all = 0;
  for (std::uint64_t bytes : scatter.stats().sent_to) to_all += bytes;
  EXPECT_EQ(to_all, 11 * sizeof(std::int64_t));
  EXPECT_EQ(source.stats().bytes_sent, 0u);
  for (const auto& stage : pipeline.stages()) {
    EXPECT_GE(stage->stats().start, 0) << stage->name();
    EXPECT_GE(stage->stats().end, stage->stats().start) << stage->name();
    EXPECT_GT(stage->stats().peak_rss, 0u) << stage->name();
  }
}

TEST(Pipeline, AFullLimitStopsTheSource) {
  table::Table schema_only(table::Schema({{"v", ColumnType::kInt64}}));
  ops::Limit limit(world(), schema_only.schema(), 5);
  Pipeline pipeline(world());
  auto& source = pipeline.add(std::make_unique<CountingSource>(10, 4));
  pipeline.add(std::make_unique<ops::LimitStage>(limit, "limit", "limit 5"));
  const std::optional<table::Table> out = pipeline.run();
  RF_ASSERT_ALL(world(), out.has_value());
  EXPECT_EQ(source.emitted_, 2u);  // 8 rows hold the first 5
  EXPECT_EQ(sum(out->num_rows()), 5u);
}

TEST(Pipeline, AnErrorOnOneRankIsAgreedInTheSourcesPhase) {
  Pipeline pipeline(world());
  auto& source = pipeline.add(std::make_unique<CountingSource>(3, 2));
  source.fail_on_rank_ = world().size() - 1;
  pipeline.add(std::make_unique<ScatterStage>());
  try {
    pipeline.run();
    ADD_FAILURE() << "no error";
  } catch (const Error& error) {
    EXPECT_TRUE(error.agreed());
    // One rank: the cause as it is; more: which rank failed, in which phase.
    const std::string expected = world().size() == 1
                                     ? "block 1 is bad"
                                     : "of " + std::to_string(world().size()) +
                                           " failed while counting: block 1 is bad";
    EXPECT_NE(std::string(error.what()).find(expected), std::string::npos) << error.what();
  }
}

TEST(Pipeline, GroupByStageAgainstASerialCount) {
  table::Table rows(table::Schema({{"k", ColumnType::kInt64}}));
  std::map<std::int64_t, std::int64_t> expected;
  for (std::int64_t row = 0; row < 500; ++row) {
    const std::int64_t key = (row * 7) % 13;
    if (row % world().size() == world().rank()) rows.column(0).append_i64(key);
    ++expected[key];
  }
  ops::GroupByOptions options;
  options.keys = {"k"};
  options.aggregates = ops::parse_aggregates("count() as n");
  ops::GroupBy group_by(world(), rows.schema(), options);
  Pipeline pipeline(world());
  pipeline.add(std::make_unique<TableInput>(rows));
  auto& stage = pipeline.add(std::make_unique<ops::GroupByStage>(group_by, "group-by k"));
  const std::optional<table::Table> out = pipeline.run();
  RF_ASSERT_ALL(world(), out.has_value());
  EXPECT_EQ(sum(stage.stats().rows_in), 500u);
  std::map<std::int64_t, std::int64_t> got;
  for (std::size_t row = 0; row < out->num_rows(); ++row)
    got[out->column(0).i64()[row]] = out->column(1).i64()[row];
  const std::vector<std::string> parts = world().allgather_strings([&] {
    std::string text;
    for (const auto& [key, count] : got) text += std::to_string(key) + ":" + std::to_string(count) + ",";
    return text;
  }());
  std::map<std::int64_t, std::int64_t> all;
  for (const std::string& part : parts) {
    std::size_t at = 0;
    while (at < part.size()) {
      const std::size_t colon = part.find(':', at), comma = part.find(',', at);
      all[std::stoll(part.substr(at, colon - at))] = std::stoll(part.substr(colon + 1, comma - colon - 1));
      at = comma + 1;
    }
  }
  EXPECT_EQ(all, expected);
  EXPECT_EQ(pipeline.explain(), (std::vector<std::string>{"input: a table of 1 columns held by each rank", "group-by k"}));
}

}  // namespace
}  // namespace rankflow::exec
