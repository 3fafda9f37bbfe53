#!/usr/bin/env python3
"""Whole-model parity goldens for HF LLaVA-1.5 (`LlavaForConditionalGeneration`, transformers 4.37.2).

Writes OUT (default tests/data/llava_hf/):
  config.json, model.safetensors  `save_pretrained(safe_serialization=True)` of a tiny random model
                                  (HF layout and keys: language_model.model.*, language_model.lm_head.weight,
                                  vision_tower.vision_model.*, multi_modal_projector.linear_{1,2}.*), fp16;
  golden.safetensors              per sample k: input_ids, pixel_values, image_features, logits, greedy;
  golden.json                     per sample: image path, prompt ids, shapes, and the config summary.

Weights are N(0, 0.15^2) (norms 1 + N(0, 0.2^2)), rounded to fp16 and stored as fp16; the reference
runs in fp32 on the rounded values, so a loader that widens the stored fp16 sees exactly those.
The reference is transformers 4.37.2 on torch 1.13 CPU (eager attention), one thread.
"""
import json
import os
import sys
from pathlib import Path

HERE = os.path.dirname(os.path.abspath(__file__))
from ref_venv import VENV, reexec_in  # noqa: E402

reexec_in(VENV, __file__)
sys.path.insert(0, HERE)
import safetensors  # noqa: E402
import torch  # noqa: E402
import transformers  # noqa: E402
from PIL import Image  # noqa: E402
from transformers import (CLIPImageProcessor, CLIPVisionConfig, LlamaConfig, LlavaConfig,  # noqa: E402
                          LlavaForConditionalGeneration)

import tiny_weights  # noqa: E402

SEED = 20241127
NEW_TOKENS = 8
IMAGE_TOKEN = 511
CROP = 56
REPO = Path(HERE).parents[1]
DEFAULT_OUT = REPO / "tests" / "data" / "llava_hf"
# (image path relative to the repository root, prompt ids with BOS first and one image token)
SAMPLES = [
    ("tests/data/image/inputs/synth_800x600.png", [1, 5, 9, IMAGE_TOKEN, 13, 300, 42]),
    ("tests/data/image/inputs/synth_200x1000.png", [1, 77, IMAGE_TOKEN, 250, 8, 499, 3, 120, 64]),
]


def tiny_config():
    vision = CLIPVisionConfig(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
                              image_size=CROP, patch_size=14, hidden_act="quick_gelu")
    text = LlamaConfig(hidden_size=64, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                       intermediate_size=160, vocab_size=512, max_position_embeddings=2048, rms_norm_eps=1e-6,
                       rope_theta=10000.0, tie_word_embeddings=False, bos_token_id=1, eos_token_id=2,
                       pad_token_id=0)
    return LlavaConfig(vision_config=vision, text_config=text, image_token_index=IMAGE_TOKEN,
                       vision_feature_layer=-2, vision_feature_select_strategy="default",
                       projector_hidden_act="gelu", pad_token_id=0, vocab_size=512)


def image_features(model, pixel_values):
    """What 4.37 merges in place of the image token: hidden_states[-2] without CLS, projected."""
    hs = model.vision_tower(pixel_values, output_hidden_states=True).hidden_states[model.config.vision_feature_layer]
    return model.multi_modal_projector(hs[:, 1:])[0]  # [N, D]


def main():
    out_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUT
    out_dir.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(1)  # deterministic reductions, byte-identical re-runs
    torch.manual_seed(SEED)
    gen = torch.Generator().manual_seed(SEED)
    config = tiny_config()
    model = tiny_weights.random_hf_model(LlavaForConditionalGeneration, config, gen, out_dir)

    processor = CLIPImageProcessor(size={"shortest_edge": CROP}, crop_size={"height": CROP, "width": CROP})
    golden, meta = {}, {"image_token_index": IMAGE_TOKEN, "new_tokens": NEW_TOKENS, "samples": []}
    for k, (image_rel, ids) in enumerate(SAMPLES):
        image = Image.open(REPO / image_rel).convert("RGB")
        pixel_values = processor(images=image, return_tensors="pt")["pixel_values"]  # [1, 3, 56, 56]
        input_ids = torch.tensor([ids])
        with torch.no_grad():
            feats = image_features(model, pixel_values)
            out = model(input_ids=input_ids, pixel_values=pixel_values, attention_mask=torch.ones_like(input_ids))
            logits = out.logits[0].float()
            gen_out = model.generate(input_ids=input_ids, pixel_values=pixel_values,
                                     attention_mask=torch.ones_like(input_ids), do_sample=False,
                                     max_new_tokens=NEW_TOKENS, min_new_tokens=NEW_TOKENS, eos_token_id=None,
                                     pad_token_id=0, num_beams=1, output_scores=True,
                                     return_dict_in_generate=True)
        greedy = gen_out.sequences[0, input_ids.shape[1]:]
        assert greedy.shape[0] == NEW_TOKENS, gen_out.shape
        n = feats.shape[0]
        assert logits.shape[0] == len(ids) - 1 + n, (logits.shape, len(ids), n)
        # The greedy's first token must be the argmax of the last logits row (same forward).
        assert int(logits[-1].argmax()) == int(greedy[0]), (logits[-1].argmax(), greedy[0])
        golden.update({f"sample{k}.input_ids": input_ids[0], f"sample{k}.pixel_values": pixel_values.float(),
                       f"sample{k}.image_features": feats.float(), f"sample{k}.logits": logits,
                       f"sample{k}.greedy": greedy})
        meta["samples"].append({"image": image_rel, "image_size": list(image.size), "input_ids": ids,
                                "image_token_position": ids.index(IMAGE_TOKEN), "num_image_features": n,
                                "merged_length": logits.shape[0], "greedy": greedy.tolist(),
                                "min_greedy_top2_gap": round(tiny_weights.min_greedy_gap(gen_out.scores), 4)})
        print(f"sample{k}: {image_rel} ids {ids} -> N={n}, L'={logits.shape[0]}, greedy {greedy.tolist()}")

    versions = {"torch": torch.__version__, "transformers": transformers.__version__,
                "safetensors": safetensors.__version__, "seed": SEED}
    meta["versions"] = versions
    tiny_weights.save_golden(golden, out_dir / "golden.safetensors",
                             f"scripts/reference/gen_llava_hf_golden.py seed={SEED} "
                             f"transformers={transformers.__version__} torch={torch.__version__}")
    (out_dir / "golden.json").write_text(json.dumps(meta, indent=1) + "\n")
    print("versions:", json.dumps(versions))


if __name__ == "__main__":
    main()
