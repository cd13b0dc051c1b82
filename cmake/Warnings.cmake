# One INTERFACE target carries the warning flags; every tilbake target links it.
add_library(tilbake_warnings INTERFACE)
add_library(tilbake::warnings ALIAS tilbake_warnings)
target_compile_options(tilbake_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wconversion
  -Wno-sign-conversion -Wno-unused-parameter
  # Designated initializers leave the rest default on purpose.
  -Wno-missing-field-initializers)
# clang checks the Abseil thread-safety annotations (ABSL_GUARDED_BY,
# ABSL_EXCLUSIVE_LOCKS_REQUIRED): a guarded member touched without its lock
# is a build error. `make test` builds the server with clang for this.
if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  target_compile_options(tilbake_warnings INTERFACE
    -Wthread-safety -Werror=thread-safety)
endif()
