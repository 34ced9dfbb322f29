#include "rankflow/slurm/batch_script.hpp"

#include <algorithm>
#include <cctype>
#include <string_view>
#include <utility>

#include "rankflow/core/error.hpp"
#include "rankflow/core/text.hpp"

namespace rankflow::slurm {
namespace {

constexpr const char* kDirectivesBegin = "### rankflow submit: directives";
constexpr const char* kDirectivesEnd = "### rankflow submit: end of directives";
constexpr const char* kSettingsBegin = "### rankflow submit: settings";
constexpr const char* kSettingsEnd = "### rankflow submit: end of settings";

bool is_control(char c) {
  const auto byte = static_cast<unsigned char>(c);
  return byte < 0x20 || byte == 0x7f;
}

void check_no_control(const std::string& value, const std::string& what) {
  const auto bad = std::find_if(value.begin(), value.end(), is_control);
  if (bad != value.end())
    throw ConfigError(
        "{} contains a control character (byte {:#04x}): it cannot be written in "
        "a batch script",
        what, static_cast<unsigned>(static_cast<unsigned char>(*bad)));
}

// Characters that need no quoting on an #SBATCH line (nor in a log name).
bool is_plain(const std::string& value) {
  return !value.empty() && std::all_of(value.begin(), value.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
           std::string_view("_.,:%/+=@-").find(c) != std::string_view::npos;
  });
}

bool all_of_chars(const std::string& value, std::string_view allowed, bool alnum) {
  return std::all_of(value.begin(), value.end(), [&](char c) {
    return (alnum && std::isalnum(static_cast<unsigned char>(c)) != 0) ||
           allowed.find(c) != std::string_view::npos;
  });
}


// Options that would move the logs away from where `rankflow submit` says they are.
void check_not_owned(const std::string& arg) {
  const std::string name = arg.substr(0, arg.find_first_of("= "));
  const bool short_option = name.size() >= 2 && name[1] != '-';  // -J, -Jname, -o file
  const std::string key = short_option ? name.substr(0, 2) : name;
  for (const char* owned : {"--job-name", "-J", "--output", "-o", "--error", "-e"}) {
    if (key == owned)
      throw ConfigError(
          "--sbatch-arg '{}': use --job-name or --log-dir instead (rankflow "
          "submit names the logs after the job)",
          arg);
  }
}

// "--mem=4G" -> "--mem=4G"; "--comment=a b" -> "--comment=\"a b\""; "-C gpu" -> "-C gpu".
std::string sbatch_arg_directive(const std::string& arg) {
  const std::string what = "--sbatch-arg '" + arg + "'";
  check_no_control(arg, what);
  if (arg.size() < 2 || arg[0] != '-')
    throw ConfigError("{}: an sbatch option starts with '-' (--sbatch-arg=--mem-per-cpu=4G)", what);
  check_not_owned(arg);
  const bool long_option = arg.compare(0, 2, "--") == 0;
  const auto split = long_option ? arg.find('=') : arg.find(' ');
  if (split == std::string::npos) {
    if (!is_plain(arg)) throw ConfigError("{}: write an option with a value as --name=value", what);
    return arg;
  }
  const std::string name = arg.substr(0, split);
  if (!all_of_chars(name, "-", true))
    throw ConfigError("{}: '{}' is not an sbatch option name", what, name);
  return name + arg[split] + directive_quote(arg.substr(split + 1), what);
}

std::string directives(const BatchRequest& request) {
  std::string out;
  const auto line = [&](const std::string& option, const std::string& value) {
    out += "#SBATCH " + option + "=" + directive_quote(value, option) + "\n";
  };
  line("--job-name", request.job_name);
  if (request.nodes) line("--nodes", std::to_string(*request.nodes));
  if (request.ntasks_per_node) line("--ntasks-per-node", std::to_string(*request.ntasks_per_node));
  if (request.ntasks) line("--ntasks", std::to_string(*request.ntasks));
  if (!request.time.empty()) line("--time", request.time);
  if (!request.partition.empty()) line("--partition", request.partition);
  if (!request.account.empty()) line("--account", request.account);
  line("--output", request.log_dir + "/%x-%j.out");
  line("--error", request.log_dir + "/%x-%j.err");
  for (const std::string& arg : request.sbatch_args)
    out += "#SBATCH " + sbatch_arg_directive(arg) + "\n";
  return out;
}

std::string settings(const BatchRequest& request) {
  std::string out;
  out += "rankflow=" + shell_quote(request.rankflow) + "\n";
  out += "launcher=" + shell_quote(request.launcher) + "\n";
  out += "mpi=" + shell_quote(request.mpi) + "\n";
  out += "set --";
  for (const std::string& arg : request.run_args) out += " " + shell_quote(arg);
  out += "\n";
  return out;
}

// Replaces the lines strictly between the line `begin` and the line `end`.
std::string replace_block(const std::string& text, const std::string& begin, const std::string& end,
                          const std::string& body) {
  const auto begin_at = text.find("\n" + begin + "\n");
  const auto end_at = text.find("\n" + end + "\n");
  if (begin_at == std::string::npos || end_at == std::string::npos || end_at < begin_at)
    throw ConfigError("the sbatch template has no '{}' ... '{}' block", begin, end);
  const auto body_at = begin_at + begin.size() + 2;
  return text.substr(0, body_at) + body + text.substr(end_at + 1);
}

}  // namespace

std::string shell_quote(const std::string& word) {
  std::string out = "'";
  for (char c : word) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}

std::string directive_quote(const std::string& value, const std::string& what) {
  check_no_control(value, what);
  if (is_plain(value)) return value;
  std::string out = "\"";
  for (char c : value) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

void check_request(const BatchRequest& request) {
  if (request.job_name.empty()) throw ConfigError("--job-name is empty");
  check_no_control(request.job_name, "the job name");
  if (request.job_name.find('/') != std::string::npos)
    throw ConfigError("the job name '{}' contains '/': it names the log files (--job-name)",
                      request.job_name);
  for (const auto& [count, option] : {std::pair{request.nodes, "--nodes"},
                                      {request.ntasks_per_node, "--ntasks-per-node"},
                                      {request.ntasks, "--ntasks"}}) {
    if (count && *count < 1) throw ConfigError("{} must be at least 1, not {}", option, *count);
  }
  const std::string time = lower(request.time);
  if (!all_of_chars(request.time, "0123456789:-", false) && time != "unlimited" &&
      time != "infinite")
    throw ConfigError(
        "--time '{}': expected minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM:SS or "
        "UNLIMITED",
        request.time);
  check_no_control(request.partition, "--partition");
  check_no_control(request.account, "--account");
  if (request.log_dir.empty() || request.log_dir[0] != '/')
    throw ConfigError("the log folder '{}' is not an absolute path", request.log_dir);
  check_no_control(request.log_dir, "the log folder");
  if (request.log_dir.find('%') != std::string::npos)
    throw ConfigError(
        "the log folder '{}' contains '%', which Slurm reads as a pattern "
        "(--log-dir)",
        request.log_dir);
  if (request.rankflow.empty()) throw ConfigError("--rankflow is empty");
  if (request.launcher != "srun" && request.launcher != "mpirun")
    throw ConfigError("--launcher '{}': expected srun or mpirun", request.launcher);
  if (request.mpi.empty() || !all_of_chars(request.mpi, "_.-", true))
    throw ConfigError(
        "--mpi '{}': expected an srun MPI plugin name such as pmix (srun "
        "--mpi=list)",
        request.mpi);
  if (request.run_args.empty()) throw ConfigError("no job config to run");
}

std::string render_batch_script(const BatchRequest& request, const std::string& template_text) {
  check_request(request);
  std::string script =
      replace_block(template_text, kDirectivesBegin, kDirectivesEnd, directives(request));
  script = replace_block(script, kSettingsBegin, kSettingsEnd, settings(request));
  // Say where the script came from, right after the #! line.
  const auto first_line_end = script.find('\n');
  return script.substr(0, first_line_end + 1) + "# Written by `rankflow submit` (rankflow " +
         RANKFLOW_VERSION +
         "): submit it with `sbatch FILE`; its job and options are fixed in "
         "the blocks below.\n" +
         script.substr(first_line_end + 1);
}

std::string log_path(const BatchRequest& request, const std::string& job_id, bool error_log) {
  return request.log_dir + "/" + request.job_name + "-" + job_id + (error_log ? ".err" : ".out");
}

}  // namespace rankflow::slurm
