// The libFuzzer entry of one target: RANKFLOW_FUZZ_TARGET names its namespace.
#include "fuzz_support.hpp"
#include "rankflow/comm/environment.hpp"

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
#ifdef RANKFLOW_FUZZ_MPI
  // One rank: the CSV and HDF5 targets open files as rankflow does. MPI starts as in rankflow's
  // programs (Open MPI's allocations of MPI_Init are not reported as leaks) and is never
  // finalized: libFuzzer ends the process with exit().
  static rankflow::comm::MpiEnvironment* const mpi = new rankflow::comm::MpiEnvironment(argc, argv);
  (void)mpi;
#else
  (void)argc;
  (void)argv;
#endif
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return rankflow::fuzz::RANKFLOW_FUZZ_TARGET::fuzz_one(data, size);
}
