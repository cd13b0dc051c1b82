# tilbake_proto_library(<target> PROTOS <files…> [GRPC] [MOCKS])
# Generates C++ (and optionally gRPC service and mock stub) code for PROTOS,
# relative to the calling folder, into one static library. Imports resolve
# against the calling folder and protobuf's well-known types.
function(tilbake_proto_library target)
  cmake_parse_arguments(ARG "GRPC;MOCKS" "" "PROTOS" ${ARGN})
  add_library(${target} STATIC ${ARG_PROTOS})
  target_link_libraries(${target} PUBLIC protobuf::libprotobuf)
  set(out ${CMAKE_CURRENT_BINARY_DIR})
  target_include_directories(${target} SYSTEM PUBLIC ${out})
  protobuf_generate(TARGET ${target} LANGUAGE cpp
    IMPORT_DIRS ${CMAKE_CURRENT_SOURCE_DIR} PROTOC_OUT_DIR ${out})
  if(ARG_GRPC)
    set(grpc_opts "")
    if(ARG_MOCKS)
      set(grpc_opts "generate_mock_code=true")
    endif()
    protobuf_generate(TARGET ${target} LANGUAGE grpc
      GENERATE_EXTENSIONS .grpc.pb.h .grpc.pb.cc
      PLUGIN protoc-gen-grpc=$<TARGET_FILE:gRPC::grpc_cpp_plugin>
      PLUGIN_OPTIONS ${grpc_opts}
      IMPORT_DIRS ${CMAKE_CURRENT_SOURCE_DIR} PROTOC_OUT_DIR ${out})
    target_link_libraries(${target} PUBLIC gRPC::grpc++)
  endif()
endfunction()
