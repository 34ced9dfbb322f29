#include "job_report.hpp"

#include <cstdio>
#include <iostream>

#include "rankflow/comm/phase.hpp"
#include "rankflow/core/log.hpp"
#include "rankflow/exec/profile.hpp"
#include "rankflow/exec/progress.hpp"
#include "rankflow/exec/report.hpp"
#include "rankflow/io/output_file.hpp"

namespace rankflow::job {
namespace {

// Collective: `text` (rank 0's) to `path`, under a temporary name renamed when complete.
void write_text(const comm::Communicator& comm, const std::string& path, const std::string& text,
                const char* what) {
  io::AtomicOutput out(comm, path);
  comm::run_phase(comm, std::string("writing the ") + what, [&] {
    if (comm.rank() != 0) return;
    std::FILE* file = std::fopen(out.temp_path().c_str(), "wb");
    if (file == nullptr) throw DataError("cannot write the {} '{}'", what, path);
    const bool written = std::fwrite(text.data(), 1, text.size(), file) == text.size();
    if (std::fclose(file) != 0 || !written)
      throw DataError("cannot write the {} '{}': the disk may be full", what, path);
  });
  out.commit();
  log::info("wrote the {} {}", what, path);
}

// [job] progress_interval: seconds, or with a unit (30s, 2min, 1h).
double progress_interval(const RawConfig& config) {
  const Section job(config, "job");
  const std::string text = job.get_or("progress_interval", "10s");
  std::size_t used = 0;
  double value = -1;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
  }
  const std::string unit = trim(text.substr(std::min(used, text.size())));
  const double scale = unit.empty() || unit == "s" ? 1 : unit == "min" ? 60 : unit == "h" ? 3600 : -1;
  if (value <= 0 || scale < 0)
    throw job.error("progress_interval", "expected a positive duration such as 10s, 2min or 1h");
  return value * scale;
}

}  // namespace

void run_with_progress(const comm::Communicator& comm, exec::Pipeline& pipeline,
                       const RunOptions& options, const RawConfig& config) {
  const double interval =
      comm::run_phase(comm, "checking the job config", [&] { return progress_interval(config); });
  exec::ProgressDisplay display(comm, exec::progress_mode(options.progress), interval);
  pipeline.run(&display);
  display.close();
}

void report_pipeline(const comm::Communicator& comm, const exec::Pipeline& pipeline,
                     const RunOptions& options) {
  const exec::JobProfile profile = exec::gather_profile(comm, pipeline);
  if (comm.rank() == 0)
    for (const std::string& line : exec::summary_lines(profile)) log::info("{}", line);
  if (!options.profile.empty())
    write_text(comm, options.profile, comm.rank() == 0 ? exec::chrome_trace(profile) : "",
               "profile");
  if (!options.report.empty())
    write_text(comm, options.report, comm.rank() == 0 ? exec::html_report(profile) : "",
               "report");
}

void print_explain(const comm::Communicator& comm, const std::vector<std::string>& facts,
                   const exec::Pipeline& pipeline) {
  if (comm.rank() != 0) return;
  std::string text;
  for (const std::string& fact : facts) text += fact + "\n";
  text += "stages, in order:\n";
  std::size_t number = 1;
  for (const std::string& line : pipeline.explain())
    text += "  " + std::to_string(number++) + ". " + line + "\n";
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

}  // namespace rankflow::job
