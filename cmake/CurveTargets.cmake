# Helpers that give every target of ours the same warnings and test registration.

set(CURVE_WARNINGS -Wall -Wextra -Werror -Wno-unused-parameter)

# curve_library(NAME SOURCES... ) : a static library with our warnings, rooted at the source tree
# so includes read "common/status.h".
function(curve_library name)
  add_library(${name} STATIC ${ARGN})
  target_compile_options(${name} PRIVATE ${CURVE_WARNINGS})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR})
endfunction()

# curve_executable(NAME SOURCES...) : a binary in build/bin.
function(curve_executable name)
  add_executable(${name} ${ARGN})
  target_compile_options(${name} PRIVATE ${CURVE_WARNINGS})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR})
endfunction()

# curve_test(NAME SOURCES... LIBS libs... [LABELS labels...]) : a gtest binary registered
# with ctest. Label "unit" marks tests that need no external process (make test-unit).
function(curve_test name)
  cmake_parse_arguments(T "" "" "LIBS;LABELS" ${ARGN})
  add_executable(${name} ${T_UNPARSED_ARGUMENTS})
  target_compile_options(${name} PRIVATE ${CURVE_WARNINGS})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR})
  target_link_libraries(${name} PRIVATE ${T_LIBS} GTest::gtest GTest::gmock GTest::gtest_main)
  add_test(NAME ${name} COMMAND ${name})
  if(T_LABELS)
    set_tests_properties(${name} PROPERTIES LABELS "${T_LABELS}")
  endif()
endfunction()
