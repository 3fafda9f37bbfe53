#!/usr/bin/env python3
"""Parity goldens for the C++ Llama decoder and generation loop (tests/unit/model/test_llama.cpp).

For each rung (a tiny random LlamaConfig) writes OUT/<rung>/:
  config.json         the LlamaConfig (`to_json_file`)
  model.safetensors   `LlamaForCausalLM.state_dict()` (HF keys). Weights are rounded to fp16 and
                      stored as fp16 (size), but the reference runs in fp32 on the rounded values, so
                      an engine that loads them as fp32 sees exactly the reference's weights. A tied
                      rung omits lm_head.weight, as save_pretrained does.
  golden.safetensors  prompt.{i} [L_i] int64; logits.{i} [L_i, V] fp32 (every position, one forward
                      without cache); greedy.{i} [8] int64 (generate(do_sample=False,
                      max_new_tokens=8), no eos stop); batch.input_ids / batch.attention_mask [3, Lmax]
                      (left padding, pad id 0); batch.logits_last [3, V]; batch.greedy [3, 8]
The reference is HF transformers 4.37.2 LlamaForCausalLM (eager attention on torch 1.13) on CPU.
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
from transformers import LlamaConfig, LlamaForCausalLM  # noqa: E402

SEED = 20240901
NEW_TOKENS = 8
PROMPT_LENGTHS = (5, 11, 17)
DEFAULT_OUT = os.path.normpath(os.path.join(HERE, "..", "..", "tests", "data", "llama"))

# vicuna: Llama-2-like (theta 1e4, untied lm_head, eps 1e-6), GQA 4/2, 3 layers.
# llama3: Llama-3-like theta 5e5, tied embeddings, eps 1e-5, dynamic NTK scaling with a tiny
#         max_position_embeddings (16) so that greedy decoding past 16 tokens re-bases the rotary.
# linear: linear rope scaling ×4, multi-query attention (1 KV head for 4 heads), head dim 8.
RUNGS = {
    "vicuna": dict(hidden_size=64, intermediate_size=160, num_hidden_layers=3, num_attention_heads=4,
                   num_key_value_heads=2, vocab_size=512, rms_norm_eps=1e-6, rope_theta=10000.0,
                   max_position_embeddings=2048, tie_word_embeddings=False),
    "llama3": dict(hidden_size=64, intermediate_size=160, num_hidden_layers=2, num_attention_heads=4,
                   num_key_value_heads=2, vocab_size=300, rms_norm_eps=1e-5, rope_theta=500000.0,
                   max_position_embeddings=16, tie_word_embeddings=True,
                   rope_scaling={"type": "dynamic", "factor": 2.0}),
    "linear": dict(hidden_size=32, intermediate_size=80, num_hidden_layers=1, num_attention_heads=4,
                   num_key_value_heads=1, vocab_size=256, rms_norm_eps=1e-6, rope_theta=10000.0,
                   max_position_embeddings=64, tie_word_embeddings=False,
                   rope_scaling={"type": "linear", "factor": 4.0}),
}


def randomise(model, g):
    """HF init (std 0.02, norms at 1) gives near-flat logits whose argmax is decided by rounding
    noise; larger weights give clear greedy choices. Norm weights are random so a missing × weight
    shows. Every value is rounded through fp16 (see the module docstring)."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("norm.weight"):
                p.copy_(1 + 0.2 * torch.randn(p.shape, generator=g))
            else:
                p.copy_(0.15 * torch.randn(p.shape, generator=g))
            p.copy_(p.half().float())


def fresh(config, state):
    """A new model per reference call: 4.37's dynamic rotary grows its cos/sin cache and never shrinks
    it, so reusing one model would let an earlier, longer call change a later one."""
    model = LlamaForCausalLM(config).eval()
    model.load_state_dict(state)
    assert model.config._attn_implementation == "eager", model.config._attn_implementation
    return model


def greedy(config, state, input_ids, attention_mask):
    out = fresh(config, state).generate(input_ids=input_ids, attention_mask=attention_mask, do_sample=False,
                                        max_new_tokens=NEW_TOKENS, min_new_tokens=NEW_TOKENS,
                                        eos_token_id=None, pad_token_id=0, num_beams=1)
    new = out[:, input_ids.shape[1]:]
    assert new.shape[1] == NEW_TOKENS, new.shape
    return new.contiguous()


def make_rung(name, spec, out_dir):
    g = torch.Generator().manual_seed(SEED + len(name))
    torch.manual_seed(SEED)
    config = LlamaConfig(**spec, pad_token_id=0, bos_token_id=1, eos_token_id=2)
    model = LlamaForCausalLM(config).eval()
    randomise(model, g)
    state = {k: v.clone() for k, v in model.state_dict().items()}

    rung_dir = Path(out_dir) / name
    rung_dir.mkdir(parents=True, exist_ok=True)
    config.to_json_file(rung_dir / "config.json")
    weights = {k: v.half().contiguous() for k, v in state.items()}
    if config.tie_word_embeddings:
        del weights["lm_head.weight"]
    save_file(weights, rung_dir / "model.safetensors", metadata={"format": "pt"})

    golden = {}
    prompts = []
    for i, n in enumerate(PROMPT_LENGTHS):
        ids = torch.randint(3, config.vocab_size, (n,), generator=g)
        ids[0] = 1  # BOS, as the tokenizers add it
        prompts.append(ids)
        golden[f"prompt.{i}"] = ids
        with torch.no_grad():
            golden[f"logits.{i}"] = fresh(config, state)(input_ids=ids[None]).logits[0].float().contiguous()
        golden[f"greedy.{i}"] = greedy(config, state, ids[None], torch.ones(1, n, dtype=torch.long))[0]

    lmax = max(PROMPT_LENGTHS)
    input_ids = torch.zeros(len(prompts), lmax, dtype=torch.long)
    mask = torch.zeros(len(prompts), lmax, dtype=torch.long)
    for i, ids in enumerate(prompts):
        input_ids[i, lmax - len(ids):] = ids
        mask[i, lmax - len(ids):] = 1
    position_ids = (mask.cumsum(-1) - 1).masked_fill(mask == 0, 1)  # as generate() builds them
    with torch.no_grad():
        logits = fresh(config, state)(input_ids=input_ids, attention_mask=mask, position_ids=position_ids).logits
    golden["batch.input_ids"] = input_ids
    golden["batch.attention_mask"] = mask
    golden["batch.logits_last"] = logits[:, -1].float().contiguous()
    golden["batch.greedy"] = greedy(config, state, input_ids, mask)

    meta = {"torch": torch.__version__, "transformers": transformers.__version__,
            "safetensors": safetensors.__version__, "seed": str(SEED)}
    save_file(golden, rung_dir / "golden.safetensors", metadata=meta)
    print(f"{name}: {len(weights)} weight tensors, prompts {PROMPT_LENGTHS} -> {rung_dir}")
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
