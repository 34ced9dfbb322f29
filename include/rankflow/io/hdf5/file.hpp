// ParallelFile: an HDF5 file opened by every rank of a communicator.
//
// Reads use one of three I/O modes (the [input] io key):
//   kCollective   MPI-IO driver on the communicator, collective transfers (H5FD_MPIO_COLLECTIVE)
//   kIndependent  MPI-IO driver on the communicator, independent transfers
//   kPosix        every rank opens the file itself with HDF5's sec2 driver (plain pread),
//                 no MPI inside HDF5: for read-only inputs on a local or POSIX-consistent FS
// Files that rankflow writes are always created with the MPI-IO driver.
//
// Collective over the communicator: open_read, create, set_attribute and close are called
// by every rank, in the same order, with the same arguments. The Communicator must outlive the
// file. Objects opened in a file (readers, writers) must be destroyed before the file.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "rankflow/comm/communicator.hpp"

namespace rankflow::io::hdf5 {

enum class IoMode { kCollective, kIndependent, kPosix };

std::string_view io_mode_name(IoMode mode) noexcept;  // "collective", "independent", "posix"
std::optional<IoMode> parse_io_mode(std::string_view name);

class ParallelFile {
 public:
  // Collective. Every rank first checks that `path` is a readable HDF5 file; when any rank
  // cannot read it, every rank throws (DataError naming the path and the cause), so that no
  // rank is left inside MPI_File_open.
  static ParallelFile open_read(const comm::Communicator& comm, const std::string& path,
                                IoMode mode);
  // Collective. Creates `path` (truncating it) with the MPI-IO driver, for writing. `output`
  // is the path the user named when `path` is its hidden temporary file (AtomicOutput): errors
  // then name the output first and the temporary file second (name()).
  static ParallelFile create(const comm::Communicator& comm, const std::string& path,
                             const std::string& output = {});

  ParallelFile(ParallelFile&&) noexcept;
  ParallelFile& operator=(ParallelFile&&) noexcept;
  ~ParallelFile();  // closes (collective for MPI-IO files); never throws

  const std::string& path() const noexcept;
  // How errors name the file: "'PATH'", or "'OUTPUT' (temporary file 'PATH')".
  const std::string& name() const noexcept;
  IoMode mode() const noexcept;
  bool writable() const noexcept;
  const comm::Communicator& comm() const noexcept;
  // The hid_t of the open file, for io/hdf5's own readers and writers (hid_t is int64_t).
  std::int64_t id() const noexcept;

  // Collective; every rank passes the same values. `object` is a group or dataset path ("/"
  // for the file); an existing attribute of that name is replaced. Strings are UTF-8,
  // variable-length (h5py reads them as str).
  void set_attribute(const std::string& object, const std::string& name, const std::string& value);
  void set_attribute(const std::string& object, const std::string& name, std::int64_t value);
  void set_attribute(const std::string& object, const std::string& name, double value);

  // Collective: makes sure the file system holds `bytes` for this file before anything is
  // written to it (rank 0 fallocates them; HDF5 cuts the file to its real end when it closes).
  // HDF5 1.10 cannot fail a write cleanly in parallel: a rank whose metadata write finds the
  // disk full leaves the others waiting inside H5Fflush. So an output reserves its data and a
  // margin for metadata (kMetadataMargin) first, and a full disk is this one agreed error on
  // every rank: "{what}: No space left on device (it needs about N)". A file system that cannot
  // reserve (no fallocate) is written without the reservation.
  static constexpr std::uint64_t kMetadataMargin = std::uint64_t{256} << 10;
  void reserve(std::uint64_t bytes, const std::string& what);

  // Collective: flushes and closes now, reporting errors (the destructor cannot).
  void close();

 private:
  struct Impl;
  explicit ParallelFile(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// True when `path` exists and HDF5 recognizes it as an HDF5 file. Local; never throws. When it
// returns false, `why` says why ("no such file", "not an HDF5 file", "permission denied").
bool is_readable_hdf5(const std::string& path, std::string* why = nullptr);

}  // namespace rankflow::io::hdf5
