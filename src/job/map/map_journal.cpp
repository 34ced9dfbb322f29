// The journal and the summary of a [map] job (map_tasks.hpp).
//
// Journal line (one per finished task, fields percent-escaped so that none holds a comma or a
// line break):
//   v1,<index>,<status>,<exit_code>,<attempts>,<rank>,<host>,<seconds>,<output>,<log>,<input>,
//   <definition: command,input,size,mtime_ns,output>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "map_tasks.hpp"

namespace fs = std::filesystem;

namespace rankflow::job {
namespace {

std::string escape_field(const std::string& text) {
  std::string out;
  for (const char c : text) {
    if (c == '%' || c == ',' || c == '\n' || c == '\r') {
      char hex[4];
      std::snprintf(hex, sizeof(hex), "%%%02X", static_cast<unsigned char>(c));
      out += hex;
    } else {
      out += c;
    }
  }
  return out;
}

std::string unescape_field(const std::string& text) {
  std::string out;
  for (std::size_t pos = 0; pos < text.size(); ++pos) {
    if (text[pos] == '%' && pos + 2 < text.size()) {
      out += static_cast<char>(std::stoi(text.substr(pos + 1, 2), nullptr, 16));
      pos += 2;
    } else {
      out += text[pos];
    }
  }
  return out;
}

std::vector<std::string> split_fields(const std::string& line) {
  std::vector<std::string> fields;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = line.find(',', start);
    fields.push_back(
        line.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return fields;
}

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string out = "\"";
  for (const char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

}  // namespace

std::string journal_path(const MapJobConfig& job) { return job.summary_path + ".journal"; }

std::string encode_record(const TaskRecord& record) {
  char seconds[32];
  std::snprintf(seconds, sizeof(seconds), "%.6f", record.seconds);
  return "v1," + std::to_string(record.index) + "," + record.status + "," +
         std::to_string(record.exit_code) + "," + std::to_string(record.attempts) + "," +
         std::to_string(record.rank) + "," + escape_field(record.host) + "," + seconds + "," +
         escape_field(record.output) + "," + escape_field(record.log) + "," +
         escape_field(record.input) + "," + escape_field(record.definition) + "\n";
}

std::optional<TaskRecord> decode_record(const std::string& line) {
  const std::vector<std::string> fields = split_fields(line);
  if (fields.size() != 12 || fields[0] != "v1") return std::nullopt;
  try {
    TaskRecord record;
    record.index = std::stoull(fields[1]);
    record.status = fields[2];
    record.exit_code = std::stoi(fields[3]);
    record.attempts = std::stoi(fields[4]);
    record.rank = std::stoi(fields[5]);
    record.host = unescape_field(fields[6]);
    record.seconds = std::stod(fields[7]);
    record.output = unescape_field(fields[8]);
    record.log = unescape_field(fields[9]);
    record.input = unescape_field(fields[10]);
    record.definition = unescape_field(fields[11]);
    return record;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

void append_journal(const std::string& path, const TaskRecord& record) {
  const std::string line = encode_record(record);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0)
    throw DataError("cannot append to the [map] journal '{}': {}", path, std::strerror(errno));
  // One write(2) per line: with O_APPEND, lines of different ranks never interleave, and what
  // was written survives a SIGKILL of this process.
  const ssize_t written = ::write(fd, line.data(), line.size());
  const int write_errno = errno;
  ::close(fd);
  if (written != static_cast<ssize_t>(line.size()))
    throw DataError("cannot append to the [map] journal '{}': {}", path,
                    written < 0 ? std::strerror(write_errno) : "short write");
}

std::map<std::string, TaskRecord> read_journal(const std::string& path) {
  std::map<std::string, TaskRecord> latest;
  std::ifstream file(path);
  std::string line;
  while (std::getline(file, line))
    if (std::optional<TaskRecord> record = decode_record(line))
      latest[record->input] = std::move(*record);
  return latest;
}

void write_summary(const std::string& path, const std::vector<TaskRecord>& records) {
  std::ostringstream text;
  text << "input,status,exit_code,attempts,rank,host,seconds,output,log,index,reused\n";
  for (const TaskRecord& record : records) {
    const bool ran = record.status != "skipped";
    char seconds[32];
    std::snprintf(seconds, sizeof(seconds), "%.3f", record.seconds);
    text << csv_field(record.input) << "," << record.status << ","
         << (ran ? std::to_string(record.exit_code) : "") << "," << record.attempts << ","
         << (record.rank >= 0 ? std::to_string(record.rank) : "") << "," << csv_field(record.host)
         << "," << (ran ? seconds : "") << "," << csv_field(record.output) << ","
         << csv_field(ran ? record.log : "") << "," << record.index << ","
         << (record.reused ? "true" : "false") << "\n";
  }
  const fs::path final_path(path);
  const fs::path temp =
      final_path.parent_path() / ("." + final_path.filename().string() + ".rankflow-tmp");
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out << text.str();
    out.close();
    if (!out) throw DataError("cannot write the [map] summary '{}'", temp.string());
  }
  std::error_code error;
  fs::rename(temp, final_path, error);
  if (error) throw DataError("cannot rename the [map] summary to '{}': {}", path, error.message());
}

}  // namespace rankflow::job
