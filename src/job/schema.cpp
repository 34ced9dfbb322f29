#include "rankflow/job/schema.hpp"

#include <algorithm>
#include <numeric>

namespace rankflow::job {
namespace {

std::vector<SectionDoc> build_schema() {
  std::vector<SectionDoc> sections;
  sections.push_back({"job", "How the job runs, whatever it computes.",
                      {
                          {"name", "the config file's name", "a name for logs and provenance"},
                          {"log", "info", "quiet, info or debug"},
                          {"exchange_round_bytes", "1GiB",
                           "bytes each rank moves per MPI_Alltoallv round in a shuffle "
                           "(group-by, sort, join); larger exchanges go in rounds, so a rank "
                           "may send more than 2 GiB"},
                      }});
  sections.push_back(
      {"groupby",
       "Distributed group-by: local pre-aggregation, one exchange of partial states to the rank "
       "that owns each key, merge (docs/groupby-and-sort.md).",
       {
           {"keys", "", "key columns, comma separated (any type; null keys form their own group)"},
           {"aggregate", "",
            "comma separated: sum, mean, min, max, count(), count(col), var, std, first, last, "
            "nunique, median, quantile(col, p); output named <function>_<column>, count() is "
            "'count', 'sum(x) as total' renames"},
           {"ddof", "1", "delta degrees of freedom of var and std (1: sample, 0: population)"},
           {"skew_to_one_rank", "false",
            "debug: send every key to rank 0, to test skew (the result is the same)"},
       }});
  return sections;
}

bool section_matches(const SectionDoc& doc, const std::string& name) {
  if (doc.name.size() > 2 && doc.name.compare(doc.name.size() - 2, 2, ".*") == 0) {
    const std::string prefix = doc.name.substr(0, doc.name.size() - 1);  // "input."
    return name.size() > prefix.size() && name.compare(0, prefix.size(), prefix) == 0;
  }
  return doc.name == name;
}

std::string closest(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_distance = 3;  // suggest only close spellings
  for (const std::string& candidate : candidates) {
    const std::size_t distance = edit_distance(word, candidate);
    if (distance < best_distance) {
      best_distance = distance;
      best = candidate;
    }
  }
  return best.empty() ? "" : " (did you mean '" + best + "'?)";
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

}  // namespace

const std::vector<SectionDoc>& schema() {
  static const std::vector<SectionDoc> sections = build_schema();
  return sections;
}

std::size_t edit_distance(const std::string& left, const std::string& right) {
  std::vector<std::size_t> row(right.size() + 1);
  std::iota(row.begin(), row.end(), std::size_t{0});
  for (std::size_t left_idx = 1; left_idx <= left.size(); ++left_idx) {
    std::size_t diagonal = row[0];
    row[0] = left_idx;
    for (std::size_t right_idx = 1; right_idx <= right.size(); ++right_idx) {
      const std::size_t above = row[right_idx];
      const std::size_t substitute =
          diagonal + (left[left_idx - 1] == right[right_idx - 1] ? 0 : 1);
      row[right_idx] = std::min({above + 1, row[right_idx - 1] + 1, substitute});
      diagonal = above;
    }
  }
  return row[right.size()];
}

void validate_keys(const RawConfig& config) {
  std::vector<std::string> section_names;
  for (const SectionDoc& doc : schema()) section_names.push_back(doc.name);
  for (const ConfigEntry& entry : config.all()) {
    const std::string where =
        entry.origin == "--set" ? "--set " + entry.section + "." + entry.key : entry.origin;
    if (entry.section.empty())
      throw ConfigError("{}: key '{}' is outside any [section]", where, entry.key);
    auto doc = std::find_if(schema().begin(), schema().end(), [&](const SectionDoc& candidate) {
      return section_matches(candidate, entry.section);
    });
    if (doc == schema().end())
      throw ConfigError("{}: unknown section [{}]{}; sections are: {}", where, entry.section,
                        closest(entry.section, section_names), join(section_names));
    if (doc->free_keys) continue;
    std::vector<std::string> keys;
    for (const KeyDoc& key : doc->keys) keys.push_back(key.key);
    if (std::find(keys.begin(), keys.end(), entry.key) == keys.end())
      throw ConfigError("{}: unknown key '{}' in [{}]{}; keys of [{}] are: {}", where, entry.key,
                        entry.section, closest(entry.key, keys), entry.section, join(keys));
  }
}

std::string describe_schema() {
  std::string out;
  for (const SectionDoc& doc : schema()) {
    out += "### [" + doc.name + "]\n\n" + doc.help + "\n\n";
    if (doc.keys.empty()) continue;
    out += "| key | default | meaning |\n|---|---|---|\n";
    for (const KeyDoc& key : doc.keys)
      out += "| `" + key.key + "` | " + (key.default_value.empty() ? "" : key.default_value) +
             " | " + key.help + " |\n";
    out += "\n";
  }
  return out;
}

}  // namespace rankflow::job
