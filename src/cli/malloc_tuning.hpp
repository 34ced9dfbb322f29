// Memory allocator tuning for `rankflow run`: transparent huge pages and freed memory kept for
// reuse, without the user setting anything (docs/memory.md says why and how to opt out).
//
// glibc reads its malloc tunables (GLIBC_TUNABLES) once, before main. The one that matters,
// glibc.malloc.hugetlb=1 (malloc asks the kernel for transparent huge pages on the memory it
// gets from the system), has no mallopt() equivalent. So the process re-executes itself once,
// at the top of main, with the tunables added; the re-executed process puts the user's
// GLIBC_TUNABLES back (or removes it) before anything else runs, so child processes (sbatch,
// a user's command) see the environment they were started with. Not collective: it runs
// before MPI_Init, and exec keeps the process id that mpirun/srun know the rank by.
//
// Does nothing when RANKFLOW_MALLOC_TUNING=off, under AddressSanitizer (it has its own
// allocator), or when the re-exec fails (the job runs with glibc's defaults).
#pragma once

#include <string>

namespace rankflow::cli {

// The tunables rankflow adds in front of the user's (the user's own settings win).
const char* malloc_tunables();

// Re-executes the process with the tunables, at most once; returns when it does not.
void tune_malloc(char** argv);

// What tune_malloc did, for the debug log: "on", "off (RANKFLOW_MALLOC_TUNING=off)", ...
const char* malloc_tuning_status();

// This process's name as the system shows it (/proc/self/comm), for the debug log: the re-exec
// must keep it "rankflow". Empty when it cannot be read.
std::string process_name();

}  // namespace rankflow::cli
