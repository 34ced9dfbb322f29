// Variable-length string attributes, read only once the file's global heap checks out.
//
// HDF5 1.10 trusts a file's global heap collections: reading a variable-length string whose
// collection is corrupt (an object of size 0, found by fuzz_hdf5) makes H5Aread loop forever
// inside H5HG_read, and an object larger than its string's length overruns HDF5's buffer. So
// read_variable_strings first reads the attribute's raw heap references (a no-op conversion to
// an opaque type of the same size, registered with HDF5 once), then walks every collection they
// name from the file's own bytes exactly as HDF5 decodes it, and calls H5Aread for the strings
// only when each walk ends and each string's object is there with the string's length. A check
// that fails is a DataError naming the attribute; HDF5 is never asked to read that heap.
#pragma once

#include <hdf5.h>

#include <cstddef>
#include <string>
#include <vector>

namespace rankflow::io::hdf5 {

// The `count` strings of the variable-length string attribute `attribute` (file type `type`,
// dataspace `space`), a null pointer as "". Throws DataError when the file's global heap does
// not check out, Error(kRuntime) when HDF5 fails.
std::vector<std::string> read_variable_strings(hid_t attribute, hid_t type, hid_t space,
                                               std::size_t count, const std::string& what);

}  // namespace rankflow::io::hdf5
