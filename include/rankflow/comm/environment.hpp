// MpiEnvironment: initializes MPI if nobody has, and finalizes it only if it initialized it,
// so that rankflow works both as a program and as a library inside a user's MPI program.
//
// One node, Open MPI: when the launcher says that every rank runs on this node
// (OMPI_COMM_WORLD_LOCAL_SIZE == OMPI_COMM_WORLD_SIZE, set by mpirun) and the user has chosen
// no transport, rankflow asks Open MPI for its shared-memory one (pml ob1, btl self + vader,
// osc sm) before MPI_Init. It is what Open MPI would use between ranks of one node anyway,
// and naming it spares every job Open MPI's probing of the network stacks (UCX, libfabric,
// TCP) at start-up: 0.2-0.3 s of each run on a workstation (README "Performance and start-up
// on one node"). Ranks on several nodes, launches that do not say (srun), any OMPI_MCA_pml,
// OMPI_MCA_btl or OMPI_MCA_osc already set, and RANKFLOW_MPI_AUTO_SHM=0 leave Open MPI's own
// choice untouched.
//
// Built with AddressSanitizer, it also keeps Open MPI's own allocations out of LeakSanitizer's
// report (src/comm/environment.cpp says how); other builds do nothing more.
#pragma once

namespace rankflow::comm {

class MpiEnvironment {
 public:
  MpiEnvironment(int* argc, char*** argv);
  ~MpiEnvironment();
  MpiEnvironment(const MpiEnvironment&) = delete;
  MpiEnvironment& operator=(const MpiEnvironment&) = delete;

  // Ends every process of the job: only for errors that the ranks could not agree on
  // (an error inside a collective call). Prints nothing; print before calling.
  [[noreturn]] static void abort(int exit_code);

  // True when this process chose Open MPI's shared-memory transport (above).
  bool chose_shared_memory() const noexcept { return chose_shared_memory_; }

 private:
  bool owns_ = false;
  bool chose_shared_memory_ = false;
};

}  // namespace rankflow::comm
