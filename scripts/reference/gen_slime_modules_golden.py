#!/usr/bin/env python3
"""Tiny-dimension goldens for SliME's own modules (tests/unit/model/test_slime_modules.cpp).

Writes OUT (default tests/data/slime_modules/):
  weights_gated.safetensors  model.mm_projector.* of a gated projector (incl. the training-only
                             w_noise/mean/std) + model.sampler.post_qformer.*, upstream key names;
  weights_mlp.safetensors    model.mm_projector.{0,2}.* (plain mlp2x_gelu) + model.sampler.post_qformer.*;
  golden.safetensors         inputs, every intermediate (C++ dump names) and outputs, see SOURCE.md.

`--upstream DIR` (a yfzhang114/SliME checkout) also runs upstream's own Resampler, GatedBlock and
the spatial view/permute on the same weights and prints their max deviation from the goldens.

Dimensions: vision width E=64, 8 heads, LLM width D=128, a 6x6 CLIP grid (36 tokens per view),
global expert R36 (grid 6, the stand-in for R576), local compressor Nq=9 (grid 3, upsampled key
table 3->6 like 12->24), crop grids 3x1 (case_a) and 2x2 (case_b); plus a standalone resampler
with Nq=16 on 36 keys (odd.*, a non-integer 4->6 resize). Everything fp32.
"""
import argparse
import math
import os
import sys
from pathlib import Path

HERE = os.path.dirname(os.path.abspath(__file__))
from ref_venv import VENV, reexec_in  # noqa: E402

reexec_in(VENV, __file__)
import torch  # noqa: E402
from safetensors.torch import save_file  # noqa: E402

sys.path.insert(0, HERE)
import slime_modules_ref as ref  # noqa: E402

E, HEADS, D = 64, 8, 128
VIEW_GRID = 6            # tokens per CLIP view = 36
GLOBAL_GRID = VIEW_GRID  # upstream R576 has exactly as many queries as CLIP tokens
LOCAL_GRID = 3           # sqrt(mm_resampler_dim)
ODD_GRID = 4
SEED = 20240602


def resampler_weights(gen, grid):
    """Random but well-conditioned: queries of std 1 so attention is far from uniform."""
    nq = grid * grid
    return {
        "query": torch.randn(nq, E, generator=gen),
        "pos_embed": ref.sincos_table(E, grid),
        "attn.in_proj_weight": torch.randn(3 * E, E, generator=gen) / math.sqrt(E),
        "attn.in_proj_bias": torch.randn(3 * E, generator=gen) * 0.1,
        "attn.out_proj.weight": torch.randn(E, E, generator=gen) / math.sqrt(E),
        "attn.out_proj.bias": torch.randn(E, generator=gen) * 0.1,
        **{f"{ln}.weight": 1 + 0.1 * torch.randn(E, generator=gen) for ln in ("ln_q", "ln_kv", "ln_post")},
        **{f"{ln}.bias": 0.1 * torch.randn(E, generator=gen) for ln in ("ln_q", "ln_kv", "ln_post")},
    }


def mlp_weights(gen, prefix):
    return {
        prefix + "0.weight": torch.randn(D, E, generator=gen) / math.sqrt(E),
        prefix + "0.bias": 0.1 * torch.randn(D, generator=gen),
        prefix + "2.weight": torch.randn(D, D, generator=gen) / math.sqrt(D),
        prefix + "2.bias": 0.1 * torch.randn(D, generator=gen),
    }


def prefixed(prefix, w):
    return {prefix + k: v.contiguous() for k, v in w.items()}


def check_against_torch_mha(x, w, grid):
    """Cross-check the hand-written attention against nn.MultiheadAttention called as upstream does
    (sequence-first, query repeated per crop, need_weights=True)."""
    mha = torch.nn.MultiheadAttention(E, HEADS)
    with torch.no_grad():
        mha.in_proj_weight.copy_(w["attn.in_proj_weight"])
        mha.in_proj_bias.copy_(w["attn.in_proj_bias"])
        mha.out_proj.weight.copy_(w["attn.out_proj.weight"])
        mha.out_proj.bias.copy_(w["attn.out_proj.bias"])
        dumps = {}
        ref.resampler(x, w, HEADS, "r", dumps)
        q = dumps["r.query_in"][:, None].repeat(1, x.shape[0], 1)
        out = mha(q, dumps["r.key_in"].permute(1, 0, 2), dumps["r.kv"].permute(1, 0, 2))[0].permute(1, 0, 2)
    err = (out - dumps["r.attn_out"]).abs().max().item()
    assert err < 1e-5, f"hand-written attention differs from nn.MultiheadAttention by {err}"
    return err


def load_upstream(root):
    """Imports upstream sampler.py and projector builder.py by path, with stub packages instead of
    llava/__init__.py (which pulls in the whole LLM stack)."""
    import importlib.util
    import types
    for pkg in ("llava", "llava.model", "llava.model.multimodal_resampler", "llava.model.multimodal_projector"):
        sys.modules.setdefault(pkg, types.ModuleType(pkg))
    moe = types.ModuleType("llava.model.multimodal_projector.moe")
    moe.SparseDispatcher = None  # imported by builder.py, unused by GatedBlock
    sys.modules[moe.__name__] = moe
    mods = {}
    for name, rel in (("llava.model.multimodal_resampler.sampler", "llava/model/multimodal_resampler/sampler.py"),
                      ("llava.model.multimodal_projector.builder", "llava/model/multimodal_projector/builder.py")):
        spec = importlib.util.spec_from_file_location(name, Path(root) / rel)
        mods[name] = sys.modules[name] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mods[name])
    return mods["llava.model.multimodal_resampler.sampler"], mods["llava.model.multimodal_projector.builder"]


def check_upstream(root, golden, gated, sampler, plain, odd):
    """Max |upstream - golden| per rung; upstream modules run in fp32 except what they pin."""
    up_sampler, up_builder = load_upstream(root)
    import types

    def load(module, w):
        missing, unexpected = module.load_state_dict(w, strict=False)
        assert not missing and not [k for k in unexpected if k not in ("mean", "std")], (missing, unexpected)
        return module.eval()

    errs = {}
    with torch.no_grad():
        r = load(up_sampler.Resampler(grid_size=LOCAL_GRID, embed_dim=E, num_heads=HEADS, kv_dim=E), sampler)
        errs["compressor.out"] = r(golden["case_b.in"]) - golden["case_b.spatial.compressor.out"]
        r4 = load(up_sampler.Resampler(grid_size=ODD_GRID, embed_dim=E, num_heads=HEADS, kv_dim=E), odd)
        errs["odd.out"] = r4(golden["case_b.in"]) - golden["odd.out"]
        # GatedBlock hard-codes 576 tokens and mm_hidden_size // 128 heads: shrink both for E = 64.
        real = up_builder.Resampler
        up_builder.Resampler = lambda **kw: real(**{**kw, "num_heads": HEADS, "grid_size": GLOBAL_GRID})
        for mode, label in ((-1, "gated"), (0, "gated0"), (1, "gated1")):
            block = up_builder.GatedBlock(types.SimpleNamespace(mm_hidden_size=E, hidden_size=D, mm_learnable_gated=mode))
            block.target_sequence_length = GLOBAL_GRID ** 2
            block.w_gate.data = block.w_gate.data.float()  # created bf16 upstream; the golden gate is fp32
            load(block, gated)
            errs[f"{label}.adapters.out"] = block(golden["global.in"]) - golden[f"{label}.adapters.out"]
        up_builder.Resampler = real
        projected = golden["case_b.spatial.local.projected"]
        errs["spatial view/permute"] = (projected.view(2, 2, LOCAL_GRID, LOCAL_GRID, -1).permute(0, 2, 1, 3, 4)
                                        .flatten(0, 3) - golden["case_b.spatial.local.tokens"])
        seq = torch.nn.Sequential(torch.nn.Linear(E, D), torch.nn.GELU(), torch.nn.Linear(D, D))
        errs["mlp.adapters.out"] = load(seq, plain)(golden["global.in"]) - golden["mlp.adapters.out"]
        sin = torch.from_numpy(up_sampler.get_2d_sincos_pos_embed(E, 6)).to(torch.float16).float()
        errs["sincos.e64.g6"] = sin - golden["sincos.e64.g6"]
    for name, diff in errs.items():
        print(f"upstream vs golden {name:24s} max abs err {diff.abs().max().item():.2e}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out", nargs="?", default=os.path.join(HERE, "../../tests/data/slime_modules"))
    ap.add_argument("--upstream", help="a yfzhang114/SliME checkout to cross-check against")
    args = ap.parse_args()
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(SEED)
    gen = torch.Generator().manual_seed(SEED)

    global_attn = resampler_weights(gen, GLOBAL_GRID)
    gated = {"w_gate": 0.3 * torch.randn(E, 2, generator=gen), "w_noise": torch.zeros(E, 2),
             "mean": torch.zeros(1), "std": torch.ones(1),
             **mlp_weights(gen, "projection."), **prefixed("attn.", global_attn)}
    sampler = resampler_weights(gen, LOCAL_GRID)
    plain = mlp_weights(gen, "")
    odd = resampler_weights(gen, ODD_GRID)

    save_file({**prefixed("model.mm_projector.", gated), **prefixed("model.sampler.post_qformer.", sampler)},
              str(out_dir / "weights_gated.safetensors"))
    save_file({**prefixed("model.mm_projector.", plain), **prefixed("model.sampler.post_qformer.", sampler)},
              str(out_dir / "weights_mlp.safetensors"))

    golden = {}
    cases = {"case_a": (3, 1), "case_b": (2, 2)}
    feats = {name: torch.randn(1 + npw * nph, VIEW_GRID ** 2, E, generator=gen) for name, (npw, nph) in cases.items()}
    x_global = feats["case_b"][0]  # [36, E]
    golden["global.in"] = x_global
    golden["sincos.e64.g6"] = ref.sincos_table(E, 6)
    golden["sincos.e64.g3"] = ref.sincos_table(E, 3)

    with torch.no_grad():
        for label, kind, mode, w in [("gated", "gated", -1, gated), ("gated0", "gated", 0, gated),
                                     ("gated1", "gated", 1, gated), ("mlp", "mlp2x_gelu", -1, plain)]:
            _, dumps = ref.projector_global(x_global, w, kind, mode, HEADS)
            keep = dumps if label == "gated" else {"adapters.out": dumps["adapters.out"]}  # size: no duplicates
            golden.update({f"{label}.{k}": v for k, v in keep.items()})

        for name, (npw, nph) in cases.items():
            golden[f"{name}.in"] = feats[name][1:]
            golden[f"{name}.grid"] = torch.tensor([npw, nph], dtype=torch.int64)
            for merge in ("spatial", "flat"):
                _, dumps = ref.local_branch(feats[name][1:], npw, nph, sampler, gated, "projection.", HEADS, merge)
                keep = dumps if (name == "case_b" and merge == "spatial") else {"local.tokens": dumps["local.tokens"]}
                golden.update({f"{name}.{merge}.{k}": v for k, v in keep.items()})
            _, dumps = ref.local_branch(feats[name][1:], npw, nph, sampler, plain, "", HEADS, "spatial")
            golden[f"{name}.mlp.local.tokens"] = dumps["local.tokens"]

        dumps = {}
        ref.resampler(feats["case_b"][1:], odd, HEADS, "odd", dumps)
        golden.update(dumps)
        golden.update(prefixed("odd.weights.", odd))

        errs = [check_against_torch_mha(feats["case_b"][1:], sampler, LOCAL_GRID),
                check_against_torch_mha(x_global[None], global_attn, GLOBAL_GRID),
                check_against_torch_mha(feats["case_b"][1:], odd, ODD_GRID)]

    save_file({k: v.contiguous() for k, v in golden.items()}, str(out_dir / "golden.safetensors"),
              # One key: safetensors writes metadata from a hash map, so several keys would make the
              # header order (and the file's bytes) vary between runs.
              metadata={"source": f"scripts/reference/gen_slime_modules_golden.py seed={SEED} torch={torch.__version__}"})
    print(f"wrote {out_dir} ({len(golden)} golden tensors); torch MHA cross-check max err {max(errs):.2e}")
    if args.upstream:
        check_upstream(args.upstream, golden, gated, sampler, plain, odd)


if __name__ == "__main__":
    main()
