#!/usr/bin/env python3
"""Golden safetensors file for the C++ reader (tests/unit/io/test_golden.cpp).

Writes, with the reference implementation (Python `safetensors` + torch):
  OUT/mixed.safetensors  several dtypes (incl. bf16, f16, bool, i64 extremes, non-finite floats,
                         signed zero), a rank-0 and an empty tensor, and metadata;
  OUT/mixed.json         the expected dtype, shape and every value (row-major; non-finite floats
                         as "nan"/"inf"/"-inf", since JSON has no literal for them).

`--check FILE` reads a file written by the C++ writer (the test with SLIME_IO_EXPORT_DIR set) with
Python safetensors and asserts it holds bit-identical tensors and the same metadata as the golden.
The commands are in tests/data/io/SOURCE.md.
"""
import argparse
import json
import math
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
from ref_venv import VENV, reexec_in  # noqa: E402

reexec_in(VENV, __file__)
import safetensors  # noqa: E402
import torch  # noqa: E402
from safetensors import safe_open  # noqa: E402
from safetensors.torch import load_file, save_file  # noqa: E402

SEED = 20240602
DEFAULT_OUT = os.path.normpath(os.path.join(HERE, "..", "..", "tests", "data", "io", "golden"))
DTYPE_NAMES = {torch.bool: "BOOL", torch.uint8: "U8", torch.int8: "I8", torch.int16: "I16",
               torch.int32: "I32", torch.int64: "I64", torch.float16: "F16",
               torch.bfloat16: "BF16", torch.float32: "F32", torch.float64: "F64"}


def golden_tensors():
    g = torch.Generator().manual_seed(SEED)
    inf, nan = float("inf"), float("nan")
    return {
        "f32.special": torch.tensor([[0.0, -0.0, 1.0 / 3.0, -2.5], [inf, -inf, nan, 1e-40],
                                     [3.4e38, -1.17549435e-38, 7.0, 0.1]], dtype=torch.float32),
        "f32.randn": torch.randn(4, 3, generator=g),
        "f16.vec": torch.tensor([65504.0, -0.0, 6e-8, 0.1, -1.5, inf, nan], dtype=torch.float16),
        "bf16.randn": (torch.randn(2, 3, 4, generator=g) * 100).to(torch.bfloat16),
        "f64.vec": torch.tensor([math.pi, -1e300, 5e-324], dtype=torch.float64),
        "i64.vec": torch.tensor([2**62 + 1, -2**63, 2**63 - 1, 0, -7], dtype=torch.int64),
        "i32.vec": torch.tensor([2**31 - 1, -2**31, 123456], dtype=torch.int32),
        "i16.vec": torch.tensor([32767, -32768, 5], dtype=torch.int16),
        "i8.vec": torch.tensor([127, -128, 0, 1], dtype=torch.int8),
        "u8.mat": torch.randint(0, 256, (2, 5), generator=g, dtype=torch.uint8),
        "bool.mask": torch.randint(0, 2, (3, 3), generator=g).to(torch.bool),
        "scalar.f32": torch.tensor(-0.75, dtype=torch.float32),
        "empty.bf16": torch.zeros(0, 4, dtype=torch.bfloat16),
        "model.layers.0.self_attn.q_proj.weight": torch.randn(8, 8, generator=g).to(torch.float16),
    }


def json_value(v):
    if isinstance(v, float) and not math.isfinite(v):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
    return v


def expected_values(t):
    flat = t.reshape(-1)
    if t.dtype.is_floating_point:
        flat = flat.to(torch.float64)  # exact for f16/bf16/f32
    return [json_value(v) for v in flat.tolist()]


def raw_bytes(t):
    return t.contiguous().reshape(-1).view(torch.uint8) if t.dtype != torch.bool else \
        t.contiguous().reshape(-1).to(torch.uint8)


def generate(out):
    os.makedirs(out, exist_ok=True)
    tensors = golden_tensors()
    metadata = {"format": "pt", "generator": "scripts/reference/gen_safetensors_golden.py",
                "seed": str(SEED)}
    path = os.path.join(out, "mixed.safetensors")
    save_file(tensors, path, metadata=metadata)
    os.chmod(path, 0o644)  # safetensors creates it 0600
    listing = {
        "file": "mixed.safetensors",
        "versions": {"torch": torch.__version__, "safetensors": safetensors.__version__},
        "metadata": metadata,
        "tensors": [{"name": name, "dtype": DTYPE_NAMES[t.dtype], "shape": list(t.shape),
                     "values": expected_values(t)} for name, t in tensors.items()],
    }
    with open(os.path.join(out, "mixed.json"), "w") as f:
        json.dump(listing, f, indent=1)
        f.write("\n")
    print(f"wrote {path} ({os.path.getsize(path)} bytes) and mixed.json")


def check(cpp_file, golden_dir):
    golden = load_file(os.path.join(golden_dir, "mixed.safetensors"))
    written = load_file(cpp_file)  # the reference reader validates the whole file
    with safe_open(cpp_file, framework="pt") as f:
        cpp_meta = f.metadata()
    with safe_open(os.path.join(golden_dir, "mixed.safetensors"), framework="pt") as f:
        golden_meta = f.metadata()
    errors = []
    if cpp_meta != golden_meta:
        errors.append(f"metadata {cpp_meta} != {golden_meta}")
    if sorted(written) != sorted(golden):
        errors.append(f"names {sorted(written)} != {sorted(golden)}")
    for name, g in golden.items():
        w = written.get(name)
        if w is None:
            continue
        if w.dtype != g.dtype or w.shape != g.shape or not torch.equal(raw_bytes(w), raw_bytes(g)):
            errors.append(f"{name}: {w.dtype} {tuple(w.shape)} differs from {g.dtype} {tuple(g.shape)}")
    if errors:
        print("C++-written file differs:\n  " + "\n  ".join(errors))
        return 1
    print(f"OK: Python safetensors {safetensors.__version__} reads {cpp_file}: "
          f"{len(written)} tensors bit-identical to the golden, metadata equal")
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=DEFAULT_OUT, help="golden directory")
    parser.add_argument("--check", metavar="FILE", help="verify a C++-written file instead")
    args = parser.parse_args()
    if args.check:
        return check(args.check, args.out)
    generate(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
