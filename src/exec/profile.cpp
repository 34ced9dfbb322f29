#include "rankflow/exec/profile.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <sstream>

namespace rankflow::exec {
namespace {

constexpr char kField = '\x1f';
constexpr char kRecord = '\x1e';

std::string host_name() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0) return "?";
  return name;
}

std::string serialize(const Pipeline& pipeline) {
  std::string out = fmt::format("{}{}{:.6f}{}", host_name(), kField, pipeline.started_at(), kRecord);
  for (const auto& stage : pipeline.stages()) {
    const StageStats& s = stage->stats();
    out += fmt::format("{}{}{}{}{}{}{}{}{}{}{}{}{}{}{:.9g}{}{:.9g}{}{:.9g}", s.rows_in, kField,
                       s.rows_out, kField, s.bytes_read, kField, s.bytes_sent, kField,
                       s.bytes_received, kField, s.bytes_spilled, kField, s.peak_rss, kField,
                       s.start, kField, s.end, kField, s.busy);
    for (std::uint64_t bytes : s.sent_to) out += fmt::format("{}{}", kField, bytes);
    out += kRecord;
  }
  return out;
}

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t end = text.find(separator, start);
    if (end == std::string::npos) {
      if (start < text.size()) parts.push_back(text.substr(start));
      break;
    }
    parts.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

StageStats parse_stage(const std::string& record) {
  const std::vector<std::string> f = split(record, kField);
  StageStats s;
  if (f.size() < 10) return s;
  s.rows_in = std::stoull(f[0]);
  s.rows_out = std::stoull(f[1]);
  s.bytes_read = std::stoull(f[2]);
  s.bytes_sent = std::stoull(f[3]);
  s.bytes_received = std::stoull(f[4]);
  s.bytes_spilled = std::stoull(f[5]);
  s.peak_rss = std::stoull(f[6]);
  s.start = std::stod(f[7]);
  s.end = std::stod(f[8]);
  s.busy = std::stod(f[9]);
  for (std::size_t idx = 10; idx < f.size(); ++idx) s.sent_to.push_back(std::stoull(f[idx]));
  return s;
}

double seconds_of(const StageStats& s) { return s.start < 0 ? 0 : s.end - s.start; }

}  // namespace

std::string json_string(const std::string& text) {
  std::string out = "\"";
  for (const char raw : text) {
    const auto c = static_cast<unsigned char>(raw);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20)
          out += fmt::format("\\u{:04x}", c);
        else
          out += raw;
    }
  }
  return out + "\"";
}

JobProfile gather_profile(const comm::Communicator& comm, const Pipeline& pipeline) {
  JobProfile profile;
  for (const auto& stage : pipeline.stages()) profile.stages.push_back(stage->name());
  profile.explain = pipeline.explain();
  const std::vector<std::string> parts = comm.allgather_strings(serialize(pipeline));
  double first_start = 0, earliest = 0, latest = 0;
  for (std::size_t rank = 0; rank < parts.size(); ++rank) {
    const std::vector<std::string> records = split(parts[rank], kRecord);
    RankProfile entry;
    entry.rank = static_cast<int>(rank);
    const std::vector<std::string> head = split(records.at(0), kField);
    entry.host = head.at(0);
    const double started = std::stod(head.at(1));
    if (rank == 0) first_start = started;
    entry.offset = started - first_start;
    for (std::size_t idx = 1; idx < records.size(); ++idx)
      entry.stages.push_back(parse_stage(records[idx]));
    entry.stages.resize(profile.stages.size());
    for (const StageStats& s : entry.stages) {
      if (s.start < 0) continue;
      earliest = std::min(earliest, entry.offset + s.start);
      latest = std::max(latest, entry.offset + s.end);
    }
    profile.ranks.push_back(std::move(entry));
  }
  // Ranks that started before rank 0 have negative offsets: times count from the earliest.
  for (RankProfile& rank : profile.ranks) rank.offset -= earliest;
  profile.seconds = latest - earliest;
  return profile;
}

std::string chrome_trace(const JobProfile& profile) {
  std::string out = "{\"displayTimeUnit\":\"ms\",\"traceEvents\":[\n";
  bool first = true;
  auto event = [&](const std::string& text) {
    out += (first ? "" : ",\n") + text;
    first = false;
  };
  for (const RankProfile& rank : profile.ranks) {
    event(fmt::format(R"({{"name":"process_name","ph":"M","pid":{},"args":{{"name":{}}}}})",
                      rank.rank, json_string(fmt::format("rank {} ({})", rank.rank, rank.host))));
    event(fmt::format(R"({{"name":"process_sort_index","ph":"M","pid":{},"args":{{"sort_index":{}}}}})",
                      rank.rank, rank.rank));
    for (std::size_t idx = 0; idx < rank.stages.size(); ++idx) {
      const StageStats& s = rank.stages[idx];
      event(fmt::format(R"({{"name":"thread_name","ph":"M","pid":{},"tid":{},"args":{{"name":{}}}}})",
                        rank.rank, idx + 1, json_string(profile.stages[idx])));
      if (s.start < 0) continue;
      std::string to_rank;
      for (std::uint64_t bytes : s.sent_to) to_rank += (to_rank.empty() ? "" : ",") + std::to_string(bytes);
      event(fmt::format(
          R"({{"name":{},"cat":"stage","ph":"X","pid":{},"tid":{},"ts":{:.3f},"dur":{:.3f},)"
          R"("args":{{"rows_in":{},"rows_out":{},"bytes_read":{},"bytes_sent":{},)"
          R"("bytes_received":{},"bytes_spilled":{},"peak_rss":{},"busy_s":{:.6f},)"
          R"("bytes_to_rank":[{}],"explain":{}}}}})",
          json_string(profile.stages[idx]), rank.rank, idx + 1, (rank.offset + s.start) * 1e6,
          (s.end - s.start) * 1e6, s.rows_in, s.rows_out, s.bytes_read, s.bytes_sent,
          s.bytes_received, s.bytes_spilled, s.peak_rss, s.busy, to_rank,
          json_string(idx < profile.explain.size() ? profile.explain[idx] : "")));
    }
  }
  out += fmt::format("\n],\"otherData\":{{\"ranks\":{},\"wall_seconds\":{:.6f}}}}}\n",
                     profile.ranks.size(), profile.seconds);
  return out;
}

StageSpread spread(const JobProfile& profile, std::size_t stage) {
  std::vector<std::pair<double, int>> times;
  for (const RankProfile& rank : profile.ranks)
    times.emplace_back(seconds_of(rank.stages.at(stage)), rank.rank);
  StageSpread out;
  if (times.empty()) return out;
  std::sort(times.begin(), times.end());
  out.min = times.front().first;
  out.max = times.back().first;
  out.slowest = times.back().second;
  const std::size_t mid = times.size() / 2;
  out.median = times.size() % 2 == 1 ? times[mid].first : (times[mid - 1].first + times[mid].first) / 2;
  return out;
}

std::vector<std::string> summary_lines(const JobProfile& profile) {
  std::vector<std::string> lines;
  for (std::size_t idx = 0; idx < profile.stages.size(); ++idx) {
    std::uint64_t rows_in = 0, rows_out = 0, sent = 0, read = 0, spilled = 0;
    for (const RankProfile& rank : profile.ranks) {
      const StageStats& s = rank.stages[idx];
      rows_in += s.rows_in;
      rows_out += s.rows_out;
      sent += s.bytes_sent;
      read += s.bytes_read;
      spilled += s.bytes_spilled;
    }
    const StageSpread time = spread(profile, idx);
    std::string line = fmt::format("stage {:<14} {:>8.3f} s  rows {} -> {}", profile.stages[idx],
                                   time.max, rows_in, rows_out);
    if (read > 0) line += ", read " + human_bytes(read);
    if (sent > 0) line += ", exchanged " + human_bytes(sent);
    if (spilled > 0) line += ", spilled " + human_bytes(spilled);
    if (profile.ranks.size() > 1 && time.median > 0)
      line += fmt::format("; skew {:.2f} (slowest rank {})", time.max / time.median, time.slowest);
    lines.push_back(line);
  }
  lines.push_back(fmt::format("wall time {:.3f} s on {} rank{}", profile.seconds,
                              profile.ranks.size(), profile.ranks.size() == 1 ? "" : "s"));
  return lines;
}

}  // namespace rankflow::exec
