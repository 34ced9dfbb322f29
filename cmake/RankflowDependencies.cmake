# Finds rankflow's dependencies. Every one is a Debian package; nothing is downloaded.
#   Open MPI:   libopenmpi-dev openmpi-bin
#   HDF5:       libhdf5-openmpi-dev (parallel; the serial libhdf5-dev may be installed too)
#   Boost:      libboost-program-options-dev (the CLI only)
#   fmt:        libfmt-dev (messages, and shortest round-trip number formatting for CSV)
#   xxHash:     libxxhash-dev (key hashing for shuffles)
#   GoogleTest: libgtest-dev (tests only)
find_package(MPI REQUIRED COMPONENTS C CXX)

# Debian installs serial and parallel HDF5 side by side; ask for the parallel one and refuse
# the serial one: parallel reads and writes need MPI-IO inside HDF5.
set(HDF5_PREFER_PARALLEL ON)
find_package(HDF5 REQUIRED COMPONENTS C)
if(NOT HDF5_IS_PARALLEL)
  message(FATAL_ERROR
    "rankflow needs parallel HDF5, but the HDF5 found (${HDF5_INCLUDE_DIRS}) is serial.\n"
    "On Debian: apt-get install libhdf5-openmpi-dev")
endif()
add_library(rankflow_hdf5 INTERFACE)
target_include_directories(rankflow_hdf5 SYSTEM INTERFACE ${HDF5_C_INCLUDE_DIRS} ${HDF5_INCLUDE_DIRS})
target_link_libraries(rankflow_hdf5 INTERFACE ${HDF5_C_LIBRARIES} MPI::MPI_C)
target_compile_definitions(rankflow_hdf5 INTERFACE ${HDF5_C_DEFINITIONS} ${HDF5_DEFINITIONS})
add_library(rankflow::hdf5 ALIAS rankflow_hdf5)

find_package(Boost 1.71 REQUIRED COMPONENTS program_options)
find_package(fmt REQUIRED)
find_package(Threads REQUIRED)

find_path(XXHASH_INCLUDE_DIR xxhash.h)
find_library(XXHASH_LIBRARY NAMES xxhash)
if(NOT XXHASH_INCLUDE_DIR OR NOT XXHASH_LIBRARY)
  message(FATAL_ERROR "xxHash not found. On Debian: apt-get install libxxhash-dev")
endif()
add_library(rankflow_xxhash INTERFACE)
target_include_directories(rankflow_xxhash SYSTEM INTERFACE ${XXHASH_INCLUDE_DIR})
target_link_libraries(rankflow_xxhash INTERFACE ${XXHASH_LIBRARY})
add_library(rankflow::xxhash ALIAS rankflow_xxhash)

if(RANKFLOW_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
