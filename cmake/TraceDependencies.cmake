# Every dependency comes from a Debian package (scripts/install-deps.sh); nothing is downloaded.
find_package(Threads REQUIRED)

find_package(RapidJSON CONFIG REQUIRED)
# RapidJSONConfig only sets a variable: wrap it in a SYSTEM target.
add_library(trace_rapidjson INTERFACE)
target_include_directories(trace_rapidjson SYSTEM INTERFACE ${RAPIDJSON_INCLUDE_DIRS})
# Never RAPIDJSON_SSE42: its writer leaves 0x1A-0x1F unescaped (docs/style.md, "rapidjson").
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
# libre2-dev: trace-scrub's rules (linear-time matching); libssl-dev: its placeholders' HMAC.
find_package(PkgConfig REQUIRED)
pkg_check_modules(RE2 REQUIRED IMPORTED_TARGET re2)
add_library(trace_re2 ALIAS PkgConfig::RE2)
find_package(OpenSSL REQUIRED COMPONENTS Crypto)

# libpcre2-dev: the tokenizer's pre-tokenisation split (Unicode categories, look-ahead, JIT).
pkg_check_modules(PCRE2 REQUIRED IMPORTED_TARGET libpcre2-8)
find_package(SQLite3 REQUIRED)  # libsqlite3-dev: v3 trace stores and experiment queues
# libzip-dev: Inspect AI .eval logs, which are ZIP archives (one entry per sample).
pkg_check_modules(LIBZIP REQUIRED IMPORTED_TARGET libzip)
# libxxhash-dev: XXH3 for ids made from whole records (hash.cpp), header-only (inlined): the
# tools and libstream.a link nothing of it.
find_path(XXHASH_INCLUDE_DIR xxhash.h REQUIRED)

if(TRACE_BUILD_TESTS)
  find_package(GTest CONFIG REQUIRED)
  include(GoogleTest)
endif()
if(TRACE_BUILD_BENCH)
  find_package(benchmark CONFIG QUIET)
endif()
