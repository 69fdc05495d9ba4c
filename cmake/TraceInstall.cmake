# What `cmake --install build --prefix P` puts in P, and the Debian packages CPack makes of it
# (docs/install.md):
#   component tools: bin/trace-*, share/man/man1/trace-*.1 and man5/trace-v1.5 (written at build
#     time from the manuals by scripts/md2man.py), bash, zsh and fish completions (written at
#     build time by scripts/gen-completions.py from each tool's own CLI11 definitions:
#     `trace-X --option-table`), the tiktoken rank files trace-tokens reads.
#   component dev: libstream for other C++ projects: headers, libstream.a, a CMake package
#     (find_package(libstream) gives libstream::libstream) and a pkg-config file.
include(GNUInstallDirs)

set(TRACE_BASH_COMPLETION_DIR "${CMAKE_INSTALL_DATADIR}/bash-completion/completions" CACHE STRING
    "Where bash completions are installed (relative to the prefix)")
# Debian's zsh has vendor-completions on its fpath; upstream zsh uses site-functions.
set(TRACE_ZSH_COMPLETION_DIR "${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions" CACHE STRING
    "Where zsh completions are installed (relative to the prefix)")
set(TRACE_FISH_COMPLETION_DIR "${CMAKE_INSTALL_DATADIR}/fish/vendor_completions.d" CACHE STRING
    "Where fish completions are installed (relative to the prefix)")

# --- the tools ------------------------------------------------------------------------------
foreach(tool IN LISTS TRACE_TOOLS)
  install(TARGETS trace-${tool} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT tools)
endforeach()

# --- man pages and completions, generated ---------------------------------------------------
# python3 is a build and test dependency already (scripts/install-deps.sh); without it the tools
# still build and install, without pages or completions.
find_package(Python3 COMPONENTS Interpreter)
if(Python3_Interpreter_FOUND)
  set(man_dir "${PROJECT_BINARY_DIR}/man")
  set(completion_dir "${PROJECT_BINARY_DIR}/completions")
  set(generated "")
  foreach(tool IN LISTS TRACE_TOOLS)
    set(manual "${PROJECT_SOURCE_DIR}/tools/trace-${tool}/README.md")
    add_custom_command(OUTPUT "${man_dir}/man1/trace-${tool}.1"
      COMMAND ${CMAKE_COMMAND} -E make_directory "${man_dir}/man1"
      COMMAND Python3::Interpreter "${PROJECT_SOURCE_DIR}/scripts/md2man.py" --version ${PROJECT_VERSION}
              "${manual}" "${man_dir}/man1/trace-${tool}.1"
      DEPENDS "${manual}" "${PROJECT_SOURCE_DIR}/scripts/md2man.py"
      COMMENT "Man page trace-${tool}(1)" VERBATIM)
    add_custom_command(
      OUTPUT "${completion_dir}/bash/trace-${tool}" "${completion_dir}/zsh/_trace-${tool}"
             "${completion_dir}/fish/trace-${tool}.fish"
      COMMAND Python3::Interpreter "${PROJECT_SOURCE_DIR}/scripts/gen-completions.py"
              $<TARGET_FILE:trace-${tool}> "${completion_dir}"
      DEPENDS trace-${tool} "${PROJECT_SOURCE_DIR}/scripts/gen-completions.py"
      COMMENT "Completions for trace-${tool}" VERBATIM)
    list(APPEND generated "${man_dir}/man1/trace-${tool}.1" "${completion_dir}/bash/trace-${tool}"
         "${completion_dir}/zsh/_trace-${tool}" "${completion_dir}/fish/trace-${tool}.fish")
    install(FILES "${man_dir}/man1/trace-${tool}.1" DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT tools)
    install(FILES "${completion_dir}/bash/trace-${tool}" DESTINATION ${TRACE_BASH_COMPLETION_DIR} COMPONENT tools)
    install(FILES "${completion_dir}/zsh/_trace-${tool}" DESTINATION ${TRACE_ZSH_COMPLETION_DIR} COMPONENT tools)
    install(FILES "${completion_dir}/fish/trace-${tool}.fish" DESTINATION ${TRACE_FISH_COMPLETION_DIR}
            COMPONENT tools)
  endforeach()
  add_custom_command(OUTPUT "${man_dir}/man5/trace-v1.5"
    COMMAND ${CMAKE_COMMAND} -E make_directory "${man_dir}/man5"
    COMMAND Python3::Interpreter "${PROJECT_SOURCE_DIR}/scripts/md2man.py" --version ${PROJECT_VERSION}
            --name trace-v1 --section 5 --summary "the session record trace/v1, one agent session per line"
            "${PROJECT_SOURCE_DIR}/docs/trace-v1.md" "${man_dir}/man5/trace-v1.5"
    DEPENDS "${PROJECT_SOURCE_DIR}/docs/trace-v1.md" "${PROJECT_SOURCE_DIR}/scripts/md2man.py"
    COMMENT "Man page trace-v1(5)" VERBATIM)
  list(APPEND generated "${man_dir}/man5/trace-v1.5")
  install(FILES "${man_dir}/man5/trace-v1.5" DESTINATION ${CMAKE_INSTALL_MANDIR}/man5 COMPONENT tools)
  # In `all`, so an install always has them; `make man-and-completions` alone is seconds.
  add_custom_target(man-and-completions ALL DEPENDS ${generated})
else()
  message(WARNING "python3 not found: man pages and shell completions are neither built nor installed")
endif()

# trace-tokens' vocabularies, found at run time beside an installed tool (tokenizer.cpp).
install(FILES "${TRACE_VOCAB_DIR}/o200k_base.json" "${TRACE_VOCAB_DIR}/cl100k_base.json"
        DESTINATION ${CMAKE_INSTALL_DATADIR}/tracemill/tiktoken COMPONENT tools OPTIONAL)

# --- libstream for other projects -----------------------------------------------------------
install(TARGETS libstream ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev)
install(DIRECTORY "${PROJECT_SOURCE_DIR}/libstream/include/libstream" DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        COMPONENT dev)
set(package_dir "${CMAKE_INSTALL_LIBDIR}/cmake/libstream")
include(CMakePackageConfigHelpers)
configure_package_config_file("${PROJECT_SOURCE_DIR}/cmake/libstreamConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/libstreamConfig.cmake" INSTALL_DESTINATION "${package_dir}"
  PATH_VARS CMAKE_INSTALL_INCLUDEDIR CMAKE_INSTALL_LIBDIR)
write_basic_package_version_file("${PROJECT_BINARY_DIR}/libstreamConfigVersion.cmake"
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES "${PROJECT_BINARY_DIR}/libstreamConfig.cmake" "${PROJECT_BINARY_DIR}/libstreamConfigVersion.cmake"
        DESTINATION "${package_dir}" COMPONENT dev)
# pkg-config: paths relative to the .pc file, so any --prefix works.
file(RELATIVE_PATH pc_to_prefix "/prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/prefix")
string(REGEX REPLACE "/$" "" pc_to_prefix "${pc_to_prefix}")
configure_file("${PROJECT_SOURCE_DIR}/cmake/libstream.pc.in" "${PROJECT_BINARY_DIR}/libstream.pc" @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/libstream.pc" DESTINATION "${CMAKE_INSTALL_LIBDIR}/pkgconfig" COMPONENT dev)

# --- Debian packages: tracemill (the tools) and libstream-dev ------------------------------
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME tracemill)
set(CPACK_PACKAGE_VENDOR tracemill)
set(CPACK_PACKAGE_CONTACT "tracemill maintainers <tracemill@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Unix filters turning LLM-agent trace dumps into validated datasets")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL tools dev)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_TOOLS_PACKAGE_NAME tracemill)
set(CPACK_DEBIAN_TOOLS_PACKAGE_SECTION utils)
set(CPACK_COMPONENT_TOOLS_DESCRIPTION
  "Unix filters turning LLM-agent trace dumps into validated datasets
 trace-read, trace-validate, trace-normalize, trace-filter, trace-pair, trace-stats,
 trace-tokens, trace-scrub and trace-dedup read and write NDJSON on standard input and output.")
# The runtime dependencies are read off what the tools link (dpkg-shlibdeps, from dpkg-dev).
set(CPACK_DEBIAN_TOOLS_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_DEV_PACKAGE_NAME libstream-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
set(CPACK_COMPONENT_DEV_DESCRIPTION
  "tracemill's streaming NDJSON library (static, headers, CMake and pkg-config files)
 Reading, framing, checking and writing JSON records, zstd and gzip transparent.")
# What a program built on libstream.a needs to compile and link: the headers it includes
# (rapidjson, CLI11) and the libraries libstream.a calls.
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS
  "rapidjson-dev, libcli11-dev, libzstd-dev, zlib1g-dev, libsqlite3-dev, libpcre2-dev, libzip-dev, pkg-config")
include(CPack)
