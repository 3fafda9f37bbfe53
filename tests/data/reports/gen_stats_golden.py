#!/usr/bin/env python3
"""Golden values for reports/stats.cpp (bootstrap intervals and paired tests), see SOURCE.md.

Usage (from the repository root): python3 tests/data/reports/gen_stats_golden.py > tests/data/reports/stats_golden.json
Replays the exact resamples of the C++ code (SplitMix64, index = next() % n) and takes
percentiles with numpy.percentile (method 'linear'); McNemar's exact p-value from math.comb.
"""
import json
import math
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../../scripts/reference"))
from ref_venv import reexec_in, VENV  # noqa: E402

reexec_in(VENV, __file__)

import numpy as np  # noqa: E402

MASK = (1 << 64) - 1


class SplitMix64:
    def __init__(self, seed):
        self.state = seed & MASK

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)


def resample_means(x, b, seed):
    rng = SplitMix64(seed)
    n = len(x)
    out = []
    for _ in range(b):
        s = 0.0
        for _ in range(n):
            s += x[rng.next() % n]
        out.append(s / n)
    return out


def ci(x, b, seed, level=0.95):
    means = resample_means(x, b, seed)
    return {"n": len(x), "mean": float(np.mean(x)),
            "lo": float(np.percentile(means, 100 * (1 - level) / 2)),
            "hi": float(np.percentile(means, 100 * (1 + level) / 2))}


def paired(a, b, boot, seed, level=0.95):
    d = [y - x for x, y in zip(a, b)]
    means = resample_means(d, boot, seed)
    out = {"n": len(a), "delta": float(np.mean(d)),
           "lo": float(np.percentile(means, 100 * (1 - level) / 2)),
           "hi": float(np.percentile(means, 100 * (1 + level) / 2))}
    if all(v in (0.0, 1.0) for v in a + b):
        a_only = sum(1 for x, y in zip(a, b) if x == 1 and y == 0)
        b_only = sum(1 for x, y in zip(a, b) if x == 0 and y == 1)
        m = a_only + b_only
        k = min(a_only, b_only)
        p = 1.0 if m == 0 else min(1.0, 2 * sum(math.comb(m, i) for i in range(k + 1)) / 2 ** m)
        out.update(method="mcnemar-exact", p_value=p, a_only=a_only, b_only=b_only)
    else:
        le = sum(1 for v in means if v <= 0)
        ge = sum(1 for v in means if v >= 0)
        out.update(method="paired-bootstrap", p_value=min(1.0, 2 * min(le, ge) / len(means)))
    return out


def main():
    rng = np.random.default_rng(20261127)
    binary_a = [float(v) for v in (rng.random(57) < 0.62)]
    # B fixes about 30 % of the samples and breaks about 3 %: a real but small paired gain.
    binary_b = []
    for v in binary_a:
        r = rng.random()
        binary_b.append(1.0 if r < 0.30 else 0.0 if r < 0.33 else float(v))
    soft_a = [float(v) for v in rng.choice([0.0, 0.3, 0.6, 1.0], size=45)]
    soft_b = [min(1.0, v + float(rng.choice([0.0, 0.0, 0.3]))) for v in soft_a]
    cases = {
        "inputs": {"binary_a": binary_a, "binary_b": binary_b, "soft_a": soft_a, "soft_b": soft_b},
        "ci_binary_a_B1000_seed7": ci(binary_a, 1000, 7),
        "ci_soft_a_B500_seed3": ci(soft_a, 500, 3),
        "ci_binary_a_B1000_seed7_level90": ci(binary_a, 1000, 7, 0.90),
        "paired_binary_B1000_seed11": paired(binary_a, binary_b, 1000, 11),
        "paired_soft_B1000_seed5": paired(soft_a, soft_b, 1000, 5),
    }
    r = SplitMix64(0)  # as strings: 64-bit values do not survive a JSON double
    cases["splitmix64_seed0_first3"] = [str(r.next()) for _ in range(3)]
    cases["versions"] = {"python": sys.version.split()[0], "numpy": np.__version__}
    json.dump(cases, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
