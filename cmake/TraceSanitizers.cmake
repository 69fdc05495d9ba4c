# -DTRACE_SANITIZE=ON: ASan + UBSan on everything, and any UB report is fatal.
if(TRACE_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
# -DTRACE_FUZZ=ON: coverage for libFuzzer on everything (so libstream's branches guide it),
# with ASan + UBSan; the fuzz targets link libFuzzer's main (tests/fuzz/CMakeLists.txt).
if(TRACE_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "TRACE_FUZZ needs clang (libFuzzer): CXX=clang++ cmake ... -DTRACE_FUZZ=ON")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -g
    -fsanitize-ignorelist=${PROJECT_SOURCE_DIR}/tests/fuzz/sanitizer-ignorelist.txt)
  add_link_options(-fsanitize=address,undefined)
endif()
