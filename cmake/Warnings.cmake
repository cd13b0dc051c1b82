# One INTERFACE target carries the warning flags; every tilbake target links it.
add_library(tilbake_warnings INTERFACE)
add_library(tilbake::warnings ALIAS tilbake_warnings)
target_compile_options(tilbake_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wconversion
  -Wno-sign-conversion -Wno-unused-parameter
  # Designated initializers leave the rest default on purpose.
  -Wno-missing-field-initializers)
