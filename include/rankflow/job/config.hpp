// Job configuration: the INI text a user writes, as (section, key, value) entries, and typed
// access to it with errors that name the file, the key and what is allowed.
//
// The CLI reads the file (with Boost.Program_options) and the `--set section.key=value`
// overrides into a RawConfig; everything after that (validation against the schema, typed
// values) lives here, so a C++ user can build a RawConfig from strings.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "rankflow/core/error.hpp"
#include "rankflow/core/text.hpp"

namespace rankflow::job {

struct ConfigEntry {
  std::string section;  // "input", "input.sales", "reduce"; "" for keys before any section
  std::string key;
  std::string value;
  std::string origin;  // "jobs/x.ini" or "--set"
};

class RawConfig {
 public:
  explicit RawConfig(std::string source = "<config>") : source_(std::move(source)) {}

  // A later entry for the same section and key replaces the earlier one.
  void set(std::string section, std::string key, std::string value, std::string origin);
  // "section.key=value" from the command line; the section is everything before the last dot.
  // An empty value removes the key (its default applies), except for the join's suffixes,
  // where an empty suffix is a value.
  void set_override(const std::string& assignment);
  // The key is as if never written; its section stays (a step written without keys exists).
  void remove(const std::string& section, const std::string& key);
  // A section written without keys: it exists all the same (`[distinct]` alone is a step with
  // its defaults). Sections with keys are added by set().
  void add_section(std::string section);

  const ConfigEntry* find(const std::string& section, const std::string& key) const;
  bool has_section(const std::string& section) const;
  std::vector<std::string> sections() const;  // in order of first appearance
  std::vector<ConfigEntry> entries(const std::string& section) const;
  const std::vector<ConfigEntry>& all() const { return entries_; }
  // Keys an empty --set value removed: in no section, but still checked for typos.
  const std::vector<ConfigEntry>& cleared() const { return cleared_; }

  const std::string& source() const { return source_; }
  // Canonical INI text of every entry (overrides applied): recorded in outputs' provenance.
  std::string text() const;

 private:
  std::string source_;
  std::vector<ConfigEntry> entries_;
  std::vector<ConfigEntry> cleared_;
  std::vector<std::string> sections_;  // in order of first appearance
};

// Typed, validated access to one section. Every error names the file, section, key and value.
class Section {
 public:
  Section(const RawConfig& config, std::string name) : config_(&config), name_(std::move(name)) {}

  const std::string& name() const { return name_; }
  bool has(const std::string& key) const { return config_->find(name_, key) != nullptr; }
  std::optional<std::string> get(const std::string& key) const;
  std::string require(const std::string& key) const;
  std::string get_or(const std::string& key, const std::string& fallback) const;
  std::int64_t get_int(const std::string& key, std::int64_t fallback, std::int64_t min,
                       std::int64_t max) const;
  double get_double(const std::string& key, double fallback) const;
  bool get_bool(const std::string& key, bool fallback) const;
  // One of `allowed`; the error lists them.
  std::string get_choice(const std::string& key, const std::string& fallback,
                         const std::vector<std::string>& allowed) const;
  // Comma-separated list, each item trimmed; empty items are an error.
  std::vector<std::string> get_list(const std::string& key) const;
  // A size with an optional unit: 64MiB, 1GiB, 4096.
  std::uint64_t get_bytes(const std::string& key, std::uint64_t fallback) const;

  // A ConfigError that names this key (and its value, when set).
  Error error(const std::string& key, const std::string& problem) const;

 private:
  const RawConfig* config_;
  std::string name_;
};

// core/text.hpp: "a, b ,c" -> {"a","b","c"}, respecting parentheses and quotes.
using rankflow::split_list;
using rankflow::lower;
using rankflow::trim;

}  // namespace rankflow::job
