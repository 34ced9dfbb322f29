// The HTML report of a job (`rankflow run --report PATH`): one self-contained file, no script,
// no network (inline CSS and SVG), so that it opens offline on a login node or a laptop. It
// shows a timeline per rank, the stage table with min/median/max across ranks and the
// straggler, the all-to-all bytes as a rank x rank heat map, and spill and peak memory per rank.
#pragma once

#include <string>

#include "rankflow/exec/profile.hpp"

namespace rankflow::exec {

std::string html_report(const JobProfile& profile);

}  // namespace rankflow::exec
