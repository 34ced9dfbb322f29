// Memory allocator tuning for `rankflow run` and `generate`: transparent huge pages and freed
// memory kept for reuse, without the user setting anything (docs/memory.md says why and how to
// opt out).
//
// glibc reads its malloc tunables (GLIBC_TUNABLES) once, before main. The one that matters,
// glibc.malloc.hugetlb=1 (malloc asks the kernel for transparent huge pages on the memory it
// gets from the system), has no mallopt() equivalent, so the tunables must be in the
// environment when the program starts. The `rankflow` command users run is a small entry
// program (entry.cpp, linked with nothing but the C++ runtime) that adds them and executes the
// program (libexec/rankflow/rankflow, with MPI, HDF5 and the rest): one load of the heavy
// libraries, not two. The program puts the user's GLIBC_TUNABLES back (or removes it) before
// anything else runs, so child processes (sbatch, a user's command) see the environment they
// were started with. Started directly, without the entry program, it re-executes itself
// once with the tunables instead. Not collective: all of it happens before MPI_Init, and exec
// keeps the process id that mpirun/srun know the rank by.
//
// Nothing is tuned when RANKFLOW_MALLOC_TUNING=off, under AddressSanitizer (it has its own
// allocator), or when the re-exec fails (the job runs with glibc's defaults).
#pragma once

#include <string>
#include <system_error>

namespace rankflow::cli {

// The tunables rankflow adds in front of the user's (the user's own settings win).
const char* malloc_tunables();

// Puts the tunables (and the marker that says so) into the environment for the next exec;
// false when tuning is off (RANKFLOW_MALLOC_TUNING=off, AddressSanitizer) or already done.
// The entry program calls it; so does tune_malloc.
bool prepare_tuned_environment();

// In the program, first thing in main for run and generate: after the entry program (or a re-exec),
// restores the user's GLIBC_TUNABLES; started directly, re-executes the process with the
// tunables, at most once. Returns when it does not re-execute.
void tune_malloc(char** argv);

// The program's own path (what /proc/self/exe points to); empty with `error` set when it
// cannot be read.
std::string program_path(std::error_code& error);

// The entry program sets this to its own path: what users run, what batch scripts should run.
inline constexpr const char* kCommandPathVariable = "RANKFLOW_COMMAND_PATH";

// What tune_malloc did, for the debug log: "on", "off (RANKFLOW_MALLOC_TUNING=off)", ...
const char* malloc_tuning_status();

// This process's name as the system shows it (/proc/self/comm), for the debug log: the re-exec
// must keep it "rankflow". Empty when it cannot be read.
std::string process_name();

}  // namespace rankflow::cli
