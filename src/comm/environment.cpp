#include "rankflow/comm/environment.hpp"

#include <mpi.h>

#include <cstdlib>
#include <cstring>

#include "rankflow/core/temp_files.hpp"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RANKFLOW_LSAN 1
#endif
#elif defined(__SANITIZE_ADDRESS__)
#define RANKFLOW_LSAN 1
#endif
#ifdef RANKFLOW_LSAN
#include <dlfcn.h>
#include <link.h>
#include <sanitizer/lsan_interface.h>
#endif

namespace rankflow::comm {
namespace {

// LeakSanitizer and Open MPI (the asan preset; nothing in other builds). Open MPI, PMIx and
// their components keep allocations until exit, which tests/sanitizers/lsan.supp names by
// library. Two things keep that working with ASan's fast malloc unwinding (the full one made
// the sanitized MPI tests 5.8x slower), whose stacks hold only the first frames:
//  - what this thread allocates inside MPI_Init and MPI_Finalize is not tracked at all, so its
//    stack does not matter;
//  - every library loaded when MPI starts and before it finalizes stays loaded until exit:
//    Open MPI 4.1 unloads its components (and libpmix with them) in MPI_Finalize, and the frames
//    of an allocation its PMIx thread made would show as "<unknown module>", which no
//    suppression matches (Open MPI 4.1 has no mca_base_component_disable_dlclose).
class MpiAllocationsUntracked {
 public:
#ifdef RANKFLOW_LSAN
  MpiAllocationsUntracked() { __lsan_disable(); }
  ~MpiAllocationsUntracked() { __lsan_enable(); }
#else
  MpiAllocationsUntracked() = default;
#endif
  MpiAllocationsUntracked(const MpiAllocationsUntracked&) = delete;
  MpiAllocationsUntracked& operator=(const MpiAllocationsUntracked&) = delete;
};

void keep_loaded_libraries() {
#ifdef RANKFLOW_LSAN
  // A second reference (RTLD_NOLOAD: only to what is loaded), never closed.
  dl_iterate_phdr(
      [](dl_phdr_info* info, std::size_t, void*) {
        if (info->dlpi_name != nullptr && info->dlpi_name[0] != '\0')
          (void)dlopen(info->dlpi_name, RTLD_LAZY | RTLD_NOLOAD);
        return 0;
      },
      nullptr);
#endif
}

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
    [[maybe_unused]] const MpiAllocationsUntracked untracked;
    // rankflow's ranks are single-threaded when they call MPI.
    MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
    keep_loaded_libraries();
    owns_ = true;
  }
}

MpiEnvironment::~MpiEnvironment() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (owns_ && !finalized) {
    [[maybe_unused]] const MpiAllocationsUntracked untracked;
    keep_loaded_libraries();
    MPI_Finalize();
  }
}

void MpiEnvironment::abort(int exit_code) {
  core::remove_temp_files();  // the destructors that would have removed them will not run
  MPI_Abort(MPI_COMM_WORLD, exit_code);
  std::_Exit(exit_code);
}

}  // namespace rankflow::comm
