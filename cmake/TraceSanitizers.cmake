# -DTRACE_SANITIZE=ON: ASan + UBSan on everything, and any UB report is fatal.
if(TRACE_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
