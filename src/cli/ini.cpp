#include <fstream>
#include <set>
#include <sstream>

#include <boost/program_options.hpp>

#include "commands.hpp"
#include "rankflow/core/text.hpp"

namespace po = boost::program_options;

namespace rankflow::cli {
namespace {

// Boost's parser reports keys only, so a section written without any (`[distinct]` or
// `[center]`, whose defaults make a whole step) would vanish and its step silently not run.
// Its header line is found here (after the keys: it goes last in the section order).
void add_sections_without_keys(const std::string& text, job::RawConfig& config) {
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    const std::string bare = job::trim(line.substr(0, line.find('#')));
    if (bare.size() >= 2 && bare.front() == '[' && bare.back() == ']')
      config.add_section(job::trim(bare.substr(1, bare.size() - 2)));
  }
}

}  // namespace

job::RawConfig parse_ini(const std::string& text, const std::string& source) {
  job::RawConfig config(source);
  std::istringstream stream(text);
  po::options_description none;
  po::parsed_options parsed(&none);
  try {
    parsed = po::parse_config_file(stream, none, /*allow_unregistered=*/true);
  } catch (const po::invalid_config_file_syntax& error) {
    // Not error.what(): Boost 1.74 fills '%invalid_line%' into its template in a loop that
    // never ends when the line itself holds such a placeholder (found by fuzz_ini).
    throw ConfigError("{}: invalid line '{}': expected [section], key = value or a # comment",
                      source, excerpt(error.tokens()));
  } catch (const po::error& error) {
    throw ConfigError("{}: {}", source, error.what());
  }
  std::set<std::string> seen;
  for (const po::option& option : parsed.options) {
    const std::string& name = option.string_key;
    if (!seen.insert(name).second)
      throw ConfigError("{}: key '{}' is given twice", source, name);
    const auto dot = name.rfind('.');
    const std::string section = dot == std::string::npos ? "" : name.substr(0, dot);
    const std::string key = dot == std::string::npos ? name : name.substr(dot + 1);
    const std::string value = option.value.empty() ? "" : option.value.front();
    config.set(section, key, job::trim(value), source);
  }
  add_sections_without_keys(text, config);
  return config;
}

job::RawConfig load_job_config(const std::string& path, const std::vector<std::string>& sets) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw ConfigError("cannot read job config '{}': no such file or not readable", path);
  std::ostringstream text;
  text << file.rdbuf();
  job::RawConfig config = parse_ini(text.str(), path);
  for (const std::string& assignment : sets) config.set_override(assignment);
  return config;
}

}  // namespace rankflow::cli
