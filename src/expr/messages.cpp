#include "messages.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace rankflow::expr {
namespace {

bool is_continuation(char ch) { return (static_cast<unsigned char>(ch) & 0xC0) == 0x80; }

// Characters (UTF-8 code points) in text[begin, end).
std::size_t characters(const std::string& text, std::size_t begin, std::size_t end) {
  std::size_t count = 0;
  for (std::size_t idx = begin; idx < end && idx < text.size(); ++idx)
    if (!is_continuation(text[idx])) ++count;
  return count;
}

// Optimal string alignment distance: Levenshtein plus adjacent transpositions, so that the
// common typo 'qyt' is one edit from 'qty'. (job/schema.cpp has its own for key names: expr
// sits below job.)
std::size_t edit_distance(const std::string& left, const std::string& right) {
  const std::size_t cols = right.size() + 1;
  std::vector<std::size_t> dist((left.size() + 1) * cols);
  auto at = [&](std::size_t row, std::size_t col) -> std::size_t& {
    return dist[row * cols + col];
  };
  for (std::size_t row = 0; row <= left.size(); ++row) at(row, 0) = row;
  for (std::size_t col = 0; col <= right.size(); ++col) at(0, col) = col;
  for (std::size_t row = 1; row <= left.size(); ++row) {
    for (std::size_t col = 1; col <= right.size(); ++col) {
      const std::size_t cost = left[row - 1] == right[col - 1] ? 0 : 1;
      at(row, col) =
          std::min({at(row - 1, col) + 1, at(row, col - 1) + 1, at(row - 1, col - 1) + cost});
      if (row > 1 && col > 1 && left[row - 1] == right[col - 2] && left[row - 2] == right[col - 1])
        at(row, col) = std::min(at(row, col), at(row - 2, col - 2) + 1);
    }
  }
  return at(left.size(), right.size());
}

}  // namespace

std::string describe_at(const std::string& text, Span span, const std::string& problem) {
  // A long text is echoed as a window around the span (a generated filter may be megabytes):
  // kContext bytes before it, the span itself up to kContext bytes, kContext bytes after.
  constexpr std::size_t kContext = 40;
  const std::size_t span_begin = std::min(span.begin, text.size());
  const std::size_t span_end = std::min(std::max(span.end, span_begin), text.size());
  std::size_t from = span_begin > kContext ? span_begin - kContext : 0;
  std::size_t to = std::min(text.size(), std::min(span_end, span_begin + kContext) + kContext);
  while (from > 0 && is_continuation(text[from])) --from;
  while (to < text.size() && is_continuation(text[to])) ++to;
  const std::string lead = from > 0 ? "..." : "";
  // The echoed text is one line: newlines and tabs of a multi-line INI value become spaces so
  // that the caret stays under the right character.
  std::string shown = lead + text.substr(from, to - from) + (to < text.size() ? "..." : "");
  std::replace_if(
      shown.begin(), shown.end(), [](char ch) { return ch == '\n' || ch == '\r' || ch == '\t'; },
      ' ');
  const std::size_t before = characters(text, 0, span_begin);
  const std::size_t indent = lead.size() + characters(text, from, span_begin);
  const std::size_t width =
      std::max<std::size_t>(1, characters(text, span_begin, std::min(span_end, to)));
  std::string marker(indent, ' ');
  marker += '^';
  marker += std::string(width - 1, '~');
  return fmt::format("{} at position {}\n    {}\n    {}", problem, before + 1, shown, marker);
}

std::size_t position_of(const std::string& text, std::size_t offset) {
  return characters(text, 0, offset) + 1;
}

void fail_at(const std::string& text, Span span, const std::string& problem) {
  throw Error(ErrorKind::kConfig, describe_at(text, span, problem));
}

std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  // Longer names tolerate more typos; a one-letter name suggests nothing.
  const std::size_t allowed = word.size() <= 2 ? 1 : word.size() <= 5 ? 2 : 3;
  std::size_t best_distance = allowed + 1;
  for (const std::string& candidate : candidates) {
    const std::size_t distance = edit_distance(word, candidate);
    if (distance < best_distance && distance < word.size()) {
      best_distance = distance;
      best = candidate;
    }
  }
  return best.empty() ? "" : " (did you mean '" + best + "'?)";
}

std::string join_names(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& name : names) out += (out.empty() ? "" : ", ") + name;
  return out;
}

}  // namespace rankflow::expr
