#include "map_config.hpp"

#include <cmath>
#include <stdexcept>

namespace rankflow::job {
namespace {

const std::vector<std::string> kCommandNames = {"input", "name", "stem", "index", "output"};
const std::vector<std::string> kOutputNames = {"input", "name", "stem", "index"};

std::string join_names(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& name : names) out += (out.empty() ? "{" : ", {") + name + "}";
  return out;
}

// One character of a double-quoted word; `pos` is at a backslash or an ordinary character.
void take_double_quoted(const std::string& text, std::size_t& pos, std::string& word) {
  if (text[pos] == '\\' && pos + 1 < text.size()) {
    const char next = text[pos + 1];
    if (next == '"' || next == '\\' || next == '$' || next == '`') {
      word += next;
      pos += 2;
      return;
    }
  }
  word += text[pos++];
}

std::string default_log_dir(const std::string& summary) {
  const std::size_t slash = summary.find_last_of('/');
  const std::size_t dot = summary.find_last_of('.');
  const bool has_extension =
      dot != std::string::npos && dot > 0 && (slash == std::string::npos || dot > slash + 1);
  return (has_extension ? summary.substr(0, dot) : summary) + ".logs";
}

}  // namespace

bool Template::uses(const std::string& name) const {
  for (std::size_t idx = 1; idx < pieces.size(); idx += 2)
    if (pieces[idx] == name) return true;
  return false;
}

std::vector<std::string> split_command(const std::string& text) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const char c = text[pos];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      if (in_word) words.push_back(word);
      word.clear();
      in_word = false;
      ++pos;
    } else if (c == '\'') {
      const std::size_t end = text.find('\'', pos + 1);
      if (end == std::string::npos) throw std::invalid_argument("a ' quote is not closed");
      word += text.substr(pos + 1, end - pos - 1);
      in_word = true;
      pos = end + 1;
    } else if (c == '"') {
      ++pos;
      while (pos < text.size() && text[pos] != '"') take_double_quoted(text, pos, word);
      if (pos >= text.size()) throw std::invalid_argument("a \" quote is not closed");
      in_word = true;
      ++pos;
    } else if (c == '\\') {
      if (pos + 1 >= text.size()) throw std::invalid_argument("a \\ ends the command");
      word += text[pos + 1];
      in_word = true;
      pos += 2;
    } else {
      word += c;
      in_word = true;
      ++pos;
    }
  }
  if (in_word) words.push_back(word);
  return words;
}

Template parse_template(const std::string& text, const std::vector<std::string>& allowed) {
  Template result;
  std::string literal;
  std::size_t pos = 0;
  while (pos < text.size()) {
    if (text.compare(pos, 2, "{{") == 0 || text.compare(pos, 2, "}}") == 0) {
      literal += text[pos];
      pos += 2;
    } else if (text[pos] == '{') {
      const std::size_t end = text.find('}', pos);
      if (end == std::string::npos)
        throw std::invalid_argument("a { is not closed (write {{ for a brace)");
      const std::string name = text.substr(pos + 1, end - pos - 1);
      bool known = false;
      for (const std::string& candidate : allowed) known = known || candidate == name;
      if (!known)
        throw std::invalid_argument("unknown placeholder {" + name + "}; placeholders are " +
                                    join_names(allowed) + " ({{ and }} are braces)");
      result.pieces.push_back(literal);
      result.pieces.push_back(name);
      literal.clear();
      pos = end + 1;
    } else {
      literal += text[pos++];
    }
  }
  result.pieces.push_back(literal);
  return result;
}

std::string expand(const Template& text, const TaskNames& names) {
  std::string out;
  for (std::size_t idx = 0; idx < text.pieces.size(); ++idx) {
    if (idx % 2 == 0) {
      out += text.pieces[idx];
      continue;
    }
    const std::string& name = text.pieces[idx];
    out += name == "input"   ? names.input
           : name == "name"  ? names.name
           : name == "stem"  ? names.stem
           : name == "index" ? names.index
                             : names.output;
  }
  return out;
}

double parse_duration(const std::string& text) {
  std::size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    throw std::invalid_argument("expected a duration such as 30s, 10min, 2h or 250ms");
  }
  std::string unit = trim(text.substr(used));
  double scale = 0;
  if (unit.empty() || unit == "s" || unit == "sec")
    scale = 1;
  else if (unit == "ms")
    scale = 1e-3;
  else if (unit == "min" || unit == "m")
    scale = 60;
  else if (unit == "h")
    scale = 3600;
  else if (unit == "d")
    scale = 86400;
  if (scale == 0 || !std::isfinite(value) || value < 0)
    throw std::invalid_argument(
        "expected a duration such as 30s, 10min, 2h or 250ms (units ms, "
        "s, min, h, d)");
  return value * scale;
}

bool is_map_job(const RawConfig& config) { return config.has_section("map"); }

namespace {

// [map] command and output: argv templates and the output path's template.
void parse_templates(const Section& map, MapJobConfig& job) {
  std::vector<std::string> words;
  try {
    words = split_command(map.require("command"));
  } catch (const std::invalid_argument& error) {
    throw map.error("command", error.what());
  }
  if (words.empty()) throw map.error("command", "is empty");
  for (const std::string& word : words) {
    try {
      job.command.push_back(parse_template(word, kCommandNames));
    } catch (const std::invalid_argument& error) {
      throw map.error("command", error.what());
    }
  }
  if (std::optional<std::string> output = map.get("output")) {
    try {
      job.output = parse_template(*output, kOutputNames);
    } catch (const std::invalid_argument& error) {
      throw map.error("output", error.what());
    }
    if (job.output.pieces.size() == 1 && !job.output.pieces[0].empty())
      throw map.error("output",
                      "names the same file for every task: use {stem}, {name} or "
                      "{index} in it");
    job.has_output = !output->empty();
  }
  bool command_writes_output = false;
  for (const Template& word : job.command) command_writes_output |= word.uses("output");
  if (command_writes_output && !job.has_output)
    throw map.error("command",
                    "uses {output}, but [map] output (the path of each task's "
                    "output, e.g. out/{stem}.csv) is not set");
}

}  // namespace

MapJobConfig parse_map_job(const RawConfig& config) {
  MapJobConfig job;
  job.source = config.source();
  for (const std::string& section : config.sections())
    if (section != "map" && section != "output" && section != "job")
      throw ConfigError(
          "{}: a [map] job has the sections [map], [output] and [job]; [{}] "
          "belongs to other jobs (docs/map.md)",
          config.source(), section);
  const Section map(config, "map");
  job.inputs = map.get_list("inputs");
  if (job.inputs.empty()) throw map.error("inputs", "is required: globs or @list.txt");
  parse_templates(map, job);
  if (std::optional<std::string> timeout = map.get("timeout")) {
    try {
      job.timeout_seconds = parse_duration(*timeout);
    } catch (const std::invalid_argument& error) {
      throw map.error("timeout", error.what());
    }
  }
  job.retries = static_cast<int>(map.get_int("retries", 0, 0, 1000));
  job.on_error = map.get_choice("on_error", "continue", {"continue", "stop"}) == "stop"
                     ? OnError::kStop
                     : OnError::kContinue;
  job.rerun_all = map.get_choice("rerun", "failed", {"failed", "all"}) == "all";
  const Section output(config, "output");
  for (const ConfigEntry& entry : config.entries("output"))
    if (entry.key != "path")
      throw output.error(entry.key,
                         "is not used by a [map] job: its [output] is path, the "
                         "summary CSV");
  job.summary_path = output.require("path");
  job.log_dir = map.get_or("log_dir", default_log_dir(job.summary_path));
  return job;
}

}  // namespace rankflow::job
