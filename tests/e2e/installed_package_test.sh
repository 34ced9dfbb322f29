#!/usr/bin/env bash
# test_installed_package: rankflow as a library, the way a user's own project uses it.
#   1. cmake --install the build tree into a fresh prefix;
#   2. check that the package names no path of the build or source tree;
#   3. copy examples/ out of the tree and configure it as a project of its own against the
#      prefix (find_package(rankflow), rankflow::rankflow); build group_regression only;
#   4. run it under mpirun -np 2 and compare its output with the known lines;
#   5. run the installed rankflow command (bin/ finds libexec/rankflow/rankflow).
# Usage: installed_package_test.sh CMAKE BUILD_DIR SOURCE_DIR MPIEXEC [cmake args for step 3]
set -euo pipefail
cmake=$1 build=$2 source=$3 mpiexec=$4
shift 4
work=$(mktemp -d "${TMPDIR:-/tmp}/rankflow-installed.XXXXXX")
trap 'rm -rf "$work"' EXIT

step() {  # step LOG COMMAND...: runs it, printing its log only when it fails
  local log=$1
  shift
  if ! "$@" >"$work/$log" 2>&1; then
    echo "FAILED: $*" >&2
    cat "$work/$log" >&2
    exit 1
  fi
}

step install.log "$cmake" --install "$build" --prefix "$work/prefix"
for path in "$work/prefix/bin/rankflow" "$work/prefix/libexec/rankflow/rankflow" \
            "$work/prefix/include/rankflow/api/frame.hpp" \
            "$work/prefix/lib/cmake/rankflow/rankflowConfig.cmake" \
            "$work/prefix/lib/cmake/rankflow/rankflowConfigVersion.cmake"; do
  [[ -e $path ]] || { echo "FAILED: the install has no ${path#"$work/prefix/"}" >&2; exit 1; }
done
if grep -rlF -e "$build" -e "$source" "$work/prefix/lib/cmake/rankflow"; then
  echo "FAILED: the CMake package above names a path of the build or source tree" >&2
  exit 1
fi

cp -r "$source/examples" "$work/examples-src"
step configure.log "$cmake" -S "$work/examples-src" -B "$work/examples" \
  -DCMAKE_PREFIX_PATH="$work/prefix" "$@"
step build.log "$cmake" --build "$work/examples" --target group_regression

printf 'key,x,y\nb,1,9\nb,2,8\na,0,1\na,1,3\nb,3,7\nc,4,4\na,2,5\n,1,1\na,3,7\n' >"$work/in.csv"
step run.log "$mpiexec" -np 2 --oversubscribe "$work/examples/group_regression" \
  "$work/in.csv" "$work/out.csv"
expected=$'key,n,slope,intercept\na,4,2.0,1.0\nb,3,-1.0,10.0\nc,1,,'
actual=$(cat "$work/out.csv")
if [[ $actual != "$expected" ]]; then
  printf 'FAILED: group_regression wrote\n%s\nexpected\n%s\n' "$actual" "$expected" >&2
  exit 1
fi

version=$("$work/prefix/bin/rankflow" --version)
[[ $version == "rankflow "* ]] || { echo "FAILED: rankflow --version printed '$version'" >&2; exit 1; }
echo "ok: installed into a prefix, examples/ built against it, group_regression and $version ran"
