#include "rankflow/job/config.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>

namespace rankflow::job {

void RawConfig::set(std::string section, std::string key, std::string value, std::string origin) {
  add_section(section);
  for (ConfigEntry& entry : entries_) {
    if (entry.section == section && entry.key == key) {
      entry.value = std::move(value);
      entry.origin = std::move(origin);
      return;
    }
  }
  entries_.push_back({std::move(section), std::move(key), std::move(value), std::move(origin)});
}

namespace {

// Keys whose empty value is a value, not "unset": a join suffix may be empty (`left_suffix =`
// leaves the left's clashing names as they are), which is not the default.
bool empty_is_a_value(const std::string& section, const std::string& key) {
  return section == "join" && (key == "left_suffix" || key == "right_suffix");
}

}  // namespace

void RawConfig::set_override(const std::string& assignment) {
  const auto equals = assignment.find('=');
  const std::string name = trim(assignment.substr(0, equals));
  const auto dot = name.rfind('.');
  if (equals == std::string::npos || dot == std::string::npos || dot == 0 || dot + 1 == name.size())
    throw ConfigError("--set '{}': expected section.key=value, e.g. --set input.path=data.h5",
                      excerpt(assignment));
  std::string section = name.substr(0, dot);
  std::string key = name.substr(dot + 1);
  std::string value = trim(assignment.substr(equals + 1));
  // An empty value clears a key the file sets (`--set join.on=` to give left_on and right_on
  // instead): the key is as if never written, so its default applies.
  if (value.empty() && !empty_is_a_value(section, key)) {
    remove(section, key);
    cleared_.push_back({std::move(section), std::move(key), "", "--set"});
    return;
  }
  set(std::move(section), std::move(key), std::move(value), "--set");
}

void RawConfig::remove(const std::string& section, const std::string& key) {
  entries_.erase(std::remove_if(entries_.begin(), entries_.end(),
                                [&](const ConfigEntry& entry) {
                                  return entry.section == section && entry.key == key;
                                }),
                 entries_.end());
}

const ConfigEntry* RawConfig::find(const std::string& section, const std::string& key) const {
  for (const ConfigEntry& entry : entries_)
    if (entry.section == section && entry.key == key) return &entry;
  return nullptr;
}

void RawConfig::add_section(std::string section) {
  if (!has_section(section)) sections_.push_back(std::move(section));
}

bool RawConfig::has_section(const std::string& section) const {
  return std::find(sections_.begin(), sections_.end(), section) != sections_.end();
}

std::vector<std::string> RawConfig::sections() const { return sections_; }

std::vector<ConfigEntry> RawConfig::entries(const std::string& section) const {
  std::vector<ConfigEntry> result;
  for (const ConfigEntry& entry : entries_)
    if (entry.section == section) result.push_back(entry);
  return result;
}

std::string RawConfig::text() const {
  std::string out;
  for (const std::string& section : sections()) {
    if (!section.empty()) out += "[" + section + "]\n";
    for (const ConfigEntry& entry : entries(section)) out += entry.key + " = " + entry.value + "\n";
  }
  return out;
}

Error Section::error(const std::string& key, const std::string& problem) const {
  const ConfigEntry* entry = config_->find(name_, key);
  if (entry == nullptr)
    return ConfigError("{}: [{}] {}: {}", config_->source(), name_, key, problem);
  const std::string where = entry->origin == "--set" ? "--set " + name_ + "." + key
                                                     : entry->origin + ": [" + name_ + "] " + key;
  return ConfigError("{} = '{}': {}", where, excerpt(entry->value), problem);
}

std::optional<std::string> Section::get(const std::string& key) const {
  const ConfigEntry* entry = config_->find(name_, key);
  if (entry == nullptr) return std::nullopt;
  return entry->value;
}

std::string Section::require(const std::string& key) const {
  auto value = get(key);
  if (!value || value->empty()) throw error(key, "this key is required");
  return *value;
}

std::string Section::get_or(const std::string& key, const std::string& fallback) const {
  auto value = get(key);
  return value ? *value : fallback;
}

std::int64_t Section::get_int(const std::string& key, std::int64_t fallback, std::int64_t min,
                              std::int64_t max) const {
  auto value = get(key);
  if (!value) return fallback;
  errno = 0;
  char* end = nullptr;
  const long long parsed = std::strtoll(value->c_str(), &end, 10);
  if (value->empty() || *end != '\0' || errno == ERANGE)
    throw error(key, "expected a whole number");
  if (parsed < min || parsed > max)
    throw error(key, fmt::format("expected a whole number from {} to {}", min, max));
  return parsed;
}

double Section::get_double(const std::string& key, double fallback) const {
  auto value = get(key);
  if (!value) return fallback;
  char* end = nullptr;
  const double parsed = std::strtod(value->c_str(), &end);
  if (value->empty() || *end != '\0' || !std::isfinite(parsed))
    throw error(key, "expected a number");
  return parsed;
}

bool Section::get_bool(const std::string& key, bool fallback) const {
  auto value = get(key);
  if (!value) return fallback;
  const std::string word = lower(*value);
  if (word == "true" || word == "yes" || word == "on" || word == "1") return true;
  if (word == "false" || word == "no" || word == "off" || word == "0") return false;
  throw error(key, "expected true or false");
}

std::string Section::get_choice(const std::string& key, const std::string& fallback,
                                const std::vector<std::string>& allowed) const {
  std::string value = get_or(key, fallback);
  if (std::find(allowed.begin(), allowed.end(), value) != allowed.end()) return value;
  std::string list;
  for (const std::string& option : allowed) list += (list.empty() ? "" : ", ") + option;
  throw error(key, "expected one of: " + list);
}

std::vector<std::string> Section::get_list(const std::string& key) const {
  auto value = get(key);
  if (!value) return {};
  std::vector<std::string> items = split_list(*value);
  for (const std::string& item : items)
    if (item.empty()) throw error(key, "empty item in the comma-separated list");
  return items;
}

std::uint64_t Section::get_bytes(const std::string& key, std::uint64_t fallback) const {
  auto value = get(key);
  if (!value) return fallback;
  char* end = nullptr;
  const double number = std::strtod(value->c_str(), &end);
  const std::string unit = lower(trim(end));
  double scale = 0;
  if (unit.empty() || unit == "b")
    scale = 1;
  else if (unit == "k" || unit == "kib" || unit == "kb")
    scale = 1024.0;
  else if (unit == "m" || unit == "mib" || unit == "mb")
    scale = 1024.0 * 1024;
  else if (unit == "g" || unit == "gib" || unit == "gb")
    scale = 1024.0 * 1024 * 1024;
  if (end == value->c_str() || scale == 0 || !(number > 0))
    throw error(key, "expected a positive size such as 4096, 64MiB or 1GiB");
  return static_cast<std::uint64_t>(number * scale);
}

}  // namespace rankflow::job
