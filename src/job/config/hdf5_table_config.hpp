// HDF5 table inputs and outputs in job configs: the source's and sink's options built from a
// config section ([input], [input.NAME], [output]), with errors that name the file, section and
// key. The keys and their help text are in schema.cpp; docs/hdf5-tables.md explains them.
// Internal to job/. Local: no I/O, no MPI.
#pragma once

#include "rankflow/io/hdf5/table_sink.hpp"
#include "rankflow/io/hdf5/table_source.hpp"
#include "rankflow/job/config.hpp"

namespace rankflow::job {

// Options of an HDF5 table input section: path, datasets (or dataset), io, block_size,
// block_rows. Throws ConfigError.
io::hdf5::TableSourceOptions hdf5_source_options_from(const Section& section);

// Options of an HDF5 table output section ([output]): layout, group, dataset (the attributes
// are the caller's). Throws ConfigError.
io::hdf5::TableSinkOptions hdf5_sink_options_from(const Section& section);

}  // namespace rankflow::job
