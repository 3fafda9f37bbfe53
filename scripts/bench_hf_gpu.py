#!/usr/bin/env python3
"""LLaVA-NeXT on one GPU: `slime generate` vs HF transformers 4.40.2 eager, same weights, same input.

    scripts/bench_hf_gpu.py --slime BUILD/slime --out OUT.json [--preset small] [--device cuda]
                            [--dtype bf16] [--runs 3] [--new-tokens 32] [--image PNG]

The GPU variant of scripts/bench_llava_next_hf.py (same protocol: `slime init-model --kind
llava_next` writes the model in HF's layout, HF loads that directory; same prompt ids, exactly
--new-tokens greedy tokens, runs alternating after one warm-up each), for the GPU check host, where
no Pillow is installed: HF gets the pixel values our engine computed (`slime generate --dump`'s
vision.crops, [1+P, 3, 336, 336], Pillow-exact and equal to LlavaNextImageProcessor's output, see
tests/unit/image), so HF's end-to-end time leaves out image decoding and preprocessing, which
slime's includes (in HF's favour). attn_implementation="eager" is HF's eager baseline.

The preset defaults to `small`: 7b-shape writes 28 GB of fp32 safetensors that HF and slime each
load again, which does not fit the check's 8 minutes (init-model's time and size are reported).
Prints one JSON object (also written to --out): medians per side and the ratios slime/HF.
"""
import argparse
import json
import os
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROMPT = "Describe the small details in this image."
IMAGE_TAG = -200  # text::kImageTokenId in slime's prompt_ids


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    width, height = struct.unpack(">II", head[16:24])
    return height, width


def run_slime(args, model_dir, dump=None):
    cmd = [args.slime, "generate", "--model", model_dir, "--image", args.image, "--prompt", PROMPT, "--template",
           "vicuna_v1", "--max-new-tokens", str(args.new_tokens), "--ignore-eos", "--json", "--device", args.device,
           "--dtype", args.dtype]
    if dump:
        cmd += ["--dump", dump]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--slime", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--preset", default="small")
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--dtype", default="bf16")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--new-tokens", type=int, default=32)
    ap.add_argument("--image", default=str(ROOT / "tests/data/image/inputs/synth_800x600.png"))
    args = ap.parse_args()

    import torch
    import transformers
    from safetensors.torch import load_file
    from transformers import LlavaNextForConditionalGeneration, StoppingCriteria

    class TokenClock(StoppingCriteria):
        """Called once per new token right after it is chosen: stamps time the decode steps."""

        def __init__(self):
            self.stamps = []

        def __call__(self, input_ids, scores, **kwargs):
            if input_ids.is_cuda:
                torch.cuda.synchronize()
            self.stamps.append(time.perf_counter())
            return False

    dtype = {"bf16": torch.bfloat16, "fp16": torch.float16, "fp32": torch.float32}[args.dtype]
    device = torch.device(args.device)
    with tempfile.TemporaryDirectory() as work:
        model_dir = str(Path(work) / f"llava_next_{args.preset}")
        t0 = time.perf_counter()
        subprocess.run([args.slime, "init-model", "--kind", "llava_next", "--preset", args.preset, "--seed", "0",
                        "--out", model_dir, "--tokenizer", str(ROOT / "tests/data/tokenizers/llama2")], check=True,
                       capture_output=True)
        init_s = time.perf_counter() - t0
        weights_bytes = os.path.getsize(Path(model_dir) / "model.safetensors")
        t0 = time.perf_counter()
        model = LlavaNextForConditionalGeneration.from_pretrained(model_dir, torch_dtype=dtype,
                                                                  attn_implementation="eager").to(device).eval()
        hf_load_s = time.perf_counter() - t0

        dump = str(Path(work) / "dump.safetensors")
        probe = run_slime(args, model_dir, dump)  # warm-up, the prompt ids and the pixel values
        pixels = load_file(dump)["vision.crops"].to(device=device, dtype=dtype)[None]
        ids = torch.tensor([[model.config.image_token_index if t == IMAGE_TAG else t for t in probe["prompt_ids"]]],
                           device=device)
        sizes = torch.tensor([png_size(args.image)], device=device)

        def run_hf():
            clock = TokenClock()
            torch.cuda.synchronize() if device.type == "cuda" else None
            t = time.perf_counter()
            with torch.no_grad():
                out = model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), pixel_values=pixels,
                                     image_sizes=sizes, do_sample=False, max_new_tokens=args.new_tokens,
                                     min_new_tokens=args.new_tokens, pad_token_id=0, stopping_criteria=[clock])
            end = time.perf_counter()
            assert len(clock.stamps) == args.new_tokens, f"HF generated {len(clock.stamps)} tokens"
            return {"e2e_ms": (end - t) * 1000,
                    "decode_tokens_per_s": (args.new_tokens - 1) / (clock.stamps[-1] - clock.stamps[0]),
                    "tokens": out[0, ids.shape[1]:].tolist()}

        run_hf()  # warm-up
        slime_runs, hf_runs = [], []
        for _ in range(args.runs):
            s = run_slime(args, model_dir)
            slime_runs.append({"e2e_ms": sum(s["timing_ms"].values()), "decode_tokens_per_s": s["decode_tokens_per_s"],
                               "tokens": s["ids"]})
            hf_runs.append(run_hf())

    def med(runs, key):
        return statistics.median(r[key] for r in runs)

    result = {
        "preset": args.preset, "device": args.device, "dtype": args.dtype, "new_tokens": args.new_tokens,
        "torch": torch.__version__, "transformers": transformers.__version__,
        "gpu": torch.cuda.get_device_name() if device.type == "cuda" else None,
        "init_model_s": init_s, "weights_bytes": weights_bytes, "hf_load_s": hf_load_s,
        "visual_tokens": probe["visual_tokens"], "prompt_rows": probe.get("prompt_rows"),
        "same_tokens": slime_runs[0]["tokens"] == hf_runs[0]["tokens"],
        "slime": {"e2e_ms": med(slime_runs, "e2e_ms"), "decode_tokens_per_s": med(slime_runs, "decode_tokens_per_s"),
                  "timing_ms": probe["timing_ms"]},
        "hf": {"e2e_ms": med(hf_runs, "e2e_ms"), "decode_tokens_per_s": med(hf_runs, "decode_tokens_per_s"),
               "excludes": "image decoding and preprocessing (pixel values from slime's dump)"},
    }
    result["speedup_e2e"] = result["hf"]["e2e_ms"] / result["slime"]["e2e_ms"]
    result["speedup_decode"] = result["slime"]["decode_tokens_per_s"] / result["hf"]["decode_tokens_per_s"]
    text = json.dumps(result, indent=2)
    Path(args.out).write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    sys.exit(main())
