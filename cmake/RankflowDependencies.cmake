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
# rankflow::hdf5 and rankflow::xxhash are installed with rankflow (its static libraries need
# them at link time); there they name the targets that rankflowConfig.cmake finds (HDF5::HDF5,
# rankflow::xxhash_library) instead of this machine's paths.
add_library(rankflow_hdf5 INTERFACE)
set_target_properties(rankflow_hdf5 PROPERTIES EXPORT_NAME hdf5)
target_include_directories(rankflow_hdf5 SYSTEM INTERFACE
  "$<BUILD_INTERFACE:${HDF5_C_INCLUDE_DIRS};${HDF5_INCLUDE_DIRS}>")
foreach(_rf_lib IN LISTS HDF5_C_LIBRARIES)
  target_link_libraries(rankflow_hdf5 INTERFACE $<BUILD_INTERFACE:${_rf_lib}>)
endforeach()
target_link_libraries(rankflow_hdf5 INTERFACE $<INSTALL_INTERFACE:HDF5::HDF5> MPI::MPI_C)
target_compile_definitions(rankflow_hdf5 INTERFACE
  "$<BUILD_INTERFACE:${HDF5_C_DEFINITIONS};${HDF5_DEFINITIONS}>")
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
set_target_properties(rankflow_xxhash PROPERTIES EXPORT_NAME xxhash)
target_include_directories(rankflow_xxhash SYSTEM INTERFACE $<BUILD_INTERFACE:${XXHASH_INCLUDE_DIR}>)
target_link_libraries(rankflow_xxhash INTERFACE $<BUILD_INTERFACE:${XXHASH_LIBRARY}>
  $<INSTALL_INTERFACE:rankflow::xxhash_library>)
add_library(rankflow::xxhash ALIAS rankflow_xxhash)

if(RANKFLOW_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
