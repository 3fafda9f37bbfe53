#!/usr/bin/env bash
# fuzz.sh TARGET|all|list SECONDS [--build-dir DIR] [-j N] [--fresh]
#
# Runs one libFuzzer target of tests/fuzz (or every one in turn: `all`) for SECONDS on its seed
# corpus. The targets are the tests/fuzz/fuzz_*.cpp files (the same glob tests/fuzz/CMakeLists.txt
# uses, so no list to keep in sync); `list` prints them.
#
# Builds in the clang ASan + UBSan tree that scripts/sanitize.sh uses (the `asan` preset's options,
# default dir build-asan), configuring it first when needed and building only the target(s) run.
# The committed seeds (tests/fuzz/corpus/<target>/) are only read: libFuzzer is given a working
# corpus in <build>/fuzz/corpus/<target>/ first, where the inputs it finds go (kept across runs;
# --fresh empties it), and the seeds second. Crash, leak, timeout and OOM inputs are written to
# <build>/fuzz/artifacts/<target>/. Prints, per target, executions, coverage (cov: edges, ft:
# features), corpus size and any artifact; exits non-zero when any target found one.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
usage() { echo "usage: $0 TARGET|all|list SECONDS [--build-dir DIR] [-j N] [--fresh]" >&2; exit 2; }

mapfile -t targets < <(cd "$repo/tests/fuzz" && ls fuzz_*.cpp | sed 's/\.cpp$//')
[[ $# -ge 1 ]] || usage
what=$1; shift
if [[ $what == list ]]; then printf '%s\n' "${targets[@]}"; exit 0; fi
[[ $# -ge 1 && $1 =~ ^[0-9]+$ ]] || usage
seconds=$1; shift
build="$repo/build-asan"
jobs=2
fresh=0
while [[ $# -gt 0 ]]; do
  case $1 in
    --build-dir) build=$(realpath -m "$2"); shift 2 ;;
    -j) jobs=$2; shift 2 ;;
    --fresh) fresh=1; shift ;;
    *) usage ;;
  esac
done
if [[ $what == all ]]; then
  run=("${targets[@]}")
elif printf '%s\n' "${targets[@]}" | grep -qx "$what"; then
  run=("$what")
else
  echo "fuzz.sh: no target '$what'; targets: ${targets[*]}" >&2
  exit 2
fi

# The CI configuration (CMakePresets.json `asan`, scripts/sanitize.sh). An existing tree is reused
# as configured, after checking that it has the fuzz targets at all.
if [[ ! -f "$build/build.ninja" ]]; then
  cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
    -DSLIME_SANITIZE=ON -DSLIME_FUZZ=ON -DSLIME_BENCH=OFF -DSLIME_CUDA=OFF >/dev/null
fi
if ! grep -q '^SLIME_FUZZ:BOOL=ON' "$build/CMakeCache.txt"; then
  echo "fuzz.sh: $build is not configured with SLIME_FUZZ=ON (use another --build-dir)" >&2
  exit 2
fi
ninja -C "$build" -j "$jobs" "${run[@]}"

# Sanitizer findings must stop the run and be reported as crashes: halt_on_error for UBSan (it
# only prints by default), the LibTorch/OpenBLAS process-lifetime leaks suppressed as in
# scripts/sanitize.sh when its suppression file is there.
export ASAN_OPTIONS="${ASAN_OPTIONS:-halt_on_error=1:detect_leaks=1:detect_stack_use_after_return=0}"
ubsan="halt_on_error=1:print_stacktrace=1"
lsan="print_suppressions=0"
[[ -f "$repo/scripts/sanitize/ubsan.supp" ]] && ubsan+=":suppressions=$repo/scripts/sanitize/ubsan.supp"
[[ -f "$repo/scripts/sanitize/lsan.supp" ]] && lsan+=":suppressions=$repo/scripts/sanitize/lsan.supp"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-$ubsan}"
export LSAN_OPTIONS="${LSAN_OPTIONS:-$lsan}"

failed=()
summary=()
for t in "${run[@]}"; do
  work="$build/fuzz/corpus/$t"
  artifacts="$build/fuzz/artifacts/$t"
  log="$build/fuzz/logs/$t.log"
  [[ $fresh == 1 ]] && rm -rf "$work"
  mkdir -p "$work" "$artifacts" "$(dirname "$log")"
  args=(-max_total_time="$seconds" -timeout=30 -rss_limit_mb=2560 -print_final_stats=1
        -artifact_prefix="$artifacts/")
  dict="$repo/tests/fuzz/corpus/$t.dict"
  [[ -f $dict ]] && args+=(-dict="$dict")
  before=$(find "$artifacts" -type f | wc -l)
  echo "== $t: ${seconds}s (log $log)"
  start=$(date +%s)
  rc=0
  # The corpus run prints a status line per new coverage; only the summary is echoed here.
  "$build/tests/fuzz/$t" "${args[@]}" "$work" "$repo/tests/fuzz/corpus/$t" >"$log" 2>&1 || rc=$?
  took=$(( $(date +%s) - start ))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  status=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$status")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$status")
  units=$(find "$work" -type f | wc -l)
  line="$t: ${execs:-?} execs in ${took}s, cov ${cov:-?} ft ${ft:-?}, corpus $units, exit $rc"
  new=$(find "$artifacts" -type f | wc -l)
  if [[ $rc != 0 || $new -gt $before ]]; then
    failed+=("$t")
    line+=" FAILED"
    grep -E 'ERROR: (libFuzzer|AddressSanitizer|LeakSanitizer)|runtime error:|^SUMMARY|Test unit written to|terminate called|what\(\)' "$log" | head -20 || true
  fi
  echo "$line"
  summary+=("$line")
done
if [[ ${#run[@]} -gt 1 ]]; then
  echo "== summary"
  printf '%s\n' "${summary[@]}"
fi
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "fuzz.sh: findings in ${failed[*]} (inputs under $build/fuzz/artifacts/)" >&2
  exit 1
fi
