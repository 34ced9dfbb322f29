// api::map with a read-only argument shared once per node (api::NodeShared): how often each
// word of a word list occurs in each of many text files, one task per file, handed out to
// whichever rank is free.
//
//   mpirun -np 4 build/examples/word_counts out/counts.csv words.txt data/*.csv
//
// OUT.csv has the columns file,word,count, in the order of the files given, then of the words.
// Every rank runs the whole program (MPI's SPMD model); api::map and NodeShared are collective,
// so every rank calls them with the same arguments. Rank 0 writes the result.
#include <mpi.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "rankflow/api/map.hpp"
#include "rankflow/api/node_shared.hpp"
#include "rankflow/comm/environment.hpp"
#include "rankflow/core/error.hpp"

namespace {

std::string read_text(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw rankflow::DataError("cannot read '{}'", path);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

std::vector<std::string> words_of(const char* text, std::size_t size) {
  std::vector<std::string> words;
  std::istringstream lines(std::string(text, size));
  std::string word;
  while (lines >> word) words.push_back(word);
  return words;
}

std::uint64_t occurrences(const std::string& text, const std::string& word) {
  std::uint64_t count = 0;
  for (std::size_t pos = text.find(word); pos != std::string::npos;
       pos = text.find(word, pos + word.size()))
    ++count;
  return count;
}

}  // namespace

int main(int argc, char** argv) {
  rankflow::comm::MpiEnvironment mpi(&argc, &argv);
  rankflow::comm::Communicator comm(MPI_COMM_WORLD);
  if (argc < 4) {
    if (comm.rank() == 0) std::fprintf(stderr, "usage: word_counts OUT.csv WORDS.txt FILE...\n");
    return 2;
  }
  const std::vector<std::string> files(argv + 3, argv + argc);
  try {
    // The word list: read on rank 0, held once per node, read by every task.
    std::vector<char> list;
    if (comm.rank() == 0) {
      const std::string text = read_text(argv[2]);
      list.assign(text.begin(), text.end());
    }
    const rankflow::api::NodeShared<char> shared(comm, list);
    const std::vector<std::vector<std::uint64_t>> counts =
        rankflow::api::map(comm, files, [&](const std::string& path) {
          const std::string text = read_text(path);
          std::vector<std::uint64_t> row;
          for (const std::string& word : words_of(shared.data(), shared.size()))
            row.push_back(occurrences(text, word));
          return row;
        });
    if (comm.rank() == 0) {
      const std::vector<std::string> words = words_of(shared.data(), shared.size());
      std::ofstream out(argv[1]);
      out << "file,word,count\n";
      for (std::size_t file_idx = 0; file_idx < files.size(); ++file_idx)
        for (std::size_t word_idx = 0; word_idx < words.size(); ++word_idx)
          out << files[file_idx] << "," << words[word_idx] << "," << counts[file_idx][word_idx]
              << "\n";
      if (!out) throw rankflow::DataError("cannot write '{}'", argv[1]);
      std::printf("%s: %zu files x %zu words\n", argv[1], files.size(), words.size());
    }
  } catch (const rankflow::Error& error) {
    if (comm.rank() == 0) std::fprintf(stderr, "word_counts: error: %s\n", error.what());
    return error.exit_code();
  }
  return 0;
}
