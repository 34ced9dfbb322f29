// The schema of job configs: every section and key rankflow accepts, with its default and
// meaning. It is the single source for validation (an unknown section or key is a config
// error with a "did you mean") and for the reference docs (`rankflow keys`, docs/config.md).
#pragma once

#include <string>
#include <vector>

#include "rankflow/job/config.hpp"

namespace rankflow::job {

struct KeyDoc {
  std::string key;
  std::string default_value;  // "" when required or when there is no default
  std::string help;
};

struct SectionDoc {
  std::string name;        // "reduce"; "input.*" for sections named by the user (input.sales)
  std::string help;
  std::vector<KeyDoc> keys;
  bool free_keys = false;  // keys are the user's names ([derive] revenue = value * qty)
};

const std::vector<SectionDoc>& schema();

// Throws ConfigError naming the file, the section or key, and what is allowed.
void validate_keys(const RawConfig& config);

// The schema as Markdown: what `rankflow keys` prints and docs/config.md holds.
std::string describe_schema();
// One section's keys ("reduce", "[reduce]", "input.sales" or "input.*"); ConfigError naming the
// known sections when there is none of that name.
std::string describe_schema(const std::string& section);

// Levenshtein distance, for "did you mean" suggestions.
std::size_t edit_distance(const std::string& left, const std::string& right);

}  // namespace rankflow::job
