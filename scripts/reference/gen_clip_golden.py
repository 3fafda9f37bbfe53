#!/usr/bin/env python3
"""Parity goldens for the C++ CLIP vision tower (tests/unit/model/test_clip.cpp).

For each rung (a tiny random CLIPVisionConfig) writes OUT/<rung>/:
  config.json               the CLIPVisionConfig (HF `save_pretrained` layout)
  model.safetensors         HF `CLIPVisionModel.state_dict()` (keys `vision_model.*`, fp32), plus
                            `vision_model.embeddings.position_ids`, which transformers 4.37 no longer
                            saves but the openai hub .bin files carry: the loader must tolerate it
  golden.safetensors        pixel_values [N,3,H,W]; hidden_states.{k} [N,1+G,C] for k = 0..L
                            (0 = embeddings after pre_layrnorm); feature.patch =
                            hidden_states[-2][:, 1:] (SliME's select_layer -2 / 'patch');
                            feature.cls_patch = hidden_states[-2]
The reference is HF transformers' CLIPVisionModel(output_hidden_states=True) in fp32 on CPU.
The command and versions are recorded in tests/data/clip/SOURCE.md.
"""
import json
import os
import sys
from pathlib import Path

HERE = os.path.dirname(os.path.abspath(__file__))
from ref_venv import VENV, reexec_in  # noqa: E402

reexec_in(VENV, __file__)
import safetensors  # noqa: E402
import torch  # noqa: E402
import transformers  # noqa: E402
from safetensors.torch import save_file  # noqa: E402
from transformers import CLIPVisionConfig, CLIPVisionModel  # noqa: E402

SEED = 20240613
DEFAULT_OUT = os.path.normpath(os.path.join(HERE, "..", "..", "tests", "data", "clip"))

# grid3: odd 3x3 patch grid (10 tokens), quick_gelu as in ViT-L/14-336.
# grid2: the CI-sized tower of model.md §12.5 (image 28 / patch 14 -> 2x2 grid), with exact-erf
#        gelu, another head dim and another LayerNorm eps so every knob is exercised.
RUNGS = {
    "grid3": dict(hidden_size=64, intermediate_size=128, num_hidden_layers=3, num_attention_heads=4,
                  image_size=42, patch_size=14, hidden_act="quick_gelu", layer_norm_eps=1e-5, images=3),
    "grid2": dict(hidden_size=32, intermediate_size=64, num_hidden_layers=4, num_attention_heads=2,
                  image_size=28, patch_size=14, hidden_act="gelu", layer_norm_eps=1e-6, images=2),
}


def randomise(model, g):
    """HF init leaves LayerNorm at (1, 0) and biases at 0, which would hide a missing affine or bias
    in the C++ port: give them random values of a realistic size."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "layer_norm" in name or "layrnorm" in name or "layernorm" in name:
                if name.endswith("weight"):
                    p.copy_(1 + 0.2 * torch.randn(p.shape, generator=g))
                else:
                    p.copy_(0.2 * torch.randn(p.shape, generator=g))
            elif name.endswith("bias"):
                p.copy_(0.1 * torch.randn(p.shape, generator=g))


def make_rung(name, spec, out_dir):
    spec = dict(spec)
    n_images = spec.pop("images")
    g = torch.Generator().manual_seed(SEED + len(name) * 1000 + spec["image_size"])
    torch.manual_seed(SEED + spec["image_size"])  # HF init draws from the global generator
    config = CLIPVisionConfig(**spec)
    model = CLIPVisionModel(config).eval()
    randomise(model, g)

    rung_dir = Path(out_dir) / name
    rung_dir.mkdir(parents=True, exist_ok=True)
    config.to_json_file(rung_dir / "config.json")

    weights = {k: v.contiguous() for k, v in model.state_dict().items()}
    grid = spec["image_size"] // spec["patch_size"]
    weights.setdefault("vision_model.embeddings.position_ids",
                       torch.arange(grid * grid + 1, dtype=torch.int64).unsqueeze(0))
    save_file(weights, rung_dir / "model.safetensors", metadata={"format": "pt"})

    # CLIP-normalised pixels lie in about [-1.8, 2.2]; the reference eval rounds them to fp16 first.
    size = spec["image_size"]
    pixels = (torch.rand((n_images, 3, size, size), generator=g) * 4 - 1.8).half().float()
    with torch.no_grad():
        out = model(pixel_values=pixels, output_hidden_states=True)
    golden = {"pixel_values": pixels}
    for k, h in enumerate(out.hidden_states):
        golden[f"hidden_states.{k}"] = h.contiguous()
    golden["feature.patch"] = out.hidden_states[-2][:, 1:].contiguous()
    golden["feature.cls_patch"] = out.hidden_states[-2].clone()
    meta = {"torch": torch.__version__, "transformers": transformers.__version__,
            "safetensors": safetensors.__version__, "seed": str(SEED),
            "num_hidden_states": str(len(out.hidden_states))}
    save_file(golden, rung_dir / "golden.safetensors", metadata=meta)
    print(f"{name}: {len(weights)} weight tensors, {len(out.hidden_states)} hidden states "
          f"{tuple(out.hidden_states[0].shape)} -> {rung_dir}")
    return meta


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_OUT
    torch.set_num_threads(1)  # deterministic reductions, byte-identical re-runs
    meta = {}
    for name, spec in RUNGS.items():
        meta = make_rung(name, spec, out_dir)
    print("versions:", json.dumps({k: meta[k] for k in ("torch", "transformers", "safetensors")}))


if __name__ == "__main__":
    main()
