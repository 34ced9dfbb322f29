#include "support/temp_dir.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "support/mpi_test.hpp"

namespace fs = std::filesystem;

namespace rankflow::test {
namespace {
comm::Communicator* g_world = nullptr;

std::string make_temp_dir() {
  const char* base = std::getenv("TMPDIR");
  std::string pattern = std::string(base != nullptr ? base : "/tmp") + "/rankflow-test-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  return pattern;
}
}  // namespace

const comm::Communicator& world() {
  if (g_world == nullptr) g_world = new comm::Communicator(MPI_COMM_WORLD);
  return *g_world;
}

void world_release() {
  delete g_world;
  g_world = nullptr;
}

TempDir::TempDir() : path_(make_temp_dir()) {}

TempDir TempDir::shared(const comm::Communicator& comm) {
  std::string path = comm.rank() == 0 ? make_temp_dir() : std::string();
  comm.bcast(path, 0);
  return TempDir(path, comm.rank() == 0, &comm);
}

TempDir::TempDir(TempDir&& other) noexcept
    : path_(std::move(other.path_)), owner_(other.owner_), comm_(other.comm_) {
  other.owner_ = false;
  other.comm_ = nullptr;
}

TempDir::~TempDir() {
  if (comm_ != nullptr) comm_->barrier();
  if (!owner_ || path_.empty()) return;
  std::error_code ignored;
  fs::remove_all(path_, ignored);
}

std::string read_file(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw std::runtime_error("cannot read " + path);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  if (!file) throw std::runtime_error("cannot write " + path);
  file << text;
}

bool file_exists(const std::string& path) { return fs::exists(path); }

std::vector<std::string> list_dir(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir))
    names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace rankflow::test
