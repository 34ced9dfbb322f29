#include "rankflow/exec/report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace rankflow::exec {
namespace {

const char* const kColors[] = {"#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2",
                               "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"};

std::string escape(const std::string& text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

const char* color(std::size_t stage) { return kColors[stage % std::size(kColors)]; }

// One row per rank, one lane per stage inside it; a bar from the stage's start to its end.
std::string timeline(const JobProfile& profile) {
  const double width = 940, label = 120;
  const std::size_t lanes = std::max<std::size_t>(profile.stages.size(), 1);
  const double lane = 8, row = static_cast<double>(lanes) * lane + 10;
  const double height = row * static_cast<double>(profile.ranks.size()) + 30;
  const double scale = (width - label - 50) / std::max(profile.seconds, 1e-9);
  std::string svg = fmt::format(
      R"(<svg class="timeline" width="{}" height="{:.0f}" xmlns="http://www.w3.org/2000/svg">)",
      width, height);
  for (const RankProfile& rank : profile.ranks) {
    const double top = row * rank.rank + 5;
    svg += fmt::format(R"(<text x="4" y="{:.1f}" class="lbl">rank {} ({})</text>)",
                       top + row / 2, rank.rank, escape(rank.host));
    for (std::size_t idx = 0; idx < rank.stages.size(); ++idx) {
      const StageStats& s = rank.stages[idx];
      if (s.start < 0) continue;
      const double x = label + (rank.offset + s.start) * scale;
      const double w = std::max(1.0, (s.end - s.start) * scale);
      svg += fmt::format(
          R"(<rect x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}" fill="{}"><title>)"
          R"({}: {:.3f} s, rows {} -> {}</title></rect>)",
          x, top + static_cast<double>(idx) * lane, w, lane - 1, color(idx),
          escape(profile.stages[idx]), s.end - s.start, s.rows_in, s.rows_out);
    }
  }
  const double axis = height - 12;
  for (int tick = 0; tick <= 4; ++tick) {
    const double seconds = profile.seconds * tick / 4;
    svg += fmt::format(R"(<text x="{:.1f}" y="{:.1f}" class="lbl">{:.2f} s</text>)",
                       label + seconds * scale - 10, axis + 10, seconds);
  }
  return svg + "</svg>";
}

std::string legend(const JobProfile& profile) {
  std::string out = "<p class=\"legend\">";
  for (std::size_t idx = 0; idx < profile.stages.size(); ++idx)
    out += fmt::format(R"(<span><i style="background:{}"></i>{}</span> )", color(idx),
                       escape(profile.stages[idx]));
  return out + "</p>";
}

std::string stage_table(const JobProfile& profile) {
  std::string out =
      "<table><tr><th>stage</th><th>min s</th><th>median s</th><th>max s</th><th>straggler"
      "</th><th>skew</th><th>own s (max)</th><th>rows in</th><th>rows out</th><th>read</th><th>sent</th>"
      "<th>spilled</th></tr>";
  for (std::size_t idx = 0; idx < profile.stages.size(); ++idx) {
    std::uint64_t in = 0, out_rows = 0, read = 0, sent = 0, spilled = 0;
    double busy = 0;
    for (const RankProfile& rank : profile.ranks) {
      const StageStats& s = rank.stages[idx];
      busy = std::max(busy, s.busy);
      in += s.rows_in;
      out_rows += s.rows_out;
      read += s.bytes_read;
      sent += s.bytes_sent;
      spilled += s.bytes_spilled;
    }
    const StageSpread t = spread(profile, idx);
    out += fmt::format(
        "<tr><td><i style=\"background:{}\"></i>{}</td><td>{:.3f}</td><td>{:.3f}</td>"
        "<td>{:.3f}</td><td>rank {}</td><td>{:.2f}</td><td>{:.3f}</td><td>{}</td><td>{}</td>"
        "<td>{}</td><td>{}</td><td>{}</td></tr>",
        color(idx), escape(profile.stages[idx]), t.min, t.median, t.max, t.slowest,
        t.median > 0 ? t.max / t.median : 1.0, busy, in, out_rows, human_bytes(read),
        human_bytes(sent), human_bytes(spilled));
  }
  return out + "</table>";
}

// Bytes sent from rank r (row) to rank c (column), over every stage.
std::string heat_map(const JobProfile& profile) {
  const std::size_t ranks = profile.ranks.size();
  std::vector<std::uint64_t> bytes(ranks * ranks, 0);
  std::uint64_t most = 0;
  for (const RankProfile& rank : profile.ranks)
    for (const StageStats& s : rank.stages)
      for (std::size_t to = 0; to < s.sent_to.size() && to < ranks; ++to) {
        std::uint64_t& cell = bytes[static_cast<std::size_t>(rank.rank) * ranks + to];
        cell += s.sent_to[to];
        most = std::max(most, cell);
      }
  if (most == 0) return "<p>No rows were exchanged between ranks.</p>";
  const double cell = std::clamp(480.0 / static_cast<double>(ranks), 4.0, 48.0);
  const double size = cell * static_cast<double>(ranks) + 60;
  std::string svg = fmt::format(
      R"(<svg class="heat" width="{:.0f}" height="{:.0f}" xmlns="http://www.w3.org/2000/svg">)",
      size, size);
  svg += R"(<text x="50" y="10" class="lbl">to rank &#8594;</text>)";
  svg += fmt::format(R"(<text x="2" y="{:.0f}" class="lbl">from</text>)", 20 + cell * static_cast<double>(ranks) + 14);
  const std::size_t step = std::max<std::size_t>(1, ranks / 16);  // at most ~16 labels an axis
  for (std::size_t idx = 0; idx < ranks; idx += step) {
    svg += fmt::format(R"(<text x="{:.1f}" y="18" class="lbl">{}</text>)",
                       50 + cell * static_cast<double>(idx) + cell / 2 - 3, idx);
    svg += fmt::format(R"(<text x="30" y="{:.1f}" class="lbl">{}</text>)",
                       20 + cell * static_cast<double>(idx) + cell / 2 + 4, idx);
  }
  for (std::size_t from = 0; from < ranks; ++from)
    for (std::size_t to = 0; to < ranks; ++to) {
      const std::uint64_t value = bytes[from * ranks + to];
      const double level = std::sqrt(static_cast<double>(value) / static_cast<double>(most));
      svg += fmt::format(
          R"(<rect x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}" )"
          R"~(fill="rgb({},{},{})"><title>rank {} to rank {}: {}</title></rect>)~",
          50 + cell * static_cast<double>(to), 20 + cell * static_cast<double>(from), cell - 1,
          cell - 1, static_cast<int>(255 - 200 * level), static_cast<int>(255 - 150 * level),
          static_cast<int>(255 - 60 * level), from, to, human_bytes(value));
    }
  return svg + "</svg>";
}

std::string memory_table(const JobProfile& profile) {
  std::uint64_t most = 1;
  for (const RankProfile& rank : profile.ranks)
    for (const StageStats& s : rank.stages) most = std::max(most, s.peak_rss);
  std::string out = "<table><tr><th>rank</th><th>host</th><th>peak RSS</th><th></th>"
                    "<th>spilled</th></tr>";
  for (const RankProfile& rank : profile.ranks) {
    std::uint64_t peak = 0, spilled = 0;
    for (const StageStats& s : rank.stages) {
      peak = std::max(peak, s.peak_rss);
      spilled += s.bytes_spilled;
    }
    out += fmt::format(
        "<tr><td>{}</td><td>{}</td><td>{}</td><td><div class=\"bar\" style=\"width:{:.0f}px\">"
        "</div></td><td>{}</td></tr>",
        rank.rank, escape(rank.host), human_bytes(peak),
        240.0 * static_cast<double>(peak) / static_cast<double>(most), human_bytes(spilled));
  }
  return out + "</table>";
}

}  // namespace

std::string html_report(const JobProfile& profile) {
  std::string plan;
  for (const std::string& line : profile.explain) plan += "<li>" + escape(line) + "</li>";
  return fmt::format(
      R"(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>rankflow report</title>
<style>
body{{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;background:#fff}}
h1{{font-size:20px}} h2{{font-size:16px;margin-top:28px}}
table{{border-collapse:collapse}} td,th{{border:1px solid #ccc;padding:3px 8px;text-align:right}}
td:first-child,th:first-child{{text-align:left}}
i{{display:inline-block;width:10px;height:10px;margin-right:5px}}
.legend span{{margin-right:12px}} .lbl{{font-size:11px;fill:#333}}
.bar{{height:10px;background:#4e79a7}}
</style></head><body>
<h1>rankflow job: {:.3f} s on {} rank{}</h1>
<h2>Plan</h2><ol>{}</ol>
<h2>Timeline per rank</h2>{}{}
<h2>Stages across ranks</h2>{}
<h2>Bytes exchanged, rank x rank</h2>{}
<h2>Memory and spill per rank</h2>{}
</body></html>
)",
      profile.seconds, profile.ranks.size(), profile.ranks.size() == 1 ? "" : "s", plan,
      legend(profile), timeline(profile), stage_table(profile), heat_map(profile),
      memory_table(profile));
}

}  // namespace rankflow::exec
