// The libFuzzer entry of one target: RANKFLOW_FUZZ_TARGET names its namespace.
#include <mpi.h>

#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
#ifdef RANKFLOW_FUZZ_MPI
  MPI_Init(argc, argv);  // one rank: the CSV and HDF5 targets open files as rankflow does
#else
  (void)argc;
  (void)argv;
#endif
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return rankflow::fuzz::RANKFLOW_FUZZ_TARGET::fuzz_one(data, size);
}
