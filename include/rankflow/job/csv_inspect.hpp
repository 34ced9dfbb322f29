// `rankflow inspect FILE.csv`: a CSV file as a table job reads it, through the CSV source
// itself (its type sample and parser, no second one): the columns and the types inferred, a
// row estimate and the first rows, and the [input] keys that read it.
#pragma once

#include <string>

#include "rankflow/comm/communicator.hpp"

namespace rankflow::job {

// Collective over `comm` (the CLI runs it on one rank). Throws the reader's DataError for a
// file it cannot read (naming file and line) and ConfigError for a missing file.
std::string inspect_csv(const comm::Communicator& comm, const std::string& path);

}  // namespace rankflow::job
