#!/usr/bin/env python3
"""Writes the hand-made fixture runs of tests/unit/reports (see SOURCE.md). Standard library only.

Usage (from the repository root): python3 tests/data/reports/make_fixtures.py tests/data/reports
Three cells of a top-p sweep on two tasks, in the layout of ablations/eval/eval_run.h
(OUT/results.json + OUT/samples_<task>.jsonl), plus ablation.json naming them.
"""
import json
import os
import random
import sys

STAGES = ["preprocess", "vision", "adapters", "compress", "select", "prefill", "decode"]
# cell -> (local tokens kept of 1008, P(correct), prefill ms, gamma)
CELLS = {
    "keep_all": (1008, 0.70, 120.0, None),
    "topp_090": (610, 0.68, 80.0, 0.90),
    "topp_075": (330, 0.60, 55.0, 0.75),
}
TASKS = {"hires_detail": 40, "pope": 30}


def percentile(values, q):
    """numpy.percentile(values, q), method 'linear'."""
    v = sorted(values)
    pos = (len(v) - 1) * q / 100.0
    lo = int(pos)
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (pos - lo)


def make_cell(root, name, kept, p_correct, prefill, gamma):
    rng = random.Random(f"slime-reports-{name}")
    # Item difficulty is shared by all cells (same samples), so paired tests see correlated scores.
    os.makedirs(root, exist_ok=True)
    timings = {s: [] for s in STAGES + ["total", "tokens_per_s"]}
    results, n_total, n_err = {}, 0, 0
    for task, n in TASKS.items():
        difficulty = random.Random(f"slime-reports-{task}")
        lines, correct = [], []
        for i in range(n):
            d = difficulty.random()
            ok = 1.0 if d < p_correct else 0.0
            target = "yes" if i % 2 == 0 else "no"
            if task == "hires_detail":
                target = "ABCD"[i % 4]
            pred = target if ok else ("no" if target == "yes" else "yes" if task == "pope" else "ABCD"[(i + 1) % 4])
            if name == "topp_075" and task == "hires_detail" and i == 3:
                pred = "<script>document.title='pwned'</script>B & \"quoted\""
            t = {
                "preprocess": round(rng.uniform(2.0, 4.0), 3),
                "vision": round(rng.uniform(40.0, 50.0), 3),
                "adapters": round(rng.uniform(3.0, 5.0), 3),
                "compress": round(rng.uniform(6.0, 9.0), 3),
                "select": round(rng.uniform(0.5, 1.0), 3) if gamma else 0.0,
                "prefill": round(prefill * rng.uniform(0.9, 1.1), 3),
                "decode": round(rng.uniform(20.0, 30.0), 3),
            }
            rec = {
                "doc_id": f"{task}-{i:03d}",
                "input": f"<image>\nQuestion {i} of {task}?",
                "target": target,
                "resps": [[pred]],
                "filtered_resps": [pred if len(pred) < 3 else pred[-13:]],
                "correct": ok,
                "visual_tokens": {"global": 577, "local_before": 1008, "local_after": kept + (i % 3) * 8},
                "timing_ms": t,
                "output_tokens": 1 + i % 3,
                "tokens_per_s": round((1 + i % 3) / (t["prefill"] + t["decode"]) * 1000.0, 4),
                "fingerprint": f"{name}-{task}-{i:03d}",
            }
            if task == "pope" and i == n - 1:
                rec = {k: v for k, v in rec.items() if k not in ("correct", "filtered_resps")}
                rec["error"] = "image_decode: truncated file"
                n_err += 1
            else:
                correct.append(ok)
                for s in STAGES:
                    timings[s].append(t[s])
                # As ablations/eval/latency.cpp: the per-sample sum of timing_ms, and tokens/s.
                timings["total"].append(sum(t.values()))
                timings["tokens_per_s"].append(rec["tokens_per_s"])
            lines.append(json.dumps(rec, ensure_ascii=False))
        n_total += n
        acc = 100.0 * sum(correct) / len(correct)
        if task == "pope":
            results[task] = {"mean_f1": round(acc / 100.0 - 0.01, 6), "accuracy": acc}
        else:
            results[task] = {"accuracy": acc, "by_category": {"count": {"accuracy": acc, "count": n}}}
        with open(os.path.join(root, f"samples_{task}.jsonl"), "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
    knobs = {"selector_mode": "all"} if gamma is None else {"selector_mode": "topp", "mm_resampler_topp": gamma}
    out = {
        "results": results,
        "config": {"model": "models/tiny-random", "model_fingerprint": "sha256:0f1e2d3c", "knobs": knobs,
                   "dataset_hashes": {t: f"sha256:{t}" for t in TASKS}, "seed": 0, "batch_size": 1},
        "versions": {"slime": "0.1.0", "git_commit": "abc1234", "libtorch": "1.13.0", "cuda": None,
                     "opencv": "4.6.0"},
        "device": "cpu",
        "latency": {s: {"p50": round(percentile(v, 50), 4), "p90": round(percentile(v, 90), 4),
                        "p99": round(percentile(v, 99), 4)} for s, v in timings.items()},
        "n_samples": {"total": n_total, "scored": n_total - n_err, "errors": {"image_decode": n_err}},
        "date": "2026-11-27T12:00:00Z",
        "total_seconds": 12.5,
    }
    with open(os.path.join(root, "results.json"), "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


def main():
    base = os.path.join(sys.argv[1], "ablation")
    cells = []
    for name, args in CELLS.items():
        make_cell(os.path.join(base, "cells", name), name, *args)
        cells.append({"name": name, "run_dir": f"cells/{name}"})
    with open(os.path.join(base, "ablation.json"), "w", encoding="utf-8") as f:
        json.dump({"name": "top-p sweep (fixture)", "baseline": "keep_all", "cells": cells}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
