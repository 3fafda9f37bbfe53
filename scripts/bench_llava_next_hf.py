#!/usr/bin/env python3
"""LLaVA-NeXT end to end: `slime generate` vs HF transformers eager, same weights, same input.

    scripts/bench_llava_next_hf.py [--presets tiny,small] [--runs 5] [--new-tokens 32]
                                   [--image tests/data/image/inputs/synth_800x600.png] [--slime build/slime]

For each preset: `slime init-model --kind llava_next` writes a random-weight model in HF's
LlavaNextForConditionalGeneration layout; HF loads that directory (fp32, CPU, eager attention:
torch 1.13 has no SDPA) with LlavaNextImageProcessor at the tower's crop size. Both run the same
image and the same prompt ids (slime's templated Vicuna prompt; its image placeholder becomes HF's
image_token_index) and generate exactly --new-tokens greedy tokens (slime --ignore-eos, HF
min_new_tokens). Runs alternate slime / HF in one invocation, after one warm-up each.

Measured per run:
  - end-to-end: image file -> last token. slime: the sum of its JSON stage timings (decode of the
    file, preprocessing, vision, adapters, prefill, decode; model loading excluded). HF: image open +
    processor + generate(), timed around the calls (model loaded once, outside).
  - decode tokens/s: slime: decode steps / decode time from its JSON. HF: (N - 1) / the time between
    the first and the last new token (a StoppingCriteria stamps each one).
Both use the same thread count (OMP_NUM_THREADS, default: the cores). Prints one JSON object with the
medians and the ratios slime/HF (speed-up, > 1 = slime faster). Runs in $SLIME_REF_VENV-next
(transformers 4.40.2 on Debian's torch 1.13; scripts/reference/setup_venv.sh).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts/reference"))
from ref_venv import NEXT_VENV, reexec_in  # noqa: E402

THREADS = os.environ.setdefault("OMP_NUM_THREADS", str(os.cpu_count() or 1))
reexec_in(NEXT_VENV, __file__)

import torch  # noqa: E402
from PIL import Image  # noqa: E402
from transformers import LlavaNextForConditionalGeneration, LlavaNextImageProcessor, StoppingCriteria  # noqa: E402

PROMPT = "Describe the small details in this image."


def run_slime(binary, model_dir, image, new_tokens):
    cmd = [binary, "generate", "--model", model_dir, "--image", image, "--prompt", PROMPT, "--template", "vicuna_v1",
           "--max-new-tokens", str(new_tokens), "--ignore-eos", "--json"]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def hf_setup(model_dir):
    model = LlavaNextForConditionalGeneration.from_pretrained(model_dir, torch_dtype=torch.float32)
    model.eval()
    cfg = model.config
    crop = cfg.vision_config.image_size
    processor = LlavaNextImageProcessor(size={"shortest_edge": crop}, crop_size={"height": crop, "width": crop},
                                        image_grid_pinpoints=cfg.image_grid_pinpoints)
    return model, processor


class TokenClock(StoppingCriteria):
    """generate() calls stopping criteria once per new token, right after choosing it: the stamps
    between the first and the last call time the decode steps."""

    def __init__(self):
        self.stamps = []

    def __call__(self, input_ids, scores, **kwargs):
        self.stamps.append(time.perf_counter())
        return False


def run_hf(model, processor, image, ids, new_tokens):
    clock = TokenClock()
    t0 = time.perf_counter()
    pil = Image.open(image).convert("RGB")
    inputs = processor(pil, return_tensors="pt")
    with torch.no_grad():
        out = model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), pixel_values=inputs["pixel_values"],
                             image_sizes=inputs["image_sizes"], do_sample=False, max_new_tokens=new_tokens,
                             min_new_tokens=new_tokens, pad_token_id=0, stopping_criteria=[clock])
    t_end = time.perf_counter()
    new = out.shape[1] - ids.shape[1]
    assert new == new_tokens and len(clock.stamps) == new_tokens, f"HF generated {new} tokens, expected {new_tokens}"
    return {"e2e_ms": (t_end - t0) * 1000,
            "decode_tokens_per_s": (new_tokens - 1) / (clock.stamps[-1] - clock.stamps[0]),
            "tokens": out[0, ids.shape[1]:].tolist()}


def bench(preset, args, workdir):
    model_dir = str(Path(workdir) / f"llava_next_{preset}")
    subprocess.run([args.slime, "init-model", "--kind", "llava_next", "--preset", preset, "--seed", "0", "--out",
                    model_dir, "--tokenizer", str(ROOT / "tests/data/tokenizers/llama2")], check=True,
                   capture_output=True)
    torch.set_num_threads(int(THREADS))
    model, processor = hf_setup(model_dir)
    probe = run_slime(args.slime, model_dir, args.image, args.new_tokens)  # warm-up, and the prompt ids
    image_token = model.config.image_token_index
    ids = torch.tensor([[image_token if t == -200 else t for t in probe["prompt_ids"]]])
    run_hf(model, processor, args.image, ids, args.new_tokens)  # warm-up

    slime_runs, hf_runs = [], []
    for _ in range(args.runs):
        s = run_slime(args.slime, model_dir, args.image, args.new_tokens)
        slime_runs.append({"e2e_ms": sum(s["timing_ms"].values()), "decode_tokens_per_s": s["decode_tokens_per_s"],
                           "tokens": s["ids"]})
        hf_runs.append(run_hf(model, processor, args.image, ids, args.new_tokens))

    def med(runs, key):
        return statistics.median(r[key] for r in runs)

    result = {
        "preset": preset,
        "visual_tokens": probe["visual_tokens"],
        "prompt_rows": probe["prompt_rows"],
        "same_tokens": slime_runs[0]["tokens"] == hf_runs[0]["tokens"],
        "slime": {"e2e_ms": med(slime_runs, "e2e_ms"), "decode_tokens_per_s": med(slime_runs, "decode_tokens_per_s"),
                  "timing_ms": probe["timing_ms"]},
        "hf": {"e2e_ms": med(hf_runs, "e2e_ms"), "decode_tokens_per_s": med(hf_runs, "decode_tokens_per_s")},
    }
    result["speedup_e2e"] = result["hf"]["e2e_ms"] / result["slime"]["e2e_ms"]
    result["speedup_decode"] = result["slime"]["decode_tokens_per_s"] / result["hf"]["decode_tokens_per_s"]
    return result


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--presets", default="tiny,small")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--new-tokens", type=int, default=32)
    ap.add_argument("--image", default=str(ROOT / "tests/data/image/inputs/synth_800x600.png"))
    ap.add_argument("--slime", default=str(ROOT / "build/slime"))
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        results = [bench(p, args, workdir) for p in args.presets.split(",")]
    print(json.dumps({"threads": int(THREADS), "torch": torch.__version__, "runs": args.runs,
                      "new_tokens": args.new_tokens, "results": results}, indent=2))


if __name__ == "__main__":
    main()
