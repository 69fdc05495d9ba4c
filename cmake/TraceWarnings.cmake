# Warnings live on one INTERFACE target linked only into first-party code.
add_library(trace_warnings INTERFACE)
target_compile_options(trace_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion
  -Wold-style-cast -Wnon-virtual-dtor -Wcast-qual -Wformat=2
  $<$<BOOL:${TRACE_WERROR}>:-Werror>)
