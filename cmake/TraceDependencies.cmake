# Every dependency comes from a Debian package (scripts/install-deps.sh); nothing is downloaded.
find_package(Threads REQUIRED)

find_package(RapidJSON CONFIG REQUIRED)
# RapidJSONConfig only sets a variable: wrap it in a SYSTEM target.
add_library(trace_rapidjson INTERFACE)
target_include_directories(trace_rapidjson SYSTEM INTERFACE ${RAPIDJSON_INCLUDE_DIRS})
# Never RAPIDJSON_SSE42: its writer leaves 0x1A-0x1F unescaped (style.md).
target_compile_definitions(trace_rapidjson INTERFACE RAPIDJSON_HAS_STDSTRING=1)

find_package(CLI11 CONFIG REQUIRED)

find_package(zstd CONFIG QUIET)
if(TARGET zstd::libzstd_shared)
  add_library(trace_zstd ALIAS zstd::libzstd_shared)
else()
  find_package(PkgConfig REQUIRED)
  pkg_check_modules(ZSTD REQUIRED IMPORTED_TARGET libzstd)
  add_library(trace_zstd ALIAS PkgConfig::ZSTD)
endif()

find_package(ZLIB REQUIRED)

# libpcre2-dev: the tokenizer's pre-tokenisation split (Unicode categories, look-ahead, JIT).
find_package(PkgConfig REQUIRED)
pkg_check_modules(PCRE2 REQUIRED IMPORTED_TARGET libpcre2-8)
find_package(SQLite3 REQUIRED)  # libsqlite3-dev: v3 trace stores and experiment queues

if(TRACE_BUILD_TESTS)
  find_package(GTest CONFIG REQUIRED)
  include(GoogleTest)
endif()
if(TRACE_BUILD_BENCH)
  find_package(benchmark CONFIG QUIET)
endif()
