// HDF5 table fixtures: compound and string datasets and column-name attributes, written with
// HDF5's plain serial API (sec2), independent of rankflow's io/hdf5. Part of rankflow_test_h5
// (h5_fixture.hpp writes the numeric datasets).
//
// Values are a pure function of the row (compound_row): the oracle every test compares with.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace rankflow::test {

// One record of the compound fixture, whose file type is
//   {id: int32 BE, value: float32, code: fixed string (6 bytes, null-padded), name: variable
//    UTF-8 string (a null pointer every 7th row), big: uint64}
struct CompoundRow {
  std::int64_t id;
  double value;
  std::string code;
  std::optional<std::string> name;  // nullopt: stored as a null pointer (read as null)
  std::uint64_t big;
};

CompoundRow compound_row(std::uint64_t row, std::uint64_t big_offset = 0);

// Writes `rows` records of compound_row to dataset `name` (chunked by chunk_rows when > 0).
void write_compound_serial(const std::string& path, const std::string& name, std::uint64_t rows,
                           std::uint64_t chunk_rows, bool create, std::uint64_t big_offset = 0);

// A 1-D string dataset of `values` (fixed-length with the longest value's size, or variable).
void write_strings_serial(const std::string& path, const std::string& name,
                          const std::vector<std::string>& values, bool variable, bool create);

// Sets attribute `columns` of `dataset` to `names` (a 1-D string array, fixed or variable).
void write_columns_attribute(const std::string& path, const std::string& dataset,
                             const std::vector<std::string>& names, bool variable);

// Serial reads of what rankflow's table sink wrote: a whole 1-D dataset, or with `field` one
// field of a compound dataset. Strings: fixed-length (padding removed) or variable.
std::vector<std::string> read_strings(const std::string& path, const std::string& dataset,
                                      const std::string& field = "");
std::vector<double> read_doubles_of(const std::string& path, const std::string& dataset,
                                    const std::string& field = "");
std::vector<std::int64_t> read_int64s_of(const std::string& path, const std::string& dataset,
                                         const std::string& field = "");
bool has_object(const std::string& path, const std::string& object);

}  // namespace rankflow::test
