// HDF5 datatypes and rankflow's DType. Internal to io/hdf5 (includes <hdf5.h>).
//
// A dataset's file type may be of either byte order; rankflow always reads into the native
// type of the same class, size and sign (HDF5 converts), so a big-endian int32 dataset is read
// as std::int32_t. Not collective.
#pragma once

#include <hdf5.h>

#include <optional>
#include <string>

#include "rankflow/core/dtype.hpp"

namespace rankflow::io::hdf5 {

// The predefined native memory type of `type` (H5T_NATIVE_DOUBLE, ...); not to be closed.
hid_t native_type(DType type) noexcept;

// The predefined file type for storing `type`: standard little-endian (or big-endian) IEEE
// floats and two's complement integers, whatever the machine; not to be closed.
hid_t file_type(DType type, bool big_endian = false) noexcept;

// The DType of a file or memory datatype, when it is one of int8..uint64, float32, float64.
std::optional<DType> dtype_of(hid_t type);

// True when `type` is an integer or float stored big-endian.
bool is_big_endian(hid_t type);

// A short description for `rankflow inspect` and messages: "float64", "int32 (big-endian)",
// "string (fixed, 12 bytes)", "compound {id: int64, name: string}", "enum", "float128".
std::string describe_type(hid_t type);

}  // namespace rankflow::io::hdf5
