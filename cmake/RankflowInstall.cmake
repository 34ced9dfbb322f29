# Installing rankflow (`cmake --install <build> --prefix P`): the command, the headers, the
# static libraries and a CMake package, so that another project does find_package(rankflow)
# and links rankflow::rankflow (README: "Using rankflow as a library").
#
#   P/bin/rankflow                        the command users run (src/cli/entry.cpp)
#   P/libexec/rankflow/rankflow           the program it starts (../libexec/rankflow/rankflow
#                                         from the command's folder, as in the build tree)
#   P/include/rankflow/...                the public headers
#   P/lib/librankflow_<layer>.a           one static library per layer (rankflow::<layer>)
#   P/lib/cmake/rankflow/                 rankflowConfig.cmake, its version, the exported targets
#
# rankflow::rankflow is an INTERFACE target linking every layer library; it exists in the build
# tree too, so examples/ links the same name inside the tree and against an installed prefix.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

get_property(_rf_libraries GLOBAL PROPERTY RANKFLOW_LIBRARIES)
add_library(rankflow_rankflow INTERFACE)
set_target_properties(rankflow_rankflow PROPERTIES EXPORT_NAME rankflow)
target_link_libraries(rankflow_rankflow INTERFACE ${_rf_libraries})
add_library(rankflow::rankflow ALIAS rankflow_rankflow)

install(TARGETS ${_rf_libraries} rankflow_rankflow rankflow_hdf5 rankflow_xxhash
  EXPORT rankflowTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/rankflow DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

# Fixed folders: the command finds the program by this relative path (RANKFLOW_PROGRAM).
# Link-path RPATHs are kept so that dependencies outside the system's folders still load.
set_target_properties(rankflow rankflow_program PROPERTIES INSTALL_RPATH_USE_LINK_PATH ON)
install(TARGETS rankflow RUNTIME DESTINATION bin)
install(TARGETS rankflow_program RUNTIME DESTINATION libexec/rankflow)

set(_rf_package_dir ${CMAKE_INSTALL_LIBDIR}/cmake/rankflow)
install(EXPORT rankflowTargets NAMESPACE rankflow:: DESTINATION ${_rf_package_dir})
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/rankflowConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/rankflowConfig.cmake INSTALL_DESTINATION ${_rf_package_dir})
# 0.x: a new minor version may change the API.
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/rankflowConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/rankflowConfig.cmake
  ${CMAKE_CURRENT_BINARY_DIR}/rankflowConfigVersion.cmake DESTINATION ${_rf_package_dir})
