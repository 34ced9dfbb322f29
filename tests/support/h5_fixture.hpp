// HDF5 test fixtures, written with HDF5's plain serial API on rank 0 (sec2 driver), so that
// rankflow's reader is checked against data that rankflow's writer did not produce.
//
// Values are a pure function of (element index, dtype): fixture_value() is the oracle every
// test compares with, on every rank, without reading the file.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "rankflow/comm/communicator.hpp"
#include "rankflow/core/dtype.hpp"

namespace rankflow::test {

struct FixtureSpec {
  std::string name = "/data";
  std::vector<std::uint64_t> dims;
  DType dtype = DType::kFloat64;
  bool big_endian = false;
  std::vector<std::uint64_t> chunk;  // empty: contiguous
  int gzip = 0;                      // deflate level with chunk
  std::uint64_t nan_every = 0;       // floats: every nan_every-th element is NaN (0: none)
  std::int64_t offset = 0;           // added to integer values (overflow tests)
};

// The value of element `index` of a fixture (already converted to the dtype's range and
// precision, returned as long double so that int64/uint64 stay exact).
long double fixture_value(const FixtureSpec& spec, std::uint64_t index);

// Collective: rank 0 writes the dataset (creating the file when `create` is true, else adding
// to it), then every rank waits for it.
void write_fixture(const comm::Communicator& comm, const std::string& path, const FixtureSpec& spec,
                   bool create = true);

// The same without MPI (end-to-end tests, which only launch mpirun): writes in this process.
void write_fixture_serial(const std::string& path, const FixtureSpec& spec, bool create = true);

// Rank 0 only (no collectives): adds a string dataset and a scalar dataset for error tests.
void write_odd_datasets(const std::string& path);

// Serial read of a whole dataset of any numeric type as long double (exact for every dtype),
// with HDF5's plain serial API: the input of the serial oracles.
std::vector<long double> read_serial(const std::string& path, const std::string& name,
                                     std::vector<std::uint64_t>* dims = nullptr);

// Serial read of a whole float64/int64/uint64 dataset written by rankflow (any rank).
std::vector<double> read_doubles(const std::string& path, const std::string& name,
                                 std::vector<std::uint64_t>* dims = nullptr);
std::vector<std::int64_t> read_int64s(const std::string& path, const std::string& name);
// A string attribute (variable or fixed length) of an object, "" when missing.
std::string read_string_attribute(const std::string& path, const std::string& object,
                                  const std::string& name);
// Number of open HDF5 files and objects in them (leak checks).
long long open_hdf5_ids();

}  // namespace rankflow::test
