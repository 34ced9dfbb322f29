// The files of a CSV input and how their bytes are split across ranks.
//
// The input is the concatenation of its files in sorted name order: a global byte space
// [0, total). Rank r's range is [bounds[r], bounds[r+1]); its pieces are that range cut at
// file edges, in file-local offsets:
//
//   files     | a.csv ............ | b.csv .. | c.csv ................ |
//   ranks     | rank 0 .......| rank 1 ........... | rank 2 ........... |
//   pieces      (a,0,x)       (a,x,end) (b,0,end) (c,0,y)  (c,y,end)
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace rankflow::io::csv {

struct InputFile {
  std::string path;
  std::uint64_t size = 0;
  std::uint64_t offset = 0;  // where the file starts in the global byte space
};

struct Piece {
  std::size_t file_idx = 0;
  std::uint64_t begin = 0;  // file-local, inclusive
  std::uint64_t end = 0;    // file-local, exclusive
};

// Expands `pattern` (a path or a glob) into its files, sorted by name, with sizes. Throws
// DataError: no match, a missing or unreadable file, a folder. Local (rank 0 calls it).
std::vector<InputFile> list_input_files(const std::string& pattern);

// For the broadcast of the list from rank 0.
std::string serialize_files(const std::vector<InputFile>& files);
std::vector<InputFile> deserialize_files(const std::string& text);

std::uint64_t total_bytes(const std::vector<InputFile>& files);

// floor(total * part / parts) without overflow.
std::uint64_t share_of(std::uint64_t total, std::uint64_t part, std::uint64_t parts);

// bounds[0..ranks]: an even split of `total`, or `split_points` (ranks - 1 offsets) if given.
std::vector<std::uint64_t> split_bounds(std::uint64_t total, int ranks,
                                        const std::vector<std::uint64_t>& split_points);

// The pieces of the global range [begin, end), in order; empty files give none.
std::vector<Piece> pieces_of(const std::vector<InputFile>& files, std::uint64_t begin,
                             std::uint64_t end);

// "data/sales-*.csv (3 files, 1.2 GB)".
std::string describe_input(const std::string& pattern, const std::vector<InputFile>& files);

}  // namespace rankflow::io::csv
