#include "join_grace.hpp"

#include <algorithm>
#include <cstring>

#include "rankflow/core/buffer.hpp"
#include "rankflow/core/error.hpp"
#include "rankflow/table/row_codec.hpp"

namespace rankflow::ops {
namespace {

// The partition of a key's hash at `depth`, of 2^bits: a mix of the hash with the level, so
// that no level's bits follow the owner rank's (the hash's high bits), the index's slots (its
// low bits) or another level's.
std::uint32_t partition_of(std::uint64_t hash, int depth, int bits) noexcept {
  const std::uint64_t mixed =
      mix_word(hash + std::uint64_t{0x9E3779B97F4A7C15} * static_cast<std::uint64_t>(depth + 1));
  return static_cast<std::uint32_t>(mixed >> (64 - bits));
}

constexpr int kMaxBits = 12;  // 4096 partitions per level at most

}  // namespace

struct GracePartitions::Chunk {
  Extent at;
  std::uint64_t rows = 0;
};

struct GracePartitions::Part {
  std::vector<Chunk> build;
  std::vector<Chunk> probe;
  std::uint64_t build_rows = 0;
  std::uint64_t build_bytes = 0;
  std::uint64_t probe_rows = 0;
  bool dominant = false;  // holds over 3/4 of its parent's build rows: partitioning stalls
};

struct GracePartitions::Level {
  int depth = 0;
  int bits = 1;
  std::unique_ptr<SpillFile> build_file;
  std::unique_ptr<SpillFile> probe_file;
  std::vector<Part> parts;
};

GracePartitions::GracePartitions(GraceSides sides, Scratch& scratch, std::uint64_t budget,
                                 std::uint64_t share_bytes, std::size_t chunk_bytes)
    : sides_(std::move(sides)),
      scratch_(&scratch),
      limit_(std::max<std::uint64_t>(budget / 2, 1)),
      chunk_bytes_(std::max<std::size_t>(chunk_bytes, 64)),
      encoder_(sides_.plan->key_types) {
  const JoinPlan& plan = *sides_.plan;
  probe_block_ = table::Table(sides_.build_is_left ? plan.right : plan.left);
  build_block_ = table::Table(sides_.build_is_left ? plan.left : plan.right);
  top_ = make_level(0, share_bytes);
}

GracePartitions::~GracePartitions() = default;

std::size_t GracePartitions::partitions() const noexcept { return top_->parts.size(); }

// The part of an index's estimate that grows with the rows, and the rows themselves.
std::uint64_t GracePartitions::need_of(std::uint64_t rows, std::uint64_t bytes) const {
  const table::Schema& schema = build_block_.schema();
  return bytes + JoinIndexBuilder::estimate_bytes(rows, bytes, schema, sides_.key_width) -
         JoinIndexBuilder::estimate_bytes(0, 0, schema, sides_.key_width);
}

// Enough partitions that each holds about a quarter of what fits (keys are not spread
// perfectly evenly): 2^bits >= 4 need / limit.
std::unique_ptr<GracePartitions::Level> GracePartitions::make_level(int depth,
                                                                    std::uint64_t need) {
  auto level = std::make_unique<Level>();
  level->depth = depth;
  while (level->bits < kMaxBits && (std::uint64_t{1} << level->bits) * limit_ < 4 * need)
    ++level->bits;
  level->parts.resize(std::size_t{1} << level->bits);
  const std::string name = "join-" + std::to_string(depth) + "-" + std::to_string(files_++);
  level->build_file = std::make_unique<SpillFile>(*scratch_, name + "-build", chunk_bytes_);
  level->probe_file = std::make_unique<SpillFile>(*scratch_, name + "-probe", chunk_bytes_);
  return level;
}

void GracePartitions::add_build(const table::Table& rows) {
  build_rows_ += rows.num_rows();
  spill(*top_, rows, true);
}

void GracePartitions::add_probe(const table::Table& rows) { spill(*top_, rows, false); }

// Rows grouped by partition (a counting sort keeps their order), each partition's rows encoded
// in chunks of about chunk_bytes and appended to the level's file.
void GracePartitions::spill(Level& level, const table::Table& rows, bool build) {
  const std::size_t count = rows.num_rows();
  if (count == 0) return;
  encoder_.encode(rows, build ? sides_.build_keys : sides_.probe_keys);
  const std::size_t parts = level.parts.size();
  dest_.resize(count);
  starts_.assign(parts + 1, 0);
  for (std::size_t row = 0; row < count; ++row) {
    dest_[row] = partition_of(encoder_.hashes()[row], level.depth, level.bits);
    ++starts_[dest_[row] + 1];
  }
  for (std::size_t part = 0; part < parts; ++part) starts_[part + 1] += starts_[part];
  order_.resize(count);
  std::vector<std::uint64_t> cursor(starts_.begin(), starts_.end() - 1);
  for (std::size_t row = 0; row < count; ++row)
    order_[cursor[dest_[row]]++] = static_cast<std::uint32_t>(row);
  SpillFile& file = build ? *level.build_file : *level.probe_file;
  for (std::size_t part_idx = 0; part_idx < parts; ++part_idx) {
    const std::uint32_t* first = order_.data() + starts_[part_idx];
    const std::size_t in_part = static_cast<std::size_t>(starts_[part_idx + 1] - starts_[part_idx]);
    if (in_part == 0) continue;
    Part& part = level.parts[part_idx];
    const std::uint64_t total = table::encoded_size(rows, first, in_part);
    const std::size_t per_chunk = static_cast<std::size_t>(std::max<std::uint64_t>(
        1, static_cast<std::uint64_t>(in_part) * chunk_bytes_ / std::max<std::uint64_t>(1, total)));
    for (std::size_t done = 0; done < in_part; done += per_chunk) {
      const std::size_t take = std::min(per_chunk, in_part - done);
      bytes_.resize(static_cast<std::size_t>(table::encoded_size(rows, first + done, take)));
      table::encode_rows(rows, first + done, take, bytes_.data());
      const Chunk chunk{file.append(bytes_.data(), bytes_.size()), take};
      spilled_ += bytes_.size();
      if (build) {
        part.build.push_back(chunk);
        part.build_rows += take;
        part.build_bytes += bytes_.size();
      } else {
        part.probe.push_back(chunk);
        part.probe_rows += take;
      }
    }
  }
}

void GracePartitions::read_chunk(SpillFile& file, const Chunk& chunk, const table::Schema& schema,
                                 table::Table& out) {
  file.read(chunk.at, bytes_);
  read_back_ += chunk.at.size;
  if (!(out.schema() == schema)) out = table::Table(schema);
  out.clear();
  table::decode_all(bytes_.data(), bytes_.data() + bytes_.size(), out);
}

void GracePartitions::join(JoinAssembler& assembler, JoinIndexView& view) {
  for (Part& part : top_->parts) join_part(*top_, part, assembler, view);
  top_.reset();  // its files go
}

void GracePartitions::join_part(Level& level, Part& part, JoinAssembler& assembler,
                                JoinIndexView& view) {
  const JoinPlan& plan = *sides_.plan;
  const bool keeps_probe =
      sides_.build_is_left ? plan.keeps_unmatched_right() : plan.keeps_unmatched_left();
  const bool emits_build = sides_.build_is_left
                               ? plan.keeps_unmatched_left() || plan.how == JoinHow::kSemi
                               : plan.keeps_unmatched_right();
  if (part.build_rows == 0 && !keeps_probe) return;  // nothing to match, nothing kept
  if (part.probe_rows == 0 && !emits_build) return;
  if (need_of(part.build_rows, part.build_bytes) <= limit_) {
    join_blocks(level, part, ~std::size_t{0}, assembler, view);
  } else if (level.depth + 1 < kMaxGraceLevels && !part.dominant) {
    repartition(level, part, assembler, view);
  } else {
    ++by_blocks_;
    // Chunks of build rows whose index fits: the rows take at most about a third of the
    // limit (the index of the rows is about as large again or less, plus slots).
    join_blocks(level, part, static_cast<std::size_t>(std::max<std::uint64_t>(limit_ / 3, 1)),
                assembler, view);
  }
}

void GracePartitions::repartition(Level& level, Part& part, JoinAssembler& assembler,
                                  JoinIndexView& view) {
  ++repartitioned_;
  std::unique_ptr<Level> child =
      make_level(level.depth + 1, need_of(part.build_rows, part.build_bytes));
  for (const Chunk& chunk : part.build) {
    read_chunk(*level.build_file, chunk, build_block_.schema(), build_block_);
    spill(*child, build_block_, true);
  }
  for (const Chunk& chunk : part.probe) {
    read_chunk(*level.probe_file, chunk, probe_block_.schema(), probe_block_);
    spill(*child, probe_block_, false);
  }
  for (Part& sub : child->parts) sub.dominant = sub.build_rows * 4 > part.build_rows * 3;
  for (Part& sub : child->parts) join_part(*child, sub, assembler, view);
}

// Joins `part` with its build rows in groups of consecutive chunks of at most `group_bytes`
// (at least one chunk each): every group indexed in turn and every probe row streamed through.
void GracePartitions::join_blocks(Level& level, Part& part, std::size_t group_bytes,
                                  JoinAssembler& assembler, JoinIndexView& view) {
  const JoinPlan& plan = *sides_.plan;
  const table::Schema& build_schema = build_block_.schema();
  const table::Schema& probe_schema = probe_block_.schema();
  // The groups: [begin, end) of part.build.
  std::vector<std::pair<std::size_t, std::size_t>> groups;
  for (std::size_t begin = 0; begin < part.build.size() || groups.empty();) {
    std::size_t end = begin;
    std::uint64_t bytes = 0;
    while (end < part.build.size() && (end == begin || bytes + part.build[end].at.size <= group_bytes))
      bytes += part.build[end++].at.size;
    groups.emplace_back(begin, end);
    begin = end;
    if (end >= part.build.size()) break;
  }
  const bool keeps_probe =
      sides_.build_is_left ? plan.keeps_unmatched_right() : plan.keeps_unmatched_left();
  const bool semi_from_probe = !sides_.build_is_left && plan.how == JoinHow::kSemi;
  const bool emits_build = sides_.build_is_left
                               ? plan.keeps_unmatched_left() || plan.how == JoinHow::kSemi
                               : plan.keeps_unmatched_right();
  // With several groups a probe row's fate is known after the last: remember its partners.
  const bool probe_flags = groups.size() > 1 && (keeps_probe || semi_from_probe);
  std::vector<std::uint8_t> flags(probe_flags ? static_cast<std::size_t>(part.probe_rows) : 0, 0);
  ByteBuffer rows;
  ByteBuffer index;
  std::vector<std::uint8_t> matched;
  for (std::size_t group = 0; group < groups.size(); ++group) {
    std::uint64_t size = 0;
    for (std::size_t chunk = groups[group].first; chunk < groups[group].second; ++chunk)
      size += part.build[chunk].at.size;
    rows.reserve(static_cast<std::size_t>(size));
    std::uint64_t filled = 0;
    for (std::size_t chunk = groups[group].first; chunk < groups[group].second; ++chunk) {
      level.build_file->read(part.build[chunk].at, bytes_);
      read_back_ += bytes_.size();
      std::memcpy(rows.data() + filled, bytes_.data(), bytes_.size());
      filled += bytes_.size();
    }
    {
      JoinIndexBuilder builder(build_schema, sides_.build_keys, rows.data(), filled,
                               sides_.word_keys);
      index.reserve(static_cast<std::size_t>(builder.bytes()));
      builder.write(index.data());
    }
    view = JoinIndexView(build_schema, index.data());
    matched.assign(emits_build ? static_cast<std::size_t>(view.rows()) : 0, 0);
    JoinProber prober(plan, sides_.build_is_left, sides_.probe_keys, view,
                      emits_build ? matched.data() : nullptr, assembler);
    std::uint64_t offset = 0;
    for (const Chunk& chunk : part.probe) {
      read_chunk(*level.probe_file, chunk, probe_schema, probe_block_);
      if (probe_flags) prober.set_probe_matched(flags.data() + offset);
      prober.probe(probe_block_);
      offset += probe_block_.num_rows();
    }
    if (emits_build) {
      const std::uint8_t wanted = sides_.build_is_left && plan.how == JoinHow::kSemi ? 1 : 0;
      assembler.set_probe(nullptr);
      for (std::uint64_t row = 0; row < matched.size(); ++row)
        if (matched[row] == wanted) assembler.add(kNoRow, row);
      assembler.flush();
    }
    if (probe_flags && group + 1 == groups.size()) {
      // The probe rows kept by whether they found a partner in any group (while the last
      // group's index is still there for the assembler's view).
      const std::uint8_t wanted = semi_from_probe ? 1 : 0;
      offset = 0;
      for (const Chunk& chunk : part.probe) {
        read_chunk(*level.probe_file, chunk, probe_schema, probe_block_);
        assembler.set_probe(&probe_block_);
        for (std::size_t row = 0; row < probe_block_.num_rows(); ++row)
          if (flags[offset + row] == wanted) assembler.add(static_cast<std::uint32_t>(row), kNoRef);
        assembler.flush();
        assembler.set_probe(nullptr);
        offset += probe_block_.num_rows();
      }
    }
    view = JoinIndexView();
  }
}

}  // namespace rankflow::ops
