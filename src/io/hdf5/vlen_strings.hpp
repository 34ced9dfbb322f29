// Variable-length strings, read only once the file's global heap checks out.
//
// HDF5 1.10 trusts a file's global heap collections: reading a variable-length string whose
// collection is corrupt (an object of size 0, found by fuzz_hdf5) makes H5Aread and H5Dread
// loop forever inside H5HG_read, and an object larger than its string's length overruns
// HDF5's buffer. So the strings' raw heap references are read first (a no-op conversion to an
// opaque type of the same size, registered with HDF5 once), every collection they name is
// walked from the file's own bytes exactly as HDF5 decodes it, and HDF5 reads the strings only
// when each walk ends and each string's object is there with the string's length. A check
// that fails is a DataError naming what was read; HDF5 is never asked to read that heap.
//
// Attributes: read_variable_strings does both steps. Datasets (the HDF5 table source's string
// columns, alone or as compound fields): check_variable_strings before the caller's H5Dread.
#pragma once

#include <hdf5.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace rankflow::io::hdf5 {

// The `count` strings of the variable-length string attribute `attribute` (file type `type`,
// dataspace `space`), a null pointer as "". Throws DataError when the file's global heap does
// not check out, Error(kRuntime) when HDF5 fails.
std::vector<std::string> read_variable_strings(hid_t attribute, hid_t type, hid_t space,
                                               std::size_t count, const std::string& what);

// The elements an H5Dread is about to read: `count` of them, which `file_space` selects and
// `memory_space` places from element 0 on (contiguously), read with `transfer`; the first is
// element `first_element` of the dataset (for messages).
struct DatasetSelection {
  hid_t memory_space = H5I_INVALID_HID;
  hid_t file_space = H5I_INVALID_HID;
  hid_t transfer = H5P_DEFAULT;
  std::size_t count = 0;
  std::uint64_t first_element = 0;
};

// Before an H5Dread of `selection` from `dataset`: when its type is a variable-length string,
// or a compound with such fields (the other fields are not read), reads the selected elements'
// raw heap references and checks the global heap they name. Throws DataError naming `what`
// when it does not check out, Error(kRuntime) when HDF5 fails; does nothing for other types.
// It reads as the real read will: collective when `transfer` says so.
void check_variable_strings(hid_t dataset, const DatasetSelection& selection,
                            const std::string& what);

}  // namespace rankflow::io::hdf5
