#!/usr/bin/env python3
"""Time Hugging Face `tokenizers` on a corpus, single-threaded, as the C++ tokenizer benchmark does.

    scripts/bench_tokenizer_hf.py CORPUS.txt TOKENIZER.json [--repeat 5] [--venv pinned|new]

The corpus is split on "\\n" (the "\\n" is not encoded; a trailing "\\r" stays) and each line is one
`encode(line, add_special_tokens=False)` call. `encode_batch` over all lines (RAYON_NUM_THREADS=1)
is timed separately. Prints one JSON object; `bytes` is the size of the corpus file, `mb_per_s` is
bytes / seconds_best / 1e6. Runs under $SLIME_REF_VENV (tokenizers 0.15.1) or, with --venv new,
$SLIME_REF_VENV-tok-new (a current tokenizers); see scripts/reference/setup_venv.sh.
"""
import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ["RAYON_NUM_THREADS"] = "1"  # before tokenizers starts its thread pool
os.environ["TOKENIZERS_PARALLELISM"] = "false"


def ensure_venv(which):
    sys.path.insert(0, str(Path(__file__).resolve().parent / "reference"))
    from ref_venv import NEW_VENV, VENV, reexec_in
    reexec_in(NEW_VENV if which == "new" else VENV, __file__)


def best_of(repeat, fn):
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus")
    ap.add_argument("tokenizer_json")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--venv", choices=("pinned", "new"), default="pinned")
    args = ap.parse_args()
    ensure_venv(args.venv)
    import tokenizers

    data = Path(args.corpus).read_bytes()
    lines = data.decode("utf-8").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    tok = tokenizers.Tokenizer.from_file(args.tokenizer_json)

    def per_line():
        return sum(len(tok.encode(line, add_special_tokens=False).ids) for line in lines)

    def batch():
        return sum(len(e.ids) for e in tok.encode_batch(lines, add_special_tokens=False))

    seconds, tokens = best_of(args.repeat, per_line)
    batch_seconds, batch_tokens = best_of(args.repeat, batch)
    print(json.dumps({
        "tokenizer": args.tokenizer_json, "library": f"tokenizers {tokenizers.__version__}",
        "bytes": len(data), "lines": len(lines), "repeat": args.repeat,
        "seconds_best": seconds, "mb_per_s": len(data) / seconds / 1e6, "tokens": tokens,
        "encode_batch": {"seconds_best": batch_seconds, "mb_per_s": len(data) / batch_seconds / 1e6,
                         "tokens": batch_tokens},
    }))


if __name__ == "__main__":
    main()
