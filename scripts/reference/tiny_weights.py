"""Shared by the whole-model golden generators (gen_{llava_hf,llava_next_hf,slime_model}_golden.py):
random weights that give decisive logits, rounded through fp16, and deterministic safetensors writes.

Import only after the caller has re-exec'ed into its venv (needs torch + safetensors).
"""
import torch
from safetensors.torch import save_file

MATRIX_STD = 0.15  # HF's init std 0.02 gives near-flat logits whose argmax is rounding noise
NORM_STD = 0.2     # norm weights 1 + N(0, 0.2^2): a missing "* weight" shows in the output


def is_norm_weight(name, p):
    """1-D weights of LayerNorm / RMSNorm (HF names: *norm*.weight, *layrnorm.weight, layer_norm*)."""
    return p.dim() == 1 and name.endswith(".weight") and ("norm" in name or "layrnorm" in name or "ln_" in name)


def randomise_(named_params, gen, skip=()):
    """In place: N(0, MATRIX_STD^2) for matrices / embeddings / biases, 1 + N(0, NORM_STD^2) for norm
    weights, every value rounded through fp16 so a loader that reads the stored fp16 and widens it
    to fp32 sees exactly what the fp32 reference ran with. Names in SKIP are left as they are.
    Parameters are visited in the given order, so the same order gives the same values."""
    with torch.no_grad():
        for name, p in named_params:
            if name in skip:
                continue
            if is_norm_weight(name, p):
                p.copy_(1 + NORM_STD * torch.randn(p.shape, generator=gen))
            else:
                p.copy_(MATRIX_STD * torch.randn(p.shape, generator=gen))
            p.copy_(p.half().float())


def fp16_state(state):
    """The fp16 copy written to model.safetensors (exact: every value is already fp16-representable)."""
    out = {}
    for k, v in state.items():
        if v.is_floating_point():
            h = v.half()
            assert torch.equal(h.float(), v.float()), f"{k}: not fp16-representable"
            out[k] = h.contiguous()
        else:
            out[k] = v.contiguous()
    return out


def save_model(weights, path):
    """model.safetensors as save_pretrained writes it: metadata {"format": "pt"}, which HF's
    from_pretrained requires."""
    save_file({k: v.contiguous() for k, v in weights.items()}, str(path), metadata={"format": "pt"})


def save_golden(tensors, path, source):
    """One metadata key only: safetensors writes metadata from a hash map, so several keys would
    make the header order (and the file's bytes) vary between runs."""
    save_file({k: v.contiguous() for k, v in tensors.items()}, str(path), metadata={"source": source})


def random_hf_model(model_cls, config, gen, out_dir):
    """A randomised MODEL_CLS(config) in eval mode (the fp32 reference), and its fp16-rounded copy
    written by save_pretrained: HF's own key names and config.json."""
    model = model_cls(config).eval()
    assert model.language_model.config._attn_implementation == "eager"
    randomise_(model.named_parameters(), gen)
    state = {k: v.clone() for k, v in model.state_dict().items()}
    half = model_cls(config)
    half.load_state_dict(fp16_state(state))
    half.half().save_pretrained(out_dir, safe_serialization=True)
    return model


def min_greedy_gap(scores):
    """Smallest top-1 minus top-2 logit over the greedy steps: how robust the golden tokens are."""
    return min(float(s[0].topk(2).values[0] - s[0].topk(2).values[1]) for s in scores)
