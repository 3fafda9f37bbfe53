#!/usr/bin/env bash
# The GPU check in one command (issue 8), on the GPU host from the repository root, with the kit
# from scripts/gpu_kit.sh in gpu_kit/:
#   scripts/gpu_check.sh OUTDIR [--dry-run]
# Steps, each timed and recorded (a failed step is recorded and the rest go on where they can):
#   env        host, GPU, Python torch, the kit's glibc/libstdc++ needs against the host's
#   kit        unpack gpu_kit/kit.tar.xz (outside the checkout)
#   configure  cmake against python3's torch (torch.utils.cmake_prefix_path) + the kit, sm_90
#   build      ninja, all cores: the test binaries holding the CUDA tests, bench_gpu_e2e
#   tests      the CUDA tests (kernels vs CPU references, model parity CPU vs CUDA on tiny models)
#   bench      bench_gpu_e2e: 7b-shape and Llama-3-8B shape, bf16 (OUTDIR/bench_gpu_e2e.json)
#   build_app  the slime CLI (for the HF step; built last so the numbers above come first)
#   hf         scripts/bench_hf_gpu.py when transformers imports or installs from gpu_kit/wheels
# Each step gets what is left of the 8 minutes (SLIME_GPU_BUDGET_S, 470 s); past it, steps are skipped.
# Writes OUTDIR/gpu_check.json (steps, results) and OUTDIR/gpu_check.log; exits 1 when a step failed.
# --dry-run: the same steps on this CPU machine, tiny shapes, fp32; the CUDA tests skip (no GPU).
# Budget: under 8 minutes on the GPU host. Environment: SLIME_GPU_BUILD (build dir, default
# build-gpu), SLIME_KIT_DIR (unpack dir), SLIME_PYTHON (python with torch, default python3),
# SLIME_TORCH_PREFIX (LibTorch cmake prefix; default python's torch, none = Debian's in a dry run).
set -uo pipefail
cd "$(dirname "$0")/.."
OUT="${1:?usage: scripts/gpu_check.sh OUTDIR [--dry-run]}"
DRY=0
[[ "${2:-}" == "--dry-run" ]] && DRY=1
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
LOG="$OUT/gpu_check.log"
STEPS="$OUT/.steps.tsv"
: > "$LOG"
: > "$STEPS"
BUILD="${SLIME_GPU_BUILD:-build-gpu}"
KIT="${SLIME_KIT_DIR:-${TMPDIR:-/tmp}/slime_gpu_kit}"
PY="${SLIME_PYTHON:-python3}"
JOBS=${SLIME_GPU_JOBS:-$(nproc)}
T_START=$(date +%s.%N)
BUDGET_S=${SLIME_GPU_BUDGET_S:-470}  # 8 minutes, less the time to copy results back
FAILED=0

# step NAME TIMEOUT_S COMMAND...: runs it with its output in the log, records status and seconds.
step() {
  local name=$1 limit=$2; shift 2
  # The whole check must end within BUDGET_S on the GPU host: a step gets what is left of it.
  local left
  left=$(printf '%.0f' "$(echo "$BUDGET_S - ($(date +%s.%N) - $T_START)" | bc)")
  if [[ $DRY == 0 ]] && (( left < 15 )); then
    printf '%s\tskipped\t0\t%s\n' "$name" "the ${BUDGET_S} s budget is spent" >> "$STEPS"; FAILED=1; return 1
  fi
  [[ $DRY == 0 ]] && (( left < limit )) && limit=$left
  echo "=== $name: $* ($(date -u +%H:%M:%S))" >> "$LOG"
  local t0 rc
  t0=$(date +%s.%N)
  [[ $DRY == 1 ]] && limit=$((limit * 10))  # 2 shared cores instead of 16
  # timeout runs a program: a bash that gets this script's functions and settings.
  timeout "$limit" bash -c "$(declare -p LOG OUT BUILD KIT PY DRY JOBS TORCH_PREFIX TEST_BINS APP); $(declare -f); \"\$@\"" \
    _ "$@" >> "$LOG" 2>&1
  rc=$?
  local secs status=ok
  secs=$(echo "$(date +%s.%N) - $t0" | bc)
  if [[ $rc -eq 124 ]]; then status="timeout"; elif [[ $rc -ne 0 ]]; then status="failed"; fi
  [[ $status != ok ]] && FAILED=1
  printf '%s\t%s\t%.1f\t%s\n' "$name" "$status" "$secs" "${NOTE:-}" >> "$STEPS"
  echo "=== $name: $status ($secs s)" >> "$LOG"
  echo "gpu_check: $name $status ($(printf %.1f "$secs") s)"
  NOTE=""
  return $rc
}
skip() { printf '%s\tskipped\t0\t%s\n' "$1" "$2" >> "$STEPS"; echo "gpu_check: $1 skipped: $2"; }

env_info() {
  uname -a; nproc; free -g | head -2
  command -v nvidia-smi > /dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv
  "$PY" -c 'import torch, sys; print("python", sys.version.split()[0], "torch", torch.__version__, "cuda", torch.version.cuda, torch.cuda.is_available())' || echo "no python torch"
  cmake --version | head -1; ninja --version; command -v nvcc > /dev/null && nvcc --version | tail -2
  cat gpu_kit/MANIFEST.txt | head -6
  # The kit's libraries were built against Debian bookworm's glibc / libstdc++: the host needs at least
  # the symbol versions they use.
  local need_c need_cxx have_c
  need_c=$(sed -n 's/^glibc_needed GLIBC_//p' gpu_kit/MANIFEST.txt)
  need_cxx=$(sed -n 's/^glibcxx_needed GLIBCXX_//p' gpu_kit/MANIFEST.txt)
  have_c=$(ldd --version | head -1 | grep -o '[0-9.]*$')
  echo "glibc: host $have_c, kit needs $need_c"
  [[ "$(printf '%s\n%s\n' "$need_c" "$have_c" | sort -V | head -1)" == "$need_c" ]] || { echo "host glibc too old"; return 1; }
  local cxx_lib
  cxx_lib=$(g++ -print-file-name=libstdc++.so.6)
  strings "$cxx_lib" | grep -q "GLIBCXX_$need_cxx" || { echo "host libstdc++ ($cxx_lib) lacks GLIBCXX_$need_cxx"; return 1; }
}

unpack_kit() {
  [[ -f gpu_kit/kit.tar.xz ]] || { echo "gpu_kit/kit.tar.xz missing: run scripts/gpu_kit.sh on the development machine"; return 1; }
  rm -rf "$KIT" && mkdir -p "$KIT" && tar -C "$KIT" -xJf gpu_kit/kit.tar.xz && du -sh "$KIT"
}

TORCH_PREFIX="${SLIME_TORCH_PREFIX-}"
if [[ -z "$TORCH_PREFIX" ]]; then
  TORCH_PREFIX=$("$PY" -c 'import torch.utils; print(torch.utils.cmake_prefix_path)' 2>/dev/null || true)
fi
[[ "$TORCH_PREFIX" == none ]] && TORCH_PREFIX=""
configure() {
  local args=(-S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSLIME_KIT="$KIT" -DSLIME_TESTS=ON -DSLIME_BENCH=ON)
  [[ -n "$TORCH_PREFIX" ]] && args+=(-DCMAKE_PREFIX_PATH="$TORCH_PREFIX")
  if [[ $DRY == 1 ]]; then args+=(-DSLIME_CUDA=OFF); else args+=(-DSLIME_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=90); fi
  # The kit's libraries are the only non-LibTorch ones: CMake must not take the host's (a dry run on
  # the development machine has them all installed).
  cmake "${args[@]}" && grep -q "slime: dependencies from the kit" "$LOG"
}

# The test binaries holding the CUDA tests (test_llama_fast: the fast decode paths, when present) and
# bench_gpu_e2e first (~110 compile steps); the slime CLI (~100 more, for the HF step) after the bench.
TEST_BINS=(test_kernels test_clip test_selector test_llama test_vlm test_llama_fast)
build() {
  local targets=() t
  for t in "${TEST_BINS[@]}" bench_gpu_e2e; do
    ninja -C "$BUILD" -t query "$t" > /dev/null 2>&1 && targets+=("$t")
  done
  ninja -C "$BUILD" -j "$JOBS" "${targets[@]}"
}
build_app() { ninja -C "$BUILD" -j "$JOBS" slime; }
# SLIME_GPU_APP: an already built slime CLI for the HF step instead (a dry run on a busy machine).
APP="${SLIME_GPU_APP:-$BUILD/slime}"

# Every CUDA test (names: *Cuda*, *CUDA*, *Gpu*, the fast decode paths); without a GPU they skip.
run_tests() {
  local fails=0 bin
  for bin in "$BUILD"/tests/unit/*/test_*; do
    [[ -x "$bin" ]] || continue
    local name; name=$(basename "$bin")
    [[ " ${TEST_BINS[*]} " == *" $name "* ]] || continue
    "$bin" --gtest_filter='*Cuda*:*CUDA*:*Gpu*:*GPU*:*Graph*:*Static*:*Sdpa*' --gtest_output="json:$OUT/tests_$name.json" \
      || fails=1
  done
  return $fails
}

bench() {
  if [[ $DRY == 1 ]]; then
    "$BUILD/tests/bench/bench_gpu_e2e" --device cpu --dtype fp32 --models tiny,small:llama3 --prefill-tokens 128 \
      --decode-tokens 8 --eval-samples 8 --batches 1,4,8 --reps 1 --json "$OUT/bench_gpu_e2e.json"
  else
    "$BUILD/tests/bench/bench_gpu_e2e" --device cuda --dtype bf16 --models 7b-shape,llama3-8b-shape:llama3 \
      --json "$OUT/bench_gpu_e2e.json"
  fi
}

# transformers 4.40.2 from the kit's wheels into a folder put first on PYTHONPATH (the host's torch
# and numpy stay visible; a venv would hide them when python3 is itself a venv). --no-deps: the kit
# has no tokenizers (transformers checks it only when installed) and no numpy/torch (the host's).
hf_pythonpath() {
  "$PY" -c 'import transformers, safetensors' 2> /dev/null && return
  local dir="${TMPDIR:-/tmp}/slime_hf_site"
  rm -rf "$dir"
  "$PY" -m pip install --quiet --disable-pip-version-check --no-index --no-deps --find-links gpu_kit/wheels \
    --target "$dir" transformers==4.40.2 huggingface-hub safetensors regex pyyaml filelock fsspec packaging tqdm \
    requests certifi idna urllib3 typing-extensions >> "$LOG" 2>&1 && echo "$dir"
}
hf() {
  local py=$PY
  if [[ $DRY == 1 ]]; then
    "$py" scripts/bench_hf_gpu.py --slime "$APP" --out "$OUT/hf_compare.json" --preset tiny --device cpu \
      --dtype fp32 --runs 1 --new-tokens 8
  else
    "$py" scripts/bench_hf_gpu.py --slime "$APP" --out "$OUT/hf_compare.json" --preset small
  fi
}

NOTE="dry run: $DRY"; step env 60 env_info
step kit 120 unpack_kit
# Our binaries find the kit's libraries' own dependencies (OpenCV -> lapack, GLX) here (cmake/Kit.cmake).
export LD_LIBRARY_PATH="$KIT/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
NOTE="torch prefix: ${TORCH_PREFIX:-Debian LibTorch}"; step configure 120 configure
if step build 300 build; then
  if [[ $DRY == 1 ]]; then NOTE="no GPU: the CUDA tests skip"; fi
  step tests 120 run_tests
  step bench 240 bench
  if [[ -n "${SLIME_GPU_APP:-}" ]]; then
    skip build_app "SLIME_GPU_APP=$SLIME_GPU_APP"
  fi
  if [[ -z "${SLIME_GPU_APP:-}" ]] && ! step build_app 180 build_app; then
    skip hf "the slime CLI did not build"
  elif ! "$PY" -c 'import numpy, torch' 2> /dev/null; then
    skip hf "no numpy/torch in $PY (transformers needs numpy; not in the kit)"
  elif [[ ! -d gpu_kit/wheels ]] && ! "$PY" -c 'import transformers' 2> /dev/null; then
    skip hf "no transformers and no gpu_kit/wheels"
  elif HF_SITE=$(hf_pythonpath); then
    NOTE="transformers from: ${HF_SITE:-the host}"
    PYTHONPATH="$HF_SITE${PYTHONPATH:+:$PYTHONPATH}" step hf 240 hf
  else
    skip hf "installing transformers from gpu_kit/wheels failed (see the log)"; FAILED=1
  fi
else
  skip tests "build failed"; skip bench "build failed"; skip hf "build failed"
fi

TOTAL=$(echo "$(date +%s.%N) - $T_START" | bc)
"$PY" - "$OUT" "$STEPS" "$TOTAL" "$DRY" "$FAILED" <<'EOF' || FAILED=1
import json, os, sys
out, steps_file, total, dry, failed = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4] == "1", sys.argv[5] == "1"
steps = []
for line in open(steps_file):
    name, status, secs, note = (line.rstrip("\n").split("\t") + [""])[:4]
    steps.append({"name": name, "status": status, "seconds": float(secs), "note": note})
doc = {"dry_run": dry, "ok": not failed, "total_seconds": round(total, 1), "steps": steps, "tests": {}}
for f in sorted(os.listdir(out)):
    path = os.path.join(out, f)
    if f.startswith("tests_") and f.endswith(".json"):
        t = json.load(open(path))
        cases = [c for s in t.get("testsuites", []) for c in s.get("testsuite", [])]
        doc["tests"][f[6:-5]] = {
            "run": len(cases),
            "skipped": [c["classname"] + "." + c["name"] for c in cases if c.get("result") == "SKIPPED"],
            "failed": [c["classname"] + "." + c["name"] for c in cases if c.get("failures")]}
for key, f in (("bench", "bench_gpu_e2e.json"), ("hf_compare", "hf_compare.json")):
    if os.path.exists(os.path.join(out, f)):
        doc[key] = json.load(open(os.path.join(out, f)))
json.dump(doc, open(os.path.join(out, "gpu_check.json"), "w"), indent=2)
print(json.dumps({"ok": doc["ok"], "total_seconds": doc["total_seconds"],
                  "steps": {s["name"]: s["status"] for s in steps}}))
EOF
rm -f "$STEPS"
exit $FAILED
