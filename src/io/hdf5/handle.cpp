#include "handle.hpp"

#include <sys/statvfs.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "rankflow/core/log.hpp"

namespace rankflow::io::hdf5 {
namespace {

herr_t collect_message(unsigned /*depth*/, const H5E_error2_t* entry, void* client) {
  auto* messages = static_cast<std::vector<std::string>*>(client);
  std::string text = entry->desc != nullptr ? entry->desc : "";
  if (text.empty()) {
    char minor[128] = {};
    if (H5Eget_msg(entry->min_num, nullptr, minor, sizeof(minor)) > 0) text = minor;
  }
  if (!text.empty()) messages->push_back(std::move(text));
  return 0;
}

}  // namespace

bool close_handle(HandleKind kind, hid_t id) noexcept {
  herr_t status = 0;
  switch (kind) {
    case HandleKind::kFile:
      status = H5Fclose(id);
      break;
    case HandleKind::kGroup:
      status = H5Gclose(id);
      break;
    case HandleKind::kDataset:
      status = H5Dclose(id);
      break;
    case HandleKind::kDataspace:
      status = H5Sclose(id);
      break;
    case HandleKind::kDatatype:
      status = H5Tclose(id);
      break;
    case HandleKind::kAttribute:
      status = H5Aclose(id);
      break;
    case HandleKind::kPropList:
      status = H5Pclose(id);
      break;
    case HandleKind::kObject:
      status = H5Oclose(id);
      break;
  }
  if (status >= 0) return true;
  // A destructor must not throw; the failure is worth a line when debugging.
  try {
    log::debug("HDF5 close failed: {}", take_error_stack());
  } catch (...) {
  }
  return false;
}

std::string take_error_stack() {
  const hid_t stack = H5Eget_current_stack();  // a copy; the current stack is cleared
  if (stack < 0) return "";
  std::vector<std::string> messages;
  H5Ewalk2(stack, H5E_WALK_DOWNWARD, collect_message, &messages);
  H5Eclose_stack(stack);
  if (messages.empty()) return "";
  // The outermost entry says what failed, the innermost why; the middle is HDF5's internals.
  std::string text = messages.front();
  if (messages.size() > 1 && messages.back() != messages.front())
    text += " (" + messages.back() + ")";
  return text;
}

Error hdf5_error(std::string_view what) {
  const std::string cause = take_error_stack();
  if (cause.empty()) return DataError("{}: HDF5 call failed", what);
  return DataError("{}: {}", what, cause);
}

void check(herr_t status, std::string_view what) {
  if (status < 0) throw hdf5_error(what);
}

void check_write(herr_t status, std::string_view what, const std::string& path) {
  if (status >= 0) return;
  int cause = errno;
  if (cause != ENOSPC && cause != EDQUOT) {
    const std::string::size_type slash = path.rfind('/');
    const std::string folder = slash == std::string::npos ? "."
                               : slash == 0               ? "/"
                                                          : path.substr(0, slash);
    struct statvfs disk {};
    if (statvfs(folder.c_str(), &disk) == 0 && disk.f_bavail == 0) cause = ENOSPC;
  }
  if (cause != ENOSPC && cause != EDQUOT) throw hdf5_error(what);
  take_error_stack();  // HDF5's own words ("file write failed") add nothing
  throw DataError("{}: {}", what, std::strerror(cause));
}

hid_t check_id(hid_t id, std::string_view what) {
  if (id < 0) throw hdf5_error(what);
  return id;
}

SilenceErrors::SilenceErrors() noexcept {
  H5Eget_auto2(H5E_DEFAULT, &saved_func_, &saved_data_);
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
}

SilenceErrors::~SilenceErrors() { H5Eset_auto2(H5E_DEFAULT, saved_func_, saved_data_); }

}  // namespace rankflow::io::hdf5
