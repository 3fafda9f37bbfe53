#!/usr/bin/env bash
# perf_gate.sh BASELINE.json NEW.json [--threshold 10%] [--metric real_time|cpu_time] [--fail-on-missing]
#
# Compares two Google Benchmark JSON files (a microbenchmark run with
# --benchmark_out=FILE --benchmark_out_format=json) and exits non-zero when a benchmark of the
# baseline got slower than the threshold allows in NEW. Meant for CI users: store a baseline from a
# quiet machine, run the benchmarks on the same kind of machine, gate on the result, e.g.
#   build/tests/bench/bench_decoder --benchmark_repetitions=5 --benchmark_out=new.json
#   scripts/perf_gate.sh baseline/bench_decoder.json new.json --threshold 10%
#
# Per benchmark: with repetitions, the "median" aggregate is compared (the mean is pulled by noisy
# outliers); without, the median of the iteration rows of that name. Times are converted to ns
# from each row's time_unit. A regression is new > baseline * (1 + threshold). Rows with
# error_occurred are reported and skipped. A baseline benchmark missing from NEW is a warning
# (NEW may be a --benchmark_filter subset), or a failure with --fail-on-missing.
#
# Exit status: 0 no regression, 1 at least one regression (or missing with --fail-on-missing),
# 2 bad arguments or unreadable input. Needs bash and python3 (standard library only).
set -euo pipefail

usage() {
  echo "usage: $0 BASELINE.json NEW.json [--threshold 10%] [--metric real_time|cpu_time] [--fail-on-missing]" >&2
  exit 2
}

[[ $# -ge 2 ]] || usage
baseline=$1
new=$2
shift 2
threshold=10%
metric=real_time
fail_on_missing=0
while [[ $# -gt 0 ]]; do
  case $1 in
    --threshold) [[ $# -ge 2 ]] || usage; threshold=$2; shift 2 ;;
    --threshold=*) threshold=${1#*=}; shift ;;
    --metric) [[ $# -ge 2 ]] || usage; metric=$2; shift 2 ;;
    --metric=*) metric=${1#*=}; shift ;;
    --fail-on-missing) fail_on_missing=1; shift ;;
    *) usage ;;
  esac
done

exec python3 - "$baseline" "$new" "$threshold" "$metric" "$fail_on_missing" <<'PY'
import json
import statistics
import sys

baseline_path, new_path, threshold_text, metric, fail_on_missing = sys.argv[1:6]
fail_on_missing = fail_on_missing == "1"

def die(message):
    print(f"perf_gate: {message}", file=sys.stderr)
    sys.exit(2)

if metric not in ("real_time", "cpu_time"):
    die(f"--metric {metric}: expected real_time or cpu_time")
try:  # a percentage; the % sign is optional ("10%" and "10" are both 10 %)
    threshold = float(threshold_text.rstrip("%")) / 100.0
except ValueError:
    die(f"--threshold {threshold_text}: expected a percentage such as 10%")
if not threshold >= 0:
    die(f"--threshold {threshold_text}: must be >= 0")

NS_PER_UNIT = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}

def load(path):
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except OSError as e:
        die(f"{path}: cannot read: {e.strerror}")
    except json.JSONDecodeError as e:
        die(f"{path}: not valid JSON: {e}")
    rows = doc.get("benchmarks") if isinstance(doc, dict) else None
    if not isinstance(rows, list):
        die(f"{path}: no 'benchmarks' list (not a Google Benchmark JSON file)")
    medians, iterations, errors = {}, {}, {}
    for i, row in enumerate(rows):
        if not isinstance(row, dict) or "name" not in row:
            die(f"{path}: benchmarks[{i}] has no name")
        name = row.get("run_name", row["name"])
        if row.get("error_occurred"):
            errors[name] = row.get("error_message", "error")
            continue
        if metric not in row:
            die(f"{path}: benchmarks[{i}] ({row['name']}) has no {metric}")
        unit = row.get("time_unit", "ns")
        if unit not in NS_PER_UNIT:
            die(f"{path}: benchmarks[{i}] ({row['name']}): unknown time_unit '{unit}'")
        ns = float(row[metric]) * NS_PER_UNIT[unit]
        if row.get("run_type") == "aggregate":
            if row.get("aggregate_name") == "median":
                medians[name] = ns
        else:
            iterations.setdefault(name, []).append(ns)
    times = {name: statistics.median(values) for name, values in iterations.items()}
    times.update(medians)  # the median aggregate wins where repetitions produced one
    return times, errors

base, base_errors = load(baseline_path)
new, new_errors = load(new_path)

def fmt_ns(ns):
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("us", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3f} {unit}"
    return f"{ns:.1f} ns"

regressions, missing = [], []
width = max([len(n) for n in base] + [9])
print(f"perf_gate: {metric}, threshold +{threshold * 100:g}%")
print(f"{'benchmark':<{width}}  {'baseline':>12}  {'new':>12}  {'change':>9}  status")
for name in base:
    if name in new_errors or name in base_errors:
        print(f"{name:<{width}}  {'':>12}  {'':>12}  {'':>9}  skipped (error: {new_errors.get(name) or base_errors.get(name)})")
        continue
    if name not in new:
        missing.append(name)
        print(f"{name:<{width}}  {fmt_ns(base[name]):>12}  {'-':>12}  {'':>9}  missing")
        continue
    b, n = base[name], new[name]
    change = (n - b) / b if b > 0 else 0.0
    status = "ok"
    if n > b * (1.0 + threshold):
        status = "REGRESSION"
        regressions.append(name)
    elif change < -threshold:
        status = "faster"
    print(f"{name:<{width}}  {fmt_ns(b):>12}  {fmt_ns(n):>12}  {change * 100:>+8.1f}%  {status}")
for name in new:
    if name not in base:
        print(f"{name:<{width}}  {'-':>12}  {fmt_ns(new[name]):>12}  {'':>9}  new (no baseline)")

failed = bool(regressions) or (fail_on_missing and bool(missing))
if regressions:
    print(f"perf_gate: FAIL: {len(regressions)} regression(s) beyond +{threshold * 100:g}%: {', '.join(regressions)}")
if missing:
    print(f"perf_gate: {'FAIL' if fail_on_missing else 'warning'}: {len(missing)} baseline benchmark(s) missing from NEW: {', '.join(missing)}")
if not failed:
    print(f"perf_gate: PASS ({len(base) - len(missing)} compared)")
sys.exit(1 if failed else 0)
PY
