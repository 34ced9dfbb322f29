// A datatype message (an object's own, or inside an attribute message) checked from the file's
// bytes before HDF5 1.10 decodes it. H5O_dtype_decode_helper reads compound member names and
// enum names with strdup and skips what it decoded without looking at the message's size: a
// damaged file whose name has no NUL before the end of the message makes HDF5 read past its
// buffer (a heap overflow in H5Dopen2, found by fuzz_hdf5). Internal to io/hdf5.
#pragma once

#include <cstdint>

namespace rankflow::io::hdf5 {

// Null when `bytes` (size of them) hold a datatype HDF5 can decode within them, else why not.
// Versions and classes HDF5 refuses itself are left to HDF5.
const char* datatype_problem(const unsigned char* bytes, std::uint64_t size);

}  // namespace rankflow::io::hdf5
