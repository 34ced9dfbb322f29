// Owned HDF5 identifiers and HDF5 errors as rankflow Errors. Internal to io/hdf5: this header
// includes <hdf5.h>, which no other layer may include (rankflow::io_hdf5 links HDF5 privately,
// so a stray include outside io/hdf5 fails to compile).
//
// A Handle<Kind> owns one hid_t and closes it with the matching H5?close in its destructor,
// which never throws (a failed close is logged at debug level). Handles are move-only.
//
// check()/check_id() turn a failed HDF5 call into Error(kRuntime) whose message holds what
// rankflow was doing and HDF5's own explanation from its error stack. The copy of the error
// stack is closed (no leaked ids, unlike HighFive). SilenceErrors turns off HDF5's habit of
// printing its stack to stderr while rankflow reports the error itself.
//
// Not collective by themselves; closing a file or dataset opened with the MPI-IO driver is
// collective in HDF5 (every rank destroys its handles in the same order).
#pragma once

#include <hdf5.h>

#include <string>
#include <string_view>
#include <utility>

#include "rankflow/core/error.hpp"

namespace rankflow::io::hdf5 {

enum class HandleKind {
  kFile,
  kGroup,
  kDataset,
  kDataspace,
  kDatatype,
  kAttribute,
  kPropList,
  kObject,  // any object opened with H5Oopen
};

// Closes `id` as `kind`; returns false when HDF5 reports a failure. Never throws.
bool close_handle(HandleKind kind, hid_t id) noexcept;

template <HandleKind Kind>
class Handle {
 public:
  Handle() = default;
  explicit Handle(hid_t id) noexcept : id_(id) {}
  ~Handle() { reset(); }
  Handle(Handle&& other) noexcept : id_(std::exchange(other.id_, H5I_INVALID_HID)) {}
  Handle& operator=(Handle&& other) noexcept {
    if (this != &other) {
      reset();
      id_ = std::exchange(other.id_, H5I_INVALID_HID);
    }
    return *this;
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;

  hid_t get() const noexcept { return id_; }
  bool valid() const noexcept { return id_ >= 0; }
  explicit operator bool() const noexcept { return valid(); }
  // Closes now (for a collective close at a chosen point); throws when HDF5 fails.
  void close();
  void reset() noexcept {
    if (id_ >= 0) close_handle(Kind, id_);
    id_ = H5I_INVALID_HID;
  }

 private:
  hid_t id_ = H5I_INVALID_HID;
};

using FileHandle = Handle<HandleKind::kFile>;
using GroupHandle = Handle<HandleKind::kGroup>;
using DatasetHandle = Handle<HandleKind::kDataset>;
using DataspaceHandle = Handle<HandleKind::kDataspace>;
using DatatypeHandle = Handle<HandleKind::kDatatype>;
using AttributeHandle = Handle<HandleKind::kAttribute>;
using PropListHandle = Handle<HandleKind::kPropList>;
using ObjectHandle = Handle<HandleKind::kObject>;

// HDF5's explanation of the last failure on this thread ("" when there is none). Copies the
// current error stack, walks it, closes the copy and clears the stack.
std::string take_error_stack();

// Throws DataError("{what}: {HDF5's explanation}") when `status` < 0.
void check(herr_t status, std::string_view what);

// Returns `id` when valid; throws like check() otherwise.
hid_t check_id(hid_t id, std::string_view what);

// Returns `what`'s error as a value (for callers that add context before throwing).
Error hdf5_error(std::string_view what);

// For a call that writes the file at `path` (H5Dwrite, a flush, a close): throws like check(),
// but when the write failed for want of space (errno ENOSPC or EDQUOT, which Open MPI's MPI-IO
// leaves set, or no free block left where `path` is) the error says so, as the CSV writer
// does: "{what}: No space left on device". Callers clear errno before the call.
void check_write(herr_t status, std::string_view what, const std::string& path);

template <HandleKind Kind>
void Handle<Kind>::close() {
  if (id_ < 0) return;
  const hid_t id = std::exchange(id_, H5I_INVALID_HID);
  if (!close_handle(Kind, id)) throw hdf5_error("closing an HDF5 object");
}

// While alive, HDF5 prints nothing on errors (the automatic stack printing of the default
// error stack is off); restores the previous setting on destruction. Nests.
class SilenceErrors {
 public:
  SilenceErrors() noexcept;
  ~SilenceErrors();
  SilenceErrors(const SilenceErrors&) = delete;
  SilenceErrors& operator=(const SilenceErrors&) = delete;

 private:
  H5E_auto2_t saved_func_ = nullptr;
  void* saved_data_ = nullptr;
};

}  // namespace rankflow::io::hdf5
