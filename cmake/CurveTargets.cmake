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

# curve_proto_library(NAME PROTOS files... [DEPS targets...]) : generated protobuf and gRPC code
# for the given .proto files (paths relative to the current directory). Files are named by their
# path from the repository root, so "proto/etcd/rpc.proto" is included as
# "proto/etcd/rpc.pb.h" and imported as "proto/etcd/rpc.proto". Generated code is built without
# our warnings.
find_program(GRPC_CPP_PLUGIN grpc_cpp_plugin REQUIRED)
function(curve_proto_library name)
  cmake_parse_arguments(P "" "" "PROTOS;DEPS" ${ARGN})
  set(out ${PROJECT_BINARY_DIR}/gen)
  set(sources)
  foreach(proto ${P_PROTOS})
    get_filename_component(abs ${proto} ABSOLUTE)
    file(RELATIVE_PATH rel ${PROJECT_SOURCE_DIR} ${abs})
    string(REGEX REPLACE "\\.proto$" "" base ${rel})
    set(generated ${out}/${base}.pb.cc ${out}/${base}.pb.h
                  ${out}/${base}.grpc.pb.cc ${out}/${base}.grpc.pb.h)
    add_custom_command(
      OUTPUT ${generated}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${out}
      COMMAND protobuf::protoc --proto_path=${PROJECT_SOURCE_DIR} --cpp_out=${out}
              --grpc_out=${out} --plugin=protoc-gen-grpc=${GRPC_CPP_PLUGIN} ${rel}
      WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
      DEPENDS ${abs} protobuf::protoc
      COMMENT "protoc ${rel}"
      VERBATIM)
    list(APPEND sources ${out}/${base}.pb.cc ${out}/${base}.grpc.pb.cc)
  endforeach()
  add_library(${name} STATIC ${sources})
  target_include_directories(${name} PUBLIC ${out})
  target_link_libraries(${name} PUBLIC protobuf::libprotobuf gRPC::grpc++ ${P_DEPS})
endfunction()
