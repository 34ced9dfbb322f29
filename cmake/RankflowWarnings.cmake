# rankflow_options: warnings (and -Werror with RANKFLOW_WERROR), sanitizers. Every rankflow
# target links it; nothing is set globally.
add_library(rankflow_options INTERFACE)
target_compile_options(rankflow_options INTERFACE
  -Wall -Wextra -Wshadow -Wconversion -Wsign-conversion -Wpedantic -Wnon-virtual-dtor
  -Woverloaded-virtual -Wimplicit-fallthrough)
if(RANKFLOW_WERROR)
  target_compile_options(rankflow_options INTERFACE -Werror)
endif()
if(RANKFLOW_SANITIZE)
  string(REPLACE ";" "," _rf_san "${RANKFLOW_SANITIZE}")
  target_compile_options(rankflow_options INTERFACE -fsanitize=${_rf_san} -fno-omit-frame-pointer)
  target_link_options(rankflow_options INTERFACE -fsanitize=${_rf_san})
endif()
target_compile_definitions(rankflow_options INTERFACE
  RANKFLOW_VERSION="${PROJECT_VERSION}")
add_library(rankflow::options ALIAS rankflow_options)

# rankflow_add_library(NAME SOURCES ... DEPS ...): one static library per layer, rankflow::NAME,
# installed and exported as rankflow::NAME too (cmake/RankflowInstall.cmake). The warnings
# target is for rankflow's own build only: it is not part of what users link.
function(rankflow_add_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  list(REMOVE_ITEM ARG_PRIVATE_DEPS rankflow::options)
  add_library(rankflow_${name} STATIC ${ARG_SOURCES})
  add_library(rankflow::${name} ALIAS rankflow_${name})
  set_target_properties(rankflow_${name} PROPERTIES EXPORT_NAME ${name})
  target_include_directories(rankflow_${name} PUBLIC $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>)
  target_link_libraries(rankflow_${name} PUBLIC ${ARG_DEPS}
    PRIVATE $<BUILD_INTERFACE:rankflow::options> ${ARG_PRIVATE_DEPS})
  if(RANKFLOW_SANITIZE)  # a program linking an installed sanitized build needs the runtime
    target_link_options(rankflow_${name} INTERFACE $<INSTALL_INTERFACE:-fsanitize=${_rf_san}>)
  endif()
  set_property(GLOBAL APPEND PROPERTY RANKFLOW_LIBRARIES rankflow_${name})
endfunction()
