# trace_add_tool(NAME): builds tools/trace-NAME from main.cpp + NAME.cpp.
# The logic (NAME.cpp) is an object library so unit tests link the very same code.
# Tests for every tool (contract + golden cases) are registered by tests/CMakeLists.txt.
set(TRACE_TOOLS "" CACHE INTERNAL "")
function(trace_add_tool name)
  set(dir "${CMAKE_CURRENT_SOURCE_DIR}/trace-${name}")
  # Every source of the tool but main.cpp, in subfolders too (trace-normalize/dialects/).
  file(GLOB_RECURSE sources CONFIGURE_DEPENDS "${dir}/*.cpp")
  list(REMOVE_ITEM sources "${dir}/main.cpp")
  add_library(trace_${name}_logic OBJECT ${sources})
  target_include_directories(trace_${name}_logic PUBLIC "${dir}")
  target_link_libraries(trace_${name}_logic PUBLIC trace::libstream PRIVATE trace_warnings)
  add_executable(trace-${name} "${dir}/main.cpp")
  target_link_libraries(trace-${name} PRIVATE trace_${name}_logic trace_warnings)
  set_target_properties(trace-${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY "${PROJECT_BINARY_DIR}/bin")
  set(TRACE_TOOLS ${TRACE_TOOLS} ${name} CACHE INTERNAL "")
endfunction()
