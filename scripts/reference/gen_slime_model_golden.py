#!/usr/bin/env python3
"""End-to-end parity goldens for a tiny random SliME (tests/data/slime_model/).

The whole model is assembled in Python from independent pieces, run in fp32:
  preprocessing   SliME anyres (model.md §2): gen_image_golden.plan / clip_normalize (Pillow + numpy),
                  then the runners' fp16 cast of the pixels;
  vision tower    HF CLIPVisionModel (336 px, patch 14, width 128, 2 layers), hidden_states[-2], CLS dropped;
  global branch   slime_modules_ref.projector_global (gated mixture, model.md §4-§5);
  local branch    slime_modules_ref.local_branch (R16 compressor, shared MLP, spatial raster, §6);
  selector        written here from §7 (text query §7.1, exact broadcast cosine §7.2, top-p §7.3,
                  double / single softmax §7.4);
  splice          §8 ([G; embed(seperator); S] in place of -200, truncation to tokenizer_model_max_length);
  LLM             HF LlamaForCausalLM (transformers 4.37.2), forward + generate on inputs_embeds.

Writes OUT (default tests/data/slime_model/): config.json (the layout of `slime init-model --kind slime`),
model.safetensors (SliME's upstream keys, fp16), golden.safetensors, golden.json. See SOURCE.md there.
"""
import argparse
import hashlib
import json
import os
import sys
from pathlib import Path

HERE = os.path.dirname(os.path.abspath(__file__))
from ref_venv import VENV, reexec_in  # noqa: E402

reexec_in(VENV, __file__)
sys.path.insert(0, HERE)
import numpy as np  # noqa: E402
import safetensors  # noqa: E402
import torch  # noqa: E402
import transformers  # noqa: E402
from PIL import Image  # noqa: E402
from transformers import CLIPVisionConfig, CLIPVisionModel, LlamaConfig, LlamaForCausalLM  # noqa: E402

import gen_image_golden as image_ref  # noqa: E402  (SliME anyres plan + CLIP normalisation)
import slime_modules_ref as ref  # noqa: E402
import tiny_weights  # noqa: E402

SEED = 20241133
NEW_TOKENS = 8
IMAGE_ID = -200
SEPERATOR = 300
VOCAB = 512
E = 128            # mm_hidden_size (CLIP width)
D = 64             # LLM hidden size
HEADS = E // 128   # upstream's resampler head count, mm_hidden_size // 128 = 1
GLOBAL_GRID = 24   # R576: as many queries as CLIP patch tokens
LOCAL_GRID = 4     # sqrt(mm_resampler_dim = 16)
# w_gate std: CLIP features here have std ~3.7, so the generic 0.15 gives gate logits ~9 apart and
# a 0/1 gate that would hide errors in the mixture; 0.01 keeps both experts weighted (~0.3-0.7).
GATE_STD = 0.01
COS_EPS = 1e-8     # F.cosine_similarity's default eps
# fp32 rounding of two formulas of the same sum of ~10-25 cosines (measured <= 5e-7).
COS_CROSS_TOL = 1e-5
INNER_TEMP = 0.5   # the pre-6b4e0fe inner softmax temperature (double softmax, §7.4)
GAMMA = 0.95
TEMP = 1.0
MAX_LEN = 2048
CLIP_PREFIX = "model.vision_tower.vision_tower."
REPO = Path(HERE).parents[1]
DEFAULT_OUT = REPO / "tests" / "data" / "slime_model"

# (image, prompt ids with BOS first and -200 once, selector_softmax, tokenizer_model_max_length,
#  store the full vision.features [1+P, 576, 128] (fp16; size) or only its checksums)
SAMPLES = [
    ("tests/data/image/inputs/synth_800x600.png", [1, 30, 40, 50, IMAGE_ID, 13, 77, 88, 99, 120],
     "double", MAX_LEN, False),
    # A repeated word makes the score spread wide enough for the single softmax to drop many tokens
    # (random 64-d embeddings have |cos| ~ 0.1: a short prompt of distinct ids keeps ~95% either way).
    ("tests/data/image/inputs/synth_1000x200.png",
     [1, 7, 7, 7, 7, 7, 7, 7, 7, 300, 211, 5, IMAGE_ID, 13] + [7] * 8 + [45, 9], "single", MAX_LEN, False),
    # 1x2 tie grid (half-black crops) and a small tokenizer_model_max_length: the spliced sequence
    # (4 + 577 + K + 6 rows) is cut inside the local tokens, so the prompt's tail is lost too.
    ("tests/data/image/inputs/synth_333x337.png", [1, 61, 62, IMAGE_ID, 13, 70, 71, 72, 73, 74],
     "double", 600, True),
]


def config_json():
    """The key set and layout of `slime init-model --kind slime --preset tiny` (engine/model/init_model.cpp),
    with this model's dimensions. `init_model` (the C++ generator's own provenance) is left out."""
    return {
        "architectures": ["LlavaLlamaForCausalLM"],
        "bos_token_id": 1,
        "eos_token_id": 2,
        "hidden_act": "silu",
        "hidden_size": D,
        "image_aspect_ratio": "anyres",
        "image_grid_pinpoints": [[672, 672], [336, 672], [672, 336], [336, 1008], [1008, 336], [336, 1344],
                                 [1344, 336]],
        "intermediate_size": 160,
        "max_position_embeddings": 4096,
        "mm_hidden_size": E,
        "mm_learnable_gated": -1,
        "mm_patch_merge_type": "spatial",
        "mm_projector_type": "gated",
        "mm_resampler_dim": LOCAL_GRID * LOCAL_GRID,
        "mm_resampler_temp": TEMP,
        "mm_resampler_topp": GAMMA,
        "mm_resampler_type": "cosine",
        "mm_use_im_patch_token": False,
        "mm_use_im_start_end": False,
        "mm_vision_config": {"hidden_act": "quick_gelu", "hidden_size": E, "image_size": 336,
                             "intermediate_size": 256, "layer_norm_eps": 1e-05, "num_attention_heads": 4,
                             "num_channels": 3, "num_hidden_layers": 2, "patch_size": 14},
        "mm_vision_select_feature": "patch",
        "mm_vision_select_layer": -2,
        "mm_vision_tower": CLIP_PREFIX + "vision_model.",
        "model_type": "llava_llama",
        "num_attention_heads": 4,
        "num_hidden_layers": 2,
        "num_key_value_heads": 2,
        "pad_token_id": 0,
        "rms_norm_eps": 1e-06,
        "rope_scaling": None,
        "rope_theta": 10000.0,
        "seperator": SEPERATOR,
        "tie_word_embeddings": False,
        "tokenizer_model_max_length": MAX_LEN,
        "tokenizer_padding_side": "right",
        "torch_dtype": "float16",
        "use_global_only": False,
        "use_local_only": False,
        "vocab_size": VOCAB,
    }


def build_modules(cfg, gen):
    """HF CLIP tower + HF Llama, and SliME's own weights as plain dicts (upstream names below their
    prefix). Random draws in a fixed order: CLIP, projector, sampler, LLM."""
    vc = cfg["mm_vision_config"]
    clip = CLIPVisionModel(CLIPVisionConfig(**vc)).eval()
    tiny_weights.randomise_(clip.named_parameters(), gen)

    def resampler(grid):
        w = {"query": torch.empty(grid * grid, E), "attn.in_proj_weight": torch.empty(3 * E, E),
             "attn.in_proj_bias": torch.empty(3 * E), "attn.out_proj.weight": torch.empty(E, E),
             "attn.out_proj.bias": torch.empty(E)}
        for ln in ("ln_q", "ln_kv", "ln_post"):
            w[f"{ln}.weight"], w[f"{ln}.bias"] = torch.empty(E), torch.empty(E)
        tiny_weights.randomise_(w.items(), gen)
        # Fixed 2-D sin-cos table, fp16 as upstream creates the Parameter (never trained).
        w["pos_embed"] = ref.sincos_table(E, grid)
        return w

    projector = {"w_gate": torch.empty(E, 2), "projection.0.weight": torch.empty(D, E),
                 "projection.0.bias": torch.empty(D), "projection.2.weight": torch.empty(D, D),
                 "projection.2.bias": torch.empty(D)}
    tiny_weights.randomise_(projector.items(), gen)
    projector["w_gate"] = (projector["w_gate"] * (GATE_STD / tiny_weights.MATRIX_STD)).half().float()
    projector.update({"attn." + k: v for k, v in resampler(GLOBAL_GRID).items()})
    # Training-only tensors upstream's state dict holds too (unused at eval, model.md §4).
    projector.update({"w_noise": torch.zeros(E, 2), "mean": torch.zeros(1), "std": torch.ones(1)})
    sampler = resampler(LOCAL_GRID)

    llm_config = LlamaConfig(hidden_size=D, intermediate_size=cfg["intermediate_size"],
                             num_hidden_layers=cfg["num_hidden_layers"],
                             num_attention_heads=cfg["num_attention_heads"],
                             num_key_value_heads=cfg["num_key_value_heads"], vocab_size=VOCAB,
                             max_position_embeddings=cfg["max_position_embeddings"], rms_norm_eps=cfg["rms_norm_eps"],
                             rope_theta=cfg["rope_theta"], tie_word_embeddings=False, bos_token_id=1,
                             eos_token_id=2, pad_token_id=0)
    llm = LlamaForCausalLM(llm_config).eval()
    assert llm.config._attn_implementation == "eager"
    tiny_weights.randomise_(llm.named_parameters(), gen)
    return clip, projector, sampler, llm


def state_dict(clip, projector, sampler, llm):
    out = {CLIP_PREFIX + k: v for k, v in clip.state_dict().items()}
    out.update({"model.mm_projector." + k: v for k, v in projector.items()})
    out.update({"model.sampler.post_qformer." + k: v for k, v in sampler.items()})
    out.update(llm.state_dict())
    return out


def preprocess(image):
    """[1+P, 3, 336, 336]: global stretch first, then the row-major crops of the black canvas,
    CLIP-normalised in fp32 and cast to fp16 (the runners' images.to(float16)); plus the plan."""
    p = image_ref.plan(*image.size)
    canvas = Image.new("RGB", tuple(p["canvas"]), (0, 0, 0))
    canvas.paste(image.resize(tuple(p["resized"])), tuple(p["offset"]))
    views = [image.resize((image_ref.PATCH, image_ref.PATCH))] + [canvas.crop(tuple(b)) for b in p["crop_boxes"]]
    crops = torch.from_numpy(np.stack([image_ref.clip_normalize(v) for v in views])).half()
    return crops, p


def text_query(llm, ids):
    """§7.1: embed_tokens of the prompt without the image id, in order, then one zero row per
    removed image token with mask 0; cut to tokenizer_model_max_length rows (never binds here)."""
    text_ids = torch.tensor([t for t in ids if t != IMAGE_ID])
    e = torch.cat([llm.get_input_embeddings()(text_ids), torch.zeros(1, D)])   # [T + 1, D]
    mask = torch.cat([torch.ones(len(text_ids)), torch.zeros(1)])              # [T + 1]
    return e, mask


def cosine_scores(z, e, mask):
    """§7.2 exact broadcast cosine as PyTorch 2.x computes F.cosine_similarity(z[:, None], e[None], -1):
    each side divided by its own norm clamped at eps, products summed over D; masked terms zeroed,
    then summed over T. Written out because torch 1.13 clamps the product of the norms instead."""
    zz, ee = torch.broadcast_tensors(z[:, None], e[None])                      # [L, T, D]
    zn = zz / torch.linalg.vector_norm(zz, dim=-1, keepdim=True).clamp_min(COS_EPS)
    en = ee / torch.linalg.vector_norm(ee, dim=-1, keepdim=True).clamp_min(COS_EPS)
    cos = (zn * en).sum(-1)                                                    # [L, T]
    return cos.masked_fill(mask[None] == 0, 0).sum(-1)                         # [L]


def top_p(scores, softmax_mode):
    """§7.3-§7.4 -> (kept [K] ascending int64, the top-p margin min_j |c_j - gamma|)."""
    s = scores
    if softmax_mode == "double":
        s = torch.softmax(s / INNER_TEMP, dim=-1)
    p = torch.softmax(s / TEMP, dim=-1)
    sorted_p, order = torch.sort(p, descending=True)
    c = torch.cumsum(sorted_p, dim=-1)
    m = int((c <= GAMMA).sum())
    kept = order[: m + 1] if m < len(p) else order
    return torch.sort(kept).values, float((c - GAMMA).abs().min())


def splice(llm, ids, block, max_len):
    """§8: [embed(ids before -200); block; embed(ids after)], cut to max_len rows."""
    at = ids.index(IMAGE_ID)
    emb = llm.get_input_embeddings()
    full = torch.cat([emb(torch.tensor(ids[:at])), block, emb(torch.tensor(ids[at + 1:]))])  # [n, D]
    return full[:max_len], full.shape[0]


def run_sample(k, sample, modules, golden, meta):
    image_rel, ids, softmax_mode, max_len, store_features = sample
    clip, projector, sampler, llm = modules
    pre = f"sample{k}."
    image = Image.open(REPO / image_rel).convert("RGB")
    crops, p = preprocess(image)
    npw, nph = p["grid"]
    with torch.no_grad():
        feats = clip(crops.float(), output_hidden_states=True).hidden_states[-2][:, 1:]   # [1+P, 576, E]
        glob, gdumps = ref.projector_global(feats[0], projector, "gated", -1, HEADS)      # [576, D]
        local, _ = ref.local_branch(feats[1:], npw, nph, sampler, projector, "projection.", HEADS, "spatial")
        e, mask = text_query(llm, ids)
        scores = cosine_scores(local, e, mask)                                            # [L]
        # torch 1.13's own F.cosine_similarity (joint clamp) must agree away from the eps clamp.
        torch_cos = torch.nn.functional.cosine_similarity(local[:, None], e[None], dim=-1)
        cos_err = (torch_cos.masked_fill(mask[None] == 0, 0).sum(-1) - scores).abs().max().item()
        assert cos_err < COS_CROSS_TOL, f"sample{k}: broadcast cosine differs from F.cosine_similarity by {cos_err}"
        kept, margin = top_p(scores, softmax_mode)                                         # [K]
        sep = llm.get_input_embeddings()(torch.tensor([SEPERATOR]))                      # [1, D]
        block = torch.cat([glob, sep, local[kept]])                                        # [577 + K, D]
        embeds, n_full = splice(llm, ids, block, max_len)                                  # [n, D]
        logits = llm(inputs_embeds=embeds[None]).logits[0, -1].float()                     # [V]
        out = llm.generate(inputs_embeds=embeds[None], attention_mask=torch.ones(1, embeds.shape[0], dtype=torch.long),
                           do_sample=False, max_new_tokens=NEW_TOKENS, min_new_tokens=NEW_TOKENS,
                           eos_token_id=None, pad_token_id=0, num_beams=1, output_scores=True,
                           return_dict_in_generate=True)
    # 4.37 with inputs_embeds and no input_ids starts the sequence from a dummy [[bos_token_id]]
    # (_maybe_initialize_input_ids_for_generation) that is never fed to the model, and returns it
    # in front of the new tokens (later versions start from an empty [1, 0] and return only new ones).
    assert out.sequences.shape == (1, 1 + NEW_TOKENS) and int(out.sequences[0, 0]) == 1, out.sequences
    greedy = out.sequences[0, 1:]
    assert greedy.shape[0] == NEW_TOKENS, out.sequences.shape
    assert int(logits.argmax()) == int(greedy[0]), (logits.argmax(), greedy[0])
    gap = min(float(s[0].topk(2).values[0] - s[0].topk(2).values[1]) for s in out.scores)

    g0 = gdumps["adapters.gate"][:, 0]  # expert-0 weight per token: the mix is not saturated
    crops_bytes = crops.numpy().astype("<f2").tobytes()
    golden.update({
        pre + "input_ids": torch.tensor(ids),
        pre + "vision.crops.sum": crops.double().sum(dim=(1, 2, 3)),                       # [1+P] fp64
        pre + "adapters.out": glob.half(),                                                  # fp16: size
        pre + "local.tokens": local,
        pre + "selector.scores": scores,
        pre + "selector.kept": kept,
        pre + "splice.inputs_embeds": embeds.half(),                                        # fp16: size
        pre + "llm.logits.0": logits,
        pre + "greedy": greedy,
    })
    if store_features:
        golden[pre + "vision.features"] = feats.half()                                     # fp16: size
    golden[pre + "vision.features.sum"] = feats.double().sum(dim=(1, 2))                  # [1+P] fp64, fp32 values
    text_len = len(ids) - 1
    meta["samples"].append({
        "image": image_rel, "image_size_wh": list(image.size), "grid_cols_rows": [npw, nph], "crops": 1 + npw * nph,
        "input_ids": ids, "selector_softmax": softmax_mode, "tokenizer_model_max_length": max_len,
        "local_tokens": int(local.shape[0]), "kept": int(kept.numel()), "text_query_rows": text_len,
        "spliced_rows_before_truncation": n_full, "spliced_rows": int(embeds.shape[0]),
        "rows_cut": n_full - int(embeds.shape[0]),
        "vision_crops_fp16_sha256": hashlib.sha256(crops_bytes).hexdigest(),
        "vision_features_stored": "full (fp16)" if store_features else "per-crop sums only",
        "topp_margin": margin, "cosine_vs_F_cosine_similarity_max_err": cos_err,
        "gate0_mean_min_max": [round(float(v), 4) for v in (g0.mean(), g0.min(), g0.max())],
        "min_greedy_top2_gap": round(gap, 4), "greedy": greedy.tolist(),
    })
    fp32 = {"embeds": embeds, "logits": logits, "greedy": greedy, "crops": crops, "image_size": image.size,
            "ids": ids, "softmax": softmax_mode, "max_len": max_len}
    print(f"sample{k}: {image_rel} grid {npw}x{nph}, L={local.shape[0]}, K={kept.numel()} ({softmax_mode}), "
          f"rows {n_full}->{embeds.shape[0]}, top-p margin {margin:.2e}, greedy {greedy.tolist()} (gap {gap:.3f})")
    return fp32


def check_upstream(root, cfg, modules, weights, results):
    """Upstream SliME's own model on the same weights/inputs vs the fp32 goldens (printed, not stored)."""
    from slime_model_upstream import UpstreamSlime
    up = UpstreamSlime(root, cfg, modules[0], weights)
    for k, r in enumerate(results):
        embeds, logits, greedy = up.run(r["ids"], r["crops"], r["image_size"], r["softmax"], r["max_len"], NEW_TOKENS)
        rows = "same" if embeds.shape == r["embeds"].shape else f"{embeds.shape[0]} vs {r['embeds'].shape[0]}"
        emb_err = (embeds - r["embeds"]).abs().max().item() if rows == "same" else float("nan")
        print(f"upstream vs golden sample{k}: spliced rows {rows}, inputs_embeds max abs err {emb_err:.2e}, "
              f"last logits max abs err {(logits - r['logits']).abs().max().item():.2e}, "
              f"greedy {'equal' if torch.equal(greedy, r['greedy']) else f'DIFFERS {greedy.tolist()}'}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out", nargs="?", default=str(DEFAULT_OUT))
    ap.add_argument("--upstream", help="a yfzhang114/SliME checkout: also run its own model and print the deviations")
    args = ap.parse_args()
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(1)  # deterministic reductions, byte-identical re-runs
    torch.manual_seed(SEED)
    gen = torch.Generator().manual_seed(SEED)
    cfg = config_json()
    modules = build_modules(cfg, gen)

    (out_dir / "config.json").write_text(json.dumps(cfg, indent=2) + "\n")
    weights = tiny_weights.fp16_state(state_dict(*modules))
    tiny_weights.save_model(weights, out_dir / "model.safetensors")

    golden, meta = {}, {"image_id": IMAGE_ID, "seperator": SEPERATOR, "new_tokens": NEW_TOKENS, "samples": []}
    results = [run_sample(k, sample, modules, golden, meta) for k, sample in enumerate(SAMPLES)]
    versions = {"torch": torch.__version__, "transformers": transformers.__version__,
                "safetensors": safetensors.__version__, "numpy": np.__version__,
                "pillow": Image.__version__, "seed": SEED}
    meta["versions"] = versions
    tiny_weights.save_golden(golden, out_dir / "golden.safetensors",
                             f"scripts/reference/gen_slime_model_golden.py seed={SEED} "
                             f"transformers={transformers.__version__} torch={torch.__version__}")
    (out_dir / "golden.json").write_text(json.dumps(meta, indent=1) + "\n")
    print("versions:", json.dumps(versions))
    if args.upstream:
        check_upstream(args.upstream, cfg, modules, weights, results)


if __name__ == "__main__":
    main()
