# tilbake_proto_library(<target> PROTOS <files…> [GRPC])
# Generates C++ for PROTOS (paths relative to the calling folder, which is
# also the import root) into one static library. With GRPC, also the service
# code and the GoogleMock stub (<name>_mock.grpc.pb.h) that client tests use.
function(tilbake_proto_library target)
  cmake_parse_arguments(ARG "GRPC" "" "PROTOS" ${ARGN})
  set(out ${CMAKE_CURRENT_BINARY_DIR})
  add_library(${target} STATIC ${ARG_PROTOS})
  target_link_libraries(${target} PUBLIC protobuf::libprotobuf)
  target_include_directories(${target} SYSTEM PUBLIC ${out})
  protobuf_generate(TARGET ${target} LANGUAGE cpp
    IMPORT_DIRS ${CMAKE_CURRENT_SOURCE_DIR} PROTOC_OUT_DIR ${out})
  if(ARG_GRPC)
    # protobuf_generate in CMake 3.25 cannot pass plugin options
    # (generate_mock_code), so the gRPC part is an explicit command.
    foreach(proto IN LISTS ARG_PROTOS)
      string(REGEX REPLACE "\\.proto$" "" stem ${proto})
      set(generated
        ${out}/${stem}.grpc.pb.h ${out}/${stem}.grpc.pb.cc
        ${out}/${stem}_mock.grpc.pb.h)
      add_custom_command(
        OUTPUT ${generated}
        COMMAND protobuf::protoc
          --grpc_out=generate_mock_code=true:${out}
          --plugin=protoc-gen-grpc=$<TARGET_FILE:gRPC::grpc_cpp_plugin>
          -I ${CMAKE_CURRENT_SOURCE_DIR} -I ${Protobuf_INCLUDE_DIRS}
          ${CMAKE_CURRENT_SOURCE_DIR}/${proto}
        DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/${proto} gRPC::grpc_cpp_plugin
        COMMENT "gRPC code and mock stub for ${proto}")
      target_sources(${target} PRIVATE ${generated})
    endforeach()
    target_link_libraries(${target} PUBLIC gRPC::grpc++)
  endif()
endfunction()
