// CSV inputs and outputs in job configs: the reader's and writer's options built from a config
// section ([input], [input.NAME], [output]), with errors that name the file, section and key.
// The keys and their help text are in schema.cpp; docs/csv.md explains them. Local: no I/O.
#pragma once

#include <string>

#include "rankflow/io/csv/csv_options.hpp"
#include "rankflow/job/config.hpp"

namespace rankflow::job {

// "csv" or "hdf5": the section's `format`, or with format = auto (the default) the extension
// of `path` (.csv .tsv .txt -> csv; .h5 .hdf5 .he5 -> hdf5). Throws ConfigError otherwise.
std::string input_format(const Section& section);

// Options of a CSV input section ([input] or [input.NAME]). Throws ConfigError.
io::CsvOptions csv_options_from(const Section& section);

// Options of a CSV output section: its optional delimiter, quote and header keys.
io::CsvWriteOptions csv_write_options_from(const Section& section);

}  // namespace rankflow::job
