#include "rankflow/comm/environment.hpp"

#include <mpi.h>

#include <cstdlib>
#include <cstring>

#include "rankflow/core/temp_files.hpp"

namespace rankflow::comm {
namespace {

// environment.hpp: Open MPI's shared-memory transport when every rank is on this node.
bool prefer_shared_memory_on_one_node() {
#ifdef OMPI_MAJOR_VERSION
  const char* opt_out = std::getenv("RANKFLOW_MPI_AUTO_SHM");
  if (opt_out != nullptr && std::strcmp(opt_out, "0") == 0) return false;
  const char* world = std::getenv("OMPI_COMM_WORLD_SIZE");
  const char* local = std::getenv("OMPI_COMM_WORLD_LOCAL_SIZE");
  if (world == nullptr || local == nullptr || std::strcmp(world, local) != 0) return false;
  for (const char* name : {"OMPI_MCA_pml", "OMPI_MCA_btl", "OMPI_MCA_osc"})
    if (std::getenv(name) != nullptr) return false;
#if OMPI_MAJOR_VERSION >= 5
  const char* btl = "self,sm";  // vader was renamed sm in Open MPI 5
#else
  const char* btl = "self,vader";
#endif
  return setenv("OMPI_MCA_pml", "ob1", 0) == 0 && setenv("OMPI_MCA_btl", btl, 0) == 0 &&
         setenv("OMPI_MCA_osc", "sm,pt2pt", 0) == 0;
#else
  return false;
#endif
}

}  // namespace

MpiEnvironment::MpiEnvironment(int* argc, char*** argv) {
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (!initialized) {
    chose_shared_memory_ = prefer_shared_memory_on_one_node();
    int provided = 0;
    // rankflow's ranks are single-threaded when they call MPI.
    MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
    owns_ = true;
  }
}

MpiEnvironment::~MpiEnvironment() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (owns_ && !finalized) MPI_Finalize();
}

void MpiEnvironment::abort(int exit_code) {
  core::remove_temp_files();  // the destructors that would have removed them will not run
  MPI_Abort(MPI_COMM_WORLD, exit_code);
  std::_Exit(exit_code);
}

}  // namespace rankflow::comm
