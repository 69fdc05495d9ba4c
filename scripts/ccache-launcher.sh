# Sourced by the build scripts (needs $root, the clone). When ccache is installed, compilations
# go through it, with paths hashed relative to the clone: a second clone (a CI run, a worktree)
# reuses the objects the first one compiled instead of building from scratch.
ccache_launcher=()
if command -v ccache >/dev/null; then
  ccache_launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
  export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$root} CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-1}
fi
