#include "rankflow/io/hdf5/file.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <type_traits>

#include "handle.hpp"
#include "rankflow/core/log.hpp"
#include "rankflow/core/text.hpp"

namespace rankflow::io::hdf5 {

static_assert(std::is_same_v<hid_t, std::int64_t>, "ParallelFile::id() assumes a 64-bit hid_t");

struct ParallelFile::Impl {
  const comm::Communicator* comm = nullptr;
  std::string path;
  std::string name;  // for errors: name()
  IoMode mode = IoMode::kCollective;
  bool writable = false;
  FileHandle file;
};

namespace {

std::string file_name(const std::string& path, const std::string& output) {
  if (output.empty() || output == path) return "'" + path + "'";
  return "'" + output + "' (temporary file '" + path + "')";
}

PropListHandle file_access(const comm::Communicator& comm, IoMode mode) {
  PropListHandle fapl(check_id(H5Pcreate(H5P_FILE_ACCESS), "creating a file access list"));
  if (mode == IoMode::kPosix) {
    check(H5Pset_fapl_sec2(fapl.get()), "selecting HDF5's sec2 driver");
  } else {
    check(H5Pset_fapl_mpio(fapl.get(), comm.native(), MPI_INFO_NULL),
          "selecting HDF5's MPI-IO driver");
  }
  return fapl;
}

// Opens (or creates) the object's attribute `name` of `type` and `space`, replacing it.
void write_attribute(hid_t file, const std::string& object, const std::string& name, hid_t type,
                     hid_t space, const void* value) {
  const std::string what = "writing attribute '" + name + "' of '" + object + "'";
  ObjectHandle holder(check_id(H5Oopen(file, object.c_str(), H5P_DEFAULT), what));
  const hid_t target = holder.get();
  const htri_t exists = H5Aexists(target, name.c_str());
  check(exists, what);
  if (exists > 0) check(H5Adelete(target, name.c_str()), what);
  AttributeHandle attribute(
      check_id(H5Acreate2(target, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT), what));
  check(H5Awrite(attribute.get(), type, value), what);
}

// Collective: rank 0 fallocates `bytes` for `path` (creating it when `create`); a full disk
// is one agreed error. A file system without fallocate is not an error (debug line).
void reserve_space(const comm::Communicator& comm, const std::string& path, std::uint64_t bytes,
                   const std::string& what, bool create) {
  int error = 0;
  if (comm.rank() == 0) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC | (create ? O_CREAT : 0), 0644);
    if (fd < 0 || ::fallocate(fd, 0, 0, static_cast<off_t>(bytes)) != 0) error = errno;
    if (fd >= 0) ::close(fd);
  }
  comm.bcast(&error, 1, 0);
  if (error == ENOSPC || error == EDQUOT || error == EFBIG)
    throw Error(
        ErrorKind::kRuntime,
        fmt::format("{}: {} (it needs about {})", what, std::strerror(error), human_bytes(bytes)),
        /*agreed=*/true);
  if (error != 0)
    log::debug("'{}': no space reserved ({}); a full disk is found by the writes", path,
               std::strerror(error));
}

}  // namespace

std::string_view io_mode_name(IoMode mode) noexcept {
  switch (mode) {
    case IoMode::kCollective:
      return "collective";
    case IoMode::kIndependent:
      return "independent";
    case IoMode::kPosix:
      break;
  }
  return "posix";
}

std::optional<IoMode> parse_io_mode(std::string_view name) {
  for (IoMode mode : {IoMode::kCollective, IoMode::kIndependent, IoMode::kPosix})
    if (io_mode_name(mode) == name) return mode;
  return std::nullopt;
}

bool is_readable_hdf5(const std::string& path, std::string* why) {
  auto fail = [&](std::string reason) {
    if (why != nullptr) *why = std::move(reason);
    return false;
  };
  if (access(path.c_str(), F_OK) != 0) return fail("no such file");
  if (access(path.c_str(), R_OK) != 0) return fail(std::strerror(errno));
  SilenceErrors quiet;
  const htri_t status = H5Fis_hdf5(path.c_str());
  take_error_stack();
  if (status > 0) return true;
  return fail(status == 0 ? "not an HDF5 file" : "HDF5 cannot read it");
}

ParallelFile::ParallelFile(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ParallelFile::ParallelFile(ParallelFile&&) noexcept = default;
ParallelFile& ParallelFile::operator=(ParallelFile&&) noexcept = default;
ParallelFile::~ParallelFile() = default;

ParallelFile ParallelFile::open_read(const comm::Communicator& comm, const std::string& path,
                                     IoMode mode) {
  std::string why;
  const bool readable = is_readable_hdf5(path, &why);
  // Agree before MPI_File_open: a rank that cannot see the file must not leave the others
  // waiting inside the collective open.
  if (comm.allreduce(readable ? 1 : 0, comm::ReduceOp::kMin) == 0) {
    if (!readable) throw DataError("cannot open '{}': {}", path, why);
    throw DataError("cannot open '{}': another rank cannot read it", path);
  }
  SilenceErrors quiet;
  auto impl = std::make_unique<Impl>();
  impl->comm = &comm;
  impl->path = path;
  impl->name = file_name(path, {});
  impl->mode = mode;
  PropListHandle fapl = file_access(comm, mode);
  impl->file = FileHandle(
      check_id(H5Fopen(path.c_str(), H5F_ACC_RDONLY, fapl.get()), "opening '" + path + "'"));
  return ParallelFile(std::move(impl));
}

ParallelFile ParallelFile::create(const comm::Communicator& comm, const std::string& path,
                                  const std::string& output) {
  auto impl = std::make_unique<Impl>();
  impl->comm = &comm;
  impl->path = path;
  impl->name = file_name(path, output);
  impl->writable = true;
  // HDF5 writes the new file's metadata when it closes, also after an error: on a full disk
  // that fails inside HDF5 (a crash at exit). So the metadata's room is checked first (the
  // space is freed again when H5Fcreate truncates the file).
  reserve_space(comm, path, kMetadataMargin, "creating " + impl->name, /*create=*/true);
  SilenceErrors quiet;
  PropListHandle fapl = file_access(comm, IoMode::kCollective);
  impl->file = FileHandle(check_id(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get()),
                                   "creating " + impl->name));
  return ParallelFile(std::move(impl));
}

const std::string& ParallelFile::path() const noexcept { return impl_->path; }
const std::string& ParallelFile::name() const noexcept { return impl_->name; }
IoMode ParallelFile::mode() const noexcept { return impl_->mode; }
bool ParallelFile::writable() const noexcept { return impl_->writable; }
const comm::Communicator& ParallelFile::comm() const noexcept { return *impl_->comm; }
std::int64_t ParallelFile::id() const noexcept { return impl_->file.get(); }

void ParallelFile::set_attribute(const std::string& object, const std::string& name,
                                 const std::string& value) {
  SilenceErrors quiet;
  DatatypeHandle type(check_id(H5Tcopy(H5T_C_S1), "creating a string type"));
  check(H5Tset_size(type.get(), H5T_VARIABLE), "creating a string type");
  check(H5Tset_cset(type.get(), H5T_CSET_UTF8), "creating a string type");
  DataspaceHandle space(check_id(H5Screate(H5S_SCALAR), "creating a dataspace"));
  const char* text = value.c_str();
  write_attribute(impl_->file.get(), object, name, type.get(), space.get(), &text);
}

void ParallelFile::set_attribute(const std::string& object, const std::string& name,
                                 std::int64_t value) {
  SilenceErrors quiet;
  DataspaceHandle space(check_id(H5Screate(H5S_SCALAR), "creating a dataspace"));
  write_attribute(impl_->file.get(), object, name, H5T_NATIVE_INT64, space.get(), &value);
}

void ParallelFile::set_attribute(const std::string& object, const std::string& name, double value) {
  SilenceErrors quiet;
  DataspaceHandle space(check_id(H5Screate(H5S_SCALAR), "creating a dataspace"));
  write_attribute(impl_->file.get(), object, name, H5T_NATIVE_DOUBLE, space.get(), &value);
}

void ParallelFile::reserve(std::uint64_t bytes, const std::string& what) {
  reserve_space(*impl_->comm, impl_->path, bytes, what, /*create=*/false);
}

void ParallelFile::close() {
  SilenceErrors quiet;
  if (impl_->writable) {
    errno = 0;
    check_write(H5Fflush(impl_->file.get(), H5F_SCOPE_LOCAL), "flushing " + impl_->name,
                impl_->path);
  }
  impl_->file.close();
}

}  // namespace rankflow::io::hdf5
