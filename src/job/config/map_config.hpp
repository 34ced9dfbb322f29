// The [map] job's config, parsed and checked (private to job/; docs/map.md).
//
//   [map]     inputs, command, output, timeout, retries, on_error, log_dir, rerun
//   [output]  path (the summary CSV, one row per task)
//
// parse_map_job() needs no file and no MPI (validate_job runs it on a login node). The command
// is split into argv once, here, with shell-like quoting; placeholders are substituted per
// argv item per task (expand), never re-split, and no shell ever sees the result.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "rankflow/job/config.hpp"

namespace rankflow::job {

// A text with {placeholders}: literal pieces and placeholder names, alternating.
struct Template {
  std::vector<std::string> pieces;  // pieces[0] literal, pieces[1] a name, pieces[2] literal...
  bool uses(const std::string& name) const;
};

// What a task's placeholders stand for.
struct TaskNames {
  std::string input;   // {input}: the path as listed
  std::string name;    // {name}: the file name
  std::string stem;    // {stem}: the name without its last extension
  std::string index;   // {index}: 0-based position in the input list
  std::string output;  // {output}: the temporary path of the task's output ("" without one)
};

enum class OnError { kContinue, kStop };

struct MapJobConfig {
  std::string source;               // the config file, for messages
  std::vector<std::string> inputs;  // globs and @lists, as written
  std::vector<Template> command;    // one template per argv item
  bool has_output = false;
  Template output;             // the final path of a task's output
  double timeout_seconds = 0;  // 0: no limit
  int retries = 0;
  OnError on_error = OnError::kContinue;
  std::string log_dir;
  bool rerun_all = false;
  std::string summary_path;  // [output] path
};

bool is_map_job(const RawConfig& config);
// Throws ConfigError naming the file, the key and what is allowed.
MapJobConfig parse_map_job(const RawConfig& config);

// Shell-like word splitting without a shell: blanks separate words; '...' is literal; "..."
// keeps blanks and takes \" \\ \$ \` as escapes; \ outside quotes escapes the next character.
// Throws std::invalid_argument on an unterminated quote or a trailing backslash.
std::vector<std::string> split_command(const std::string& text);
// "{input}.txt" -> {"", "input", ".txt"}; {{ and }} are literal braces. Throws
// std::invalid_argument naming an unknown placeholder or an unclosed brace.
Template parse_template(const std::string& text, const std::vector<std::string>& allowed);
std::string expand(const Template& text, const TaskNames& names);
// "10min" "30s" "1.5h" "250ms" "90" (seconds). Throws std::invalid_argument.
double parse_duration(const std::string& text);

}  // namespace rankflow::job
