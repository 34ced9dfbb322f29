#include "input_files.hpp"

#include <glob.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "rankflow/core/text.hpp"
#include "rankflow/core/error.hpp"

namespace rankflow::io::csv {
namespace {

bool has_wildcard(const std::string& pattern) {
  return pattern.find_first_of("*?[") != std::string::npos;
}

InputFile stat_file(const std::string& path) {
  struct stat info {};
  if (stat(path.c_str(), &info) != 0)
    throw DataError("cannot open CSV input '{}': {}", path, std::strerror(errno));
  if (S_ISDIR(info.st_mode))
    throw DataError("CSV input '{}' is a folder; give a file or a glob such as '{}/*.csv'", path,
                    path);
  if (access(path.c_str(), R_OK) != 0)
    throw DataError("cannot read CSV input '{}': {}", path, std::strerror(errno));
  InputFile file;
  file.path = path;
  file.size = static_cast<std::uint64_t>(info.st_size);
  return file;
}

std::vector<std::string> expand_glob(const std::string& pattern) {
  glob_t matches{};
  const int status = glob(pattern.c_str(), GLOB_ERR, nullptr, &matches);
  std::vector<std::string> paths;
  if (status == 0) {
    for (std::size_t idx = 0; idx < matches.gl_pathc; ++idx) paths.emplace_back(matches.gl_pathv[idx]);
  }
  globfree(&matches);
  if (status == GLOB_NOMATCH) throw DataError("no file matches the CSV input '{}'", pattern);
  if (status != 0)
    throw DataError("cannot list the CSV input '{}': {}", pattern,
                    status == GLOB_ABORTED ? "a folder could not be read" : "out of memory");
  std::sort(paths.begin(), paths.end());
  return paths;
}

}  // namespace

std::vector<InputFile> list_input_files(const std::string& pattern) {
  if (pattern.empty()) throw ConfigError("the CSV input path is empty");
  std::vector<std::string> paths =
      has_wildcard(pattern) ? expand_glob(pattern) : std::vector<std::string>{pattern};
  std::vector<InputFile> files;
  std::uint64_t offset = 0;
  for (const std::string& path : paths) {
    InputFile file = stat_file(path);
    file.offset = offset;
    offset += file.size;
    files.push_back(std::move(file));
  }
  return files;
}

std::string serialize_files(const std::vector<InputFile>& files) {
  std::string text;
  for (const InputFile& file : files) {
    text += std::to_string(file.size);
    text += '\0';
    text += file.path;
    text += '\0';
  }
  return text;
}

std::vector<InputFile> deserialize_files(const std::string& text) {
  std::vector<InputFile> files;
  std::size_t pos = 0;
  std::uint64_t offset = 0;
  while (pos < text.size()) {
    const std::size_t size_end = text.find('\0', pos);
    const std::size_t path_end = text.find('\0', size_end + 1);
    InputFile file;
    file.size = std::stoull(text.substr(pos, size_end - pos));
    file.path = text.substr(size_end + 1, path_end - size_end - 1);
    file.offset = offset;
    offset += file.size;
    files.push_back(std::move(file));
    pos = path_end + 1;
  }
  return files;
}

std::uint64_t total_bytes(const std::vector<InputFile>& files) {
  return files.empty() ? 0 : files.back().offset + files.back().size;
}

std::uint64_t share_of(std::uint64_t total, std::uint64_t part, std::uint64_t parts) {
  // total = q * parts + r, so total * part / parts = q * part + r * part / parts, exactly.
  return total / parts * part + total % parts * part / parts;
}

std::vector<std::uint64_t> split_bounds(std::uint64_t total, int ranks,
                                        const std::vector<std::uint64_t>& split_points) {
  const auto count = static_cast<std::size_t>(ranks);
  std::vector<std::uint64_t> bounds(count + 1);
  for (std::size_t idx = 0; idx <= count; ++idx) {
    if (idx == 0) bounds[idx] = 0;
    else if (idx == count) bounds[idx] = total;
    else if (!split_points.empty()) bounds[idx] = std::min(split_points[idx - 1], total);
    else
      bounds[idx] = share_of(total, idx, count);
    if (idx > 0) bounds[idx] = std::max(bounds[idx], bounds[idx - 1]);
  }
  return bounds;
}

std::vector<Piece> pieces_of(const std::vector<InputFile>& files, std::uint64_t begin,
                             std::uint64_t end) {
  std::vector<Piece> pieces;
  for (std::size_t idx = 0; idx < files.size(); ++idx) {
    const InputFile& file = files[idx];
    const std::uint64_t lo = std::max(begin, file.offset);
    const std::uint64_t hi = std::min(end, file.offset + file.size);
    if (lo < hi) pieces.push_back(Piece{idx, lo - file.offset, hi - file.offset});
  }
  return pieces;
}

std::string describe_input(const std::string& pattern, const std::vector<InputFile>& files) {
  const std::string size = human_bytes(total_bytes(files));
  return fmt::format("CSV {} ({} file{}, {})", pattern, files.size(), files.size() == 1 ? "" : "s",
                     size);
}

}  // namespace rankflow::io::csv
