#!/usr/bin/env bash
# Sets up a fresh Debian machine for slime-bench and builds into build/.
# Idempotent and quiet: installs only the Debian packages that are missing (as root or via sudo),
# then configures (Ninja, Release, ccache when installed) and builds.
#   scripts/setup.sh [--no-build] [--build-dir DIR] [--jobs N] [-- extra cmake args]
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir="$repo/build"
jobs=$(nproc)
do_build=1
cmake_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) do_build=0 ;;
    --build-dir) build_dir=$2; shift ;;
    --jobs) jobs=$2; shift ;;
    --) shift; cmake_args=("$@"); break ;;
    *) echo "setup.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

packages=(
  build-essential cmake ninja-build ccache git pkg-config
  libtorch-dev libopenblas-dev libopencv-dev nlohmann-json3-dev libfmt-dev libcli11-dev
  libgtest-dev libgmock-dev libbenchmark-dev libpcre2-dev libsqlite3-dev libjpeg-dev
  chromium  # headless: the HTML report test loads the page (it skips, saying so, without it)
  clang libclang-rt-dev  # the ASan/UBSan test subset and the libFuzzer smoke (scripts/sanitize.sh, fuzz.sh)
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "setup.sh: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
    sudo="sudo"
  fi
  echo "setup.sh: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

[ "$do_build" -eq 1 ] || exit 0
if [ ! -f "$build_dir/build.ninja" ]; then
  mkdir -p "$build_dir"
  log="$build_dir/configure.log"
  cmake -S "$repo" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release "${cmake_args[@]}" >"$log" 2>&1 \
    || { cat "$log" >&2; exit 1; }
  grep -E '^-- slime:' "$log" || true
elif [ ${#cmake_args[@]} -gt 0 ]; then
  cmake "$build_dir" "${cmake_args[@]}" >/dev/null
fi
cmake --build "$build_dir" -j "$jobs"
