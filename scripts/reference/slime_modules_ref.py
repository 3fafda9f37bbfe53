"""Independent PyTorch reference for SliME's own modules, written from docs/model.md §4-§6.

Functions take a plain dict of weights keyed like the upstream state dict (below a prefix) and
return (output, dumps) where dumps maps the C++ dump names (engine/model/*.h) to tensors.

Ambiguities resolved by reading yfzhang114/SliME@5c89ec9 (sampler.py, builder.py, llava_arch.py):
  - key positions: F.interpolate(bicubic, align_corners=False) of the [1, E, G, G] table to the
    sqrt(S) x sqrt(S) key grid, in fp32, cast back to the fp16 of upstream's pos_embed Parameter
    (get_abs_pos) even in fp32 runs; query side un-resized;
  - MHA: packed rows [Wq; Wk; Wv], heads = contiguous column blocks, q * sqrt(1/head_dim) before
    Q.K^T (torch 2.x need_weights path), value = ln_kv(x) without positions;
  - kv_proj / proj are Identity; LayerNorm eps 1e-6 everywhere;
  - gate: eval-only (no noise), top-2 of 2 = dense renormalisation p / (p0 + p1 + 1e-6);
  - mlp2x_gelu GELU is exact erf; the local branch reuses the projector's MLP (projection.* for
    gated, 0./2. for plain mlp2x_gelu);
  - spatial order: view [nph, npw, g, g, D], permute (0, 2, 1, 3, 4), flatten.
"""
import math

import numpy as np
import torch
import torch.nn.functional as F

LN_EPS = 1e-6
GATE_EPS = 1e-6


def sincos_table(embed_dim, grid):
    """§5: token m = h*G + w; [sin(w w_j), cos(w w_j), sin(h w_j), cos(h w_j)], w_j = 1e4^(-j/(E/4)).

    float32 numpy like upstream, then rounded to fp16 (upstream stores the Parameter as fp16)."""
    quarter = embed_dim // 4
    omega = (1.0 / np.float32(10000.0) ** (np.arange(quarter, dtype=np.float32) / np.float32(quarter))).astype(np.float32)
    hh, ww = np.divmod(np.arange(grid * grid), grid)
    aw = ww.astype(np.float32)[:, None] * omega[None]
    ah = hh.astype(np.float32)[:, None] * omega[None]
    table = np.concatenate([np.sin(aw), np.cos(aw), np.sin(ah), np.cos(ah)], axis=1).astype(np.float32)
    return torch.from_numpy(table).to(torch.float16).to(torch.float32)


def resize_table(table, side):
    grid = int(round(math.sqrt(table.shape[0])))
    x = table.float().reshape(1, grid, grid, -1).permute(0, 3, 1, 2)
    y = F.interpolate(x, size=(side, side), mode="bicubic", align_corners=False)
    # Upstream casts back to pos_embed's dtype, and that Parameter is created fp16: the resized key
    # table is fp16-rounded even when everything else runs in fp32.
    return y.permute(0, 2, 3, 1).reshape(side * side, -1).to(torch.float16).to(table.dtype)


def layer_norm(x, w, prefix):
    return F.layer_norm(x, (x.shape[-1],), w[prefix + ".weight"], w[prefix + ".bias"], LN_EPS)


def resampler(x, w, num_heads, name, dumps):
    """x [N, S, E] or [S, E]; w holds query, pos_embed, attn.*, ln_* (upstream names)."""
    squeeze = x.dim() == 2
    if squeeze:
        x = x[None]
    n, s, e = x.shape
    side = int(round(math.sqrt(s)))
    assert side * side == s
    pos_k = resize_table(w["pos_embed"], side)
    kv = layer_norm(x, w, "ln_kv")
    query_in = layer_norm(w["query"], w, "ln_q") + w["pos_embed"]
    key_in = kv + pos_k
    wq, wk, wv = w["attn.in_proj_weight"].chunk(3)
    bq, bk, bv = w["attn.in_proj_bias"].chunk(3)
    q = query_in[None].expand(n, -1, -1) @ wq.T + bq
    k = key_in @ wk.T + bk
    v = kv @ wv.T + bv
    hd = e // num_heads

    def heads(t):
        return t.reshape(n, t.shape[1], num_heads, hd).transpose(1, 2)

    weights = torch.softmax((heads(q) * math.sqrt(1.0 / hd)) @ heads(k).transpose(-2, -1), dim=-1)
    context = (weights @ heads(v)).transpose(1, 2).reshape(n, -1, e)
    attn_out = context @ w["attn.out_proj.weight"].T + w["attn.out_proj.bias"]
    out = layer_norm(attn_out, w, "ln_post")
    for key, t in [("pos_k", pos_k), ("kv", kv), ("query_in", query_in), ("key_in", key_in), ("attn.q", q),
                   ("attn.k", k), ("attn.v", v), ("attn.weights", weights), ("attn.context", context),
                   ("attn_out", attn_out), ("out", out)]:
        dumps[f"{name}.{key}"] = t
    return out[0] if squeeze else out


def mlp(x, w, prefix):
    h = F.gelu(x @ w[prefix + "0.weight"].T + w[prefix + "0.bias"])
    return h @ w[prefix + "2.weight"].T + w[prefix + "2.bias"]


def sub(w, prefix):
    return {k[len(prefix):]: v for k, v in w.items() if k.startswith(prefix)}


def projector_global(x, w, kind, learnable_gated, num_heads):
    """§4. w: model.mm_projector.* with the prefix stripped. Returns (out, dumps)."""
    dumps = {}
    if kind == "mlp2x_gelu":
        out = mlp(x, w, "")
        dumps["adapters.out"] = out
        return out, dumps
    e0 = mlp(x, w, "projection.")
    if learnable_gated == 0:
        dumps["adapters.out"] = e0
        return e0, dumps
    e1 = mlp(resampler(x, sub(w, "attn."), num_heads, "adapters.resampler", dumps), w, "projection.")
    if learnable_gated == 1:
        dumps["adapters.out"] = e1
        return e1, dumps
    logits = x @ w["w_gate"].to(x.dtype)
    p = torch.softmax(logits, dim=-1)
    gate = p / (p[..., 0:1] + p[..., 1:2] + GATE_EPS)
    out = gate[..., 0:1] * e0 + gate[..., 1:2] * e1
    dumps.update({"adapters.expert0": e0, "adapters.expert1": e1, "adapters.gate_logits": logits,
                  "adapters.gate": gate, "adapters.out": out})
    return out, dumps


def local_branch(crops, npw, nph, sampler_w, projector_w, mlp_prefix, num_heads, merge):
    """§6. crops [P, S, E] -> tokens [P*Nq, D]."""
    dumps = {}
    compressed = resampler(crops, sampler_w, num_heads, "compressor", dumps)
    projected = mlp(compressed, projector_w, mlp_prefix)
    p, nq, d = projected.shape
    g = int(round(math.sqrt(nq)))
    if merge == "spatial":
        # Written as the index formula of §6.3, not as upstream's view/permute.
        tokens = torch.empty(p * nq, d)
        for r in range(nph):
            for c in range(npw):
                for m in range(nq):
                    y, xx = divmod(m, g)
                    tokens[((r * g + y) * npw + c) * g + xx] = projected[r * npw + c, m]
    else:
        tokens = projected.reshape(p * nq, d)
    dumps["local.projected"] = projected
    dumps["local.tokens"] = tokens
    return tokens, dumps
