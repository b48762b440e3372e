# Helpers shared by every module's CMakeLists.txt.
#
# A pure module is compiled twice: once as a host static library (sanitized, for tests and
# benchmarks) and once freestanding, as part of l0.efi. turtle_pure_library() does the first
# and records the sources in the global property TURTLE_EFI_SOURCES for l0/ to do the second.

# The repository root, the include root of every module ("l0/options.h").
get_filename_component(TURTLE_ROOT ${CMAKE_CURRENT_LIST_DIR}/.. ABSOLUTE)

set(TURTLE_WARNINGS -Wall -Wextra -Werror -Wno-unused-parameter)
set(TURTLE_SANITIZERS -fsanitize=address,undefined -fno-omit-frame-pointer
    -fno-sanitize-recover=undefined)

function(turtle_host_flags target)
  target_compile_options(${target} PRIVATE ${TURTLE_WARNINGS})
  target_include_directories(${target} PUBLIC ${TURTLE_ROOT})
  if(TURTLE_SANITIZE)
    target_compile_options(${target} PRIVATE ${TURTLE_SANITIZERS})
    target_link_options(${target} PUBLIC ${TURTLE_SANITIZERS})
  endif()
endfunction()

# turtle_pure_library(NAME src...): host library NAME plus the same sources for l0.efi.
function(turtle_pure_library name)
  add_library(${name} STATIC ${ARGN})
  turtle_host_flags(${name})
  foreach(src ${ARGN})
    get_filename_component(abs ${src} ABSOLUTE)
    set_property(GLOBAL APPEND PROPERTY TURTLE_EFI_SOURCES ${abs})
  endforeach()
endfunction()

# turtle_unit_test(NAME SOURCES src... LIBS lib...): a CMocka test run by ctest.
function(turtle_unit_test name)
  cmake_parse_arguments(T "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  turtle_host_flags(${name})
  target_link_libraries(${name} PRIVATE ${T_LIBS} cmocka)
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES LABELS unit)
endfunction()
