#!/usr/bin/env bash
# Sets everything up (scripts/setup.sh), runs the whole test suite with ctest, then the ASan/UBSan
# subset and the fuzz smoke (scripts/sanitize.sh --subset ci, scripts/fuzz.sh all 20).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$repo/scripts/setup.sh"
cd "$repo"
ctest --test-dir build --output-on-failure -j "$(nproc)"
# Hardening (issue 9), in one clang ASan + UBSan tree (build-asan): the LibTorch-free test subset,
# then every libFuzzer target for 20 s on its seed corpus. SLIME_TEST_SANITIZE=0 skips both.
if [ "${SLIME_TEST_SANITIZE:-1}" != 0 ]; then
  start=$(date +%s)
  scripts/sanitize.sh --subset ci -j "$(nproc)"
  scripts/fuzz.sh all 20 -j "$(nproc)"
  echo "test.sh: sanitizer subset + fuzz smoke took $(( $(date +%s) - start )) s"
fi
