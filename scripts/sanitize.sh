#!/usr/bin/env bash
# sanitize.sh [--subset ci|full] [--build-dir DIR] [-j N]
#
# Configures and builds the clang AddressSanitizer + UndefinedBehaviorSanitizer tree (the `asan`
# preset's options: SLIME_SANITIZE=ON, SLIME_FUZZ=ON, SLIME_BENCH=OFF; default dir build-asan, the
# same one the fuzz smoke uses) and runs the tests in it. Any sanitizer report fails its test
# (halt_on_error, a non-zero exit code).
#   full  the whole unit suite through ctest. Building the whole tree under ASan takes hours on 2
#         shared cores (every LibTorch translation unit with -g), so it is not a CI job.
#   ci    (default) the test executables that need no LibTorch: tokenizer, TSV / JSONL / base64
#         datasets, predictions and evaluators, the judge client, ablation specs, reports (HTML /
#         CSV / Markdown / LaTeX escaping, Chromium when installed) and the untrusted-input tests.
#         No model code and no `slime` binary are built, which is what keeps it near the ~8 minute
#         budget; the parsers of checkpoints, configs and images are covered by the fuzz smoke in the
#         same tree. The fault tests (test_faults: disk full, signals) need the binary: `full`.
# Needs clang and its runtime (clang, libclang-rt-dev); CUDA is off (ASan and the CUDA driver's
# fixed mappings need protect_shadow_gap=0, which is set anyway).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
subset=ci
build="$repo/build-asan"
jobs=2
while [[ $# -gt 0 ]]; do
  case $1 in
    --subset) subset=$2; shift 2 ;;
    --build-dir) build=$2; shift 2 ;;
    -j) jobs=$2; shift 2 ;;
    *) echo "usage: $0 [--subset ci|full] [--build-dir DIR] [-j N]" >&2; exit 2 ;;
  esac
done
[[ $subset == ci || $subset == full ]] || { echo "--subset: ci or full" >&2; exit 2; }

# The ci subset: the test executables that need no LibTorch (so no model code and no `slime`
# binary to build: that is what keeps it in budget), each run whole from the repository root.
ci_targets=(test_common test_tokenizer test_datasets test_evaluators test_judge test_untrusted test_ablate
            test_reports)

# No CMAKE_BUILD_TYPE: an existing tree keeps its own (the `asan` preset's RelWithDebInfo gives line
# numbers in reports), a new one gets the project default (Release), as the CI configures it.
cmake -S "$repo" -B "$build" -G Ninja \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DSLIME_SANITIZE=ON -DSLIME_FUZZ=ON -DSLIME_BENCH=OFF -DSLIME_CUDA=OFF >/dev/null
if [[ $subset == ci ]]; then
  ninja -C "$build" -j "$jobs" "${ci_targets[@]}"
else
  ninja -C "$build" -j "$jobs"
fi

# halt_on_error + a non-zero exitcode make every finding a failed test; print_stacktrace gives UBSan
# the stack ASan has. detect_leaks=1: LeakSanitizer stays on; the LibTorch 1.13 CPU build reported
# no leak at exit in the tests run so far (test_untrusted_requests, test_faults with its `slime eval`
# children), so lsan.supp is empty; a third-party leak found later goes there with its reason.
# protect_shadow_gap=0 only matters with CUDA.
export ASAN_OPTIONS="halt_on_error=1:abort_on_error=0:exitcode=86:detect_leaks=1:protect_shadow_gap=0:strict_string_checks=1:detect_stack_use_after_return=0:print_summary=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:exitcode=87:suppressions=$repo/scripts/sanitize/ubsan.supp"
export LSAN_OPTIONS="suppressions=$repo/scripts/sanitize/lsan.supp:print_suppressions=0"

if [[ $subset == ci ]]; then
  cd "$repo"
  status=0
  for t in "${ci_targets[@]}"; do
    exe=$(find "$build/tests/unit" -name "$t" -type f -perm -u+x | head -n 1)
    echo "== $t"
    "$exe" --gtest_brief=1 || status=1
  done
  exit $status
fi
ctest --test-dir "$build" --output-on-failure -j "$jobs" --timeout 1800
