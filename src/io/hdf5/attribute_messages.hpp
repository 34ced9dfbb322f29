// Object header messages checked from the file's own bytes before HDF5 1.10 decodes them.
//
// HDF5 1.10 decodes an attribute message (H5O_attr_decode, reached from H5Aiterate2, H5Aopen
// and the rest) trusting the sizes it holds: a damaged file whose name, datatype or dataspace
// size, or whose data (elements x element size), runs past the message makes HDF5 copy from
// past its buffer (a heap overflow found by fuzz_hdf5). It decodes a datatype message (the
// dataset's own in H5Dopen2, or an attribute's) reading member and enum names up to their NUL,
// wherever that is (another overflow: datatype_message.hpp). check_header_messages walks the
// object header of an object (version 1 or 2, with its continuation chunks) and checks every
// compact attribute message's parts against the message's size and every datatype message
// (also inside attributes), before HDF5 is asked to decode any of them. Attributes in dense
// storage (a fractal heap, more than 8 of them by default) are not checked. Internal to io/hdf5.
#pragma once

#include <hdf5.h>

#include <string>

namespace rankflow::io::hdf5 {

// Throws DataError naming `what`, the byte offset and the file when an attribute or datatype
// message of `object`'s header, or the header itself, does not check out; Error(kRuntime) when
// HDF5 fails.
void check_header_messages(hid_t object, const std::string& what);

// The datatype messages (and shared messages) alone of the object `name` (relative to
// `location`), before it is opened: H5Dopen2 decodes the dataset's datatype message. (A damaged attribute is left to
// check_header_messages: the dataset's attributes then show as unreadable, its data is read.)
void check_datatype_messages(hid_t location, const std::string& name, const std::string& what);

}  // namespace rankflow::io::hdf5
