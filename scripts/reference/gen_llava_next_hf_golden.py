#!/usr/bin/env python3
"""Whole-model parity goldens for HF LLaVA-NeXT (`LlavaNextForConditionalGeneration`, transformers 4.40.2).

Writes OUT (default tests/data/llava_next_hf/):
  config.json, model.safetensors  `save_pretrained(safe_serialization=True)` of a tiny random model
                                  (HF keys, incl. `image_newline`), fp16;
  golden.safetensors              per sample k: input_ids, pixel_values [1+P, 3, 56, 56], image_sizes [2]
                                  (height, width), image_features (base view, then the unpadded grid
                                  with one image_newline per row), logits, greedy;
  golden.json                     per sample: image, prompt ids, best resolution, grid, unpad result.

The LLM / vision tower are those of gen_llava_hf_golden.py; image_grid_pinpoints are LLaVA-NeXT's
in units of the tiny crop S = 56. Weights as there: N(0, 0.15^2), norms 1 + N(0, 0.2^2), fp16-rounded,
stored fp16, reference run in fp32 (transformers 4.40.2 on torch 1.13 CPU, eager attention, one thread).
"""
import json
import os
import sys
from pathlib import Path

HERE = os.path.dirname(os.path.abspath(__file__))
from ref_venv import NEXT_VENV, reexec_in  # noqa: E402

reexec_in(NEXT_VENV, __file__)
sys.path.insert(0, HERE)
import safetensors  # noqa: E402
import torch  # noqa: E402
import transformers  # noqa: E402
from PIL import Image  # noqa: E402
from transformers import (CLIPVisionConfig, LlamaConfig, LlavaNextConfig,  # noqa: E402
                          LlavaNextForConditionalGeneration, LlavaNextImageProcessor)
from transformers.image_processing_utils import select_best_resolution  # noqa: E402

import tiny_weights  # noqa: E402

SEED = 20241128
NEW_TOKENS = 8
IMAGE_TOKEN = 511
CROP = 56
GRID = CROP // 14  # CLIP patches per side of one view
PINPOINTS = [[56, 112], [112, 56], [112, 112], [168, 56], [56, 168]]  # (height, width), HF order
# The cross-check runs the same fp32 ops on the same inputs (only the batch of the projector differs).
CROSS_CHECK_TOL = 1e-6
REPO = Path(HERE).parents[1]
DEFAULT_OUT = REPO / "tests" / "data" / "llava_next_hf"
EDGE_IMAGE = "tests/data/llava_next_hf/synth_188x47.png"
SAMPLES = [
    # wide 4:3 -> 112x112 canvas (2x2 crops), unpad removes feature rows
    ("tests/data/image/inputs/synth_800x600.png", [1, 5, 9, IMAGE_TOKEN, 13, 300, 42]),
    # tall 1:5 -> 168x56 (3 rows x 1 column), unpad removes feature columns
    ("tests/data/image/inputs/synth_200x1000.png", [1, 77, IMAGE_TOKEN, 250, 8, 499, 3, 120, 64]),
    # wide 5:1 -> 56x168 (1 row x 3 columns), unpad removes feature rows
    ("tests/data/image/inputs/synth_1000x200.png", [1, 400, 401, 402, IMAGE_TOKEN, 17]),
    # 188x47 (written by this script): 4.40 unpads with torch tensors (image_sizes from the processor),
    # i.e. in float32: int(47 * (12 / 188)) = int(3.0000002) = 3 keeps all 4 feature rows, where
    # double arithmetic gives 2.9999999999999996 -> 2 and cuts one row top and bottom.
    (EDGE_IMAGE, [1, 90, IMAGE_TOKEN, 91, 92]),
]


def tiny_config():
    vision = CLIPVisionConfig(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
                              image_size=CROP, patch_size=14, hidden_act="quick_gelu")
    text = LlamaConfig(hidden_size=64, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                       intermediate_size=160, vocab_size=512, max_position_embeddings=2048, rms_norm_eps=1e-6,
                       rope_theta=10000.0, tie_word_embeddings=False, bos_token_id=1, eos_token_id=2,
                       pad_token_id=0)
    return LlavaNextConfig(vision_config=vision, text_config=text, image_token_index=IMAGE_TOKEN,
                           vision_feature_layer=-2, vision_feature_select_strategy="default",
                           projector_hidden_act="gelu", image_grid_pinpoints=PINPOINTS, pad_token_id=0,
                           vocab_size=512)


def image_features(model, pixel_values, image_size):
    """What 4.40 merges in place of the image token, captured from the model's own forward: the
    projected features go through _merge_input_ids_with_image_features([1, N, D], ...)."""
    captured = {}
    real = model._merge_input_ids_with_image_features

    def spy(feats, *args, **kwargs):
        captured["features"] = feats
        return real(feats, *args, **kwargs)

    model._merge_input_ids_with_image_features = spy
    try:
        ids = torch.tensor([[1, IMAGE_TOKEN]])
        model(input_ids=ids, pixel_values=pixel_values[None], image_sizes=image_size[None],
              attention_mask=torch.ones_like(ids))
    finally:
        del model._merge_input_ids_with_image_features
    assert captured["features"].shape[0] == 1
    return captured["features"][0]


def write_edge_image(path):
    """A smooth 188x47 RGB gradient with a few sharp bars (deterministic, a 5 KB PNG)."""
    import numpy as np
    y, x = np.mgrid[0:47, 0:188].astype(np.float64)
    rgb = np.stack([255 * x / 187, 255 * y / 46, 128 + 100 * np.sin(x / 9.0 + y / 5.0)], axis=-1)
    rgb[:, 60:64] = [250, 20, 20]
    rgb[20:24, :] = [20, 20, 250]
    Image.fromarray(np.clip(np.rint(rgb), 0, 255).astype(np.uint8), "RGB").save(path, optimize=False)


def unpad_window(grid_h, grid_w, height, width):
    """4.40 unpad_image on a [grid_h, grid_w] feature grid -> (first row, rows, first col, cols, cut axis).
    HEIGHT / WIDTH as 0-d tensors reproduce 4.40's float32 arithmetic; Python ints give double."""
    if width / height > grid_w / grid_h:
        new_h = int(height * (grid_w / width))
        pad = (grid_h - new_h) // 2
        return pad, grid_h - 2 * pad, 0, grid_w, "rows" if pad else "none"
    new_w = int(width * (grid_h / height))
    pad = (grid_w - new_w) // 2
    return 0, grid_h, pad, grid_w - 2 * pad, "columns" if pad else "none"


def packed_by_index(model, pixel_values, nph, npw, window):
    """Independent re-derivation of the packed features (cross-check of the captured ones): CLIP layer
    -2 without CLS, projector, then feature-grid cell (y, x) = crop (y // G) * npw + x // G, token
    (y % G) * G + x % G; the unpad window; image_newline after every kept row; base view first."""
    hs = model.vision_tower(pixel_values, output_hidden_states=True).hidden_states[model.config.vision_feature_layer]
    f = model.multi_modal_projector(hs[:, 1:])  # [1+P, G*G, D]
    y0, rows, x0, cols, _ = window
    out = [f[0]]
    for y in range(y0, y0 + rows):
        for x in range(x0, x0 + cols):
            out.append(f[1 + (y // GRID) * npw + x // GRID, (y % GRID) * GRID + x % GRID][None])
        out.append(model.image_newline[None])
    return torch.cat(out)


def main():
    out_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUT
    out_dir.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(1)  # deterministic reductions, byte-identical re-runs
    torch.manual_seed(SEED)
    gen = torch.Generator().manual_seed(SEED)
    config = tiny_config()
    model = tiny_weights.random_hf_model(LlavaNextForConditionalGeneration, config, gen, out_dir)

    write_edge_image(out_dir / Path(EDGE_IMAGE).name)
    processor = LlavaNextImageProcessor(size={"shortest_edge": CROP}, crop_size={"height": CROP, "width": CROP},
                                        image_grid_pinpoints=PINPOINTS)
    golden, meta = {}, {"image_token_index": IMAGE_TOKEN, "new_tokens": NEW_TOKENS,
                        "image_grid_pinpoints_hw": PINPOINTS, "samples": []}
    for k, (image_rel, ids) in enumerate(SAMPLES):
        path = out_dir / Path(image_rel).name if image_rel == EDGE_IMAGE else REPO / image_rel
        image = Image.open(path).convert("RGB")
        proc = processor(images=image, return_tensors="pt")
        pixel_values, image_sizes = proc["pixel_values"][0], proc["image_sizes"][0]  # [1+P, 3, 56, 56], [2]
        input_ids = torch.tensor([ids])
        with torch.no_grad():
            feats = image_features(model, pixel_values, image_sizes)
            out = model(input_ids=input_ids, pixel_values=pixel_values[None], image_sizes=image_sizes[None],
                        attention_mask=torch.ones_like(input_ids))
            logits = out.logits[0].float()
            gen_out = model.generate(input_ids=input_ids, pixel_values=pixel_values[None],
                                     image_sizes=image_sizes[None], attention_mask=torch.ones_like(input_ids),
                                     do_sample=False, max_new_tokens=NEW_TOKENS, min_new_tokens=NEW_TOKENS,
                                     eos_token_id=None, pad_token_id=0, num_beams=1, output_scores=True,
                                     return_dict_in_generate=True)
        greedy = gen_out.sequences[0, input_ids.shape[1]:]
        assert greedy.shape[0] == NEW_TOKENS, gen_out.shape
        n = feats.shape[0]
        assert logits.shape[0] == len(ids) - 1 + n, (logits.shape, len(ids), n)
        assert int(logits[-1].argmax()) == int(greedy[0]), (logits[-1].argmax(), greedy[0])

        height, width = (int(v) for v in image_sizes)
        best_h, best_w = select_best_resolution((height, width), PINPOINTS)
        nph, npw = best_h // CROP, best_w // CROP
        assert pixel_values.shape[0] == 1 + nph * npw, (pixel_values.shape, nph, npw)
        window = unpad_window(nph * GRID, npw * GRID, image_sizes[0], image_sizes[1])
        window64 = unpad_window(nph * GRID, npw * GRID, height, width)
        _, rows, _, cols, cut = window
        assert n == GRID * GRID + rows * (cols + 1), (n, rows, cols)
        with torch.no_grad():
            cross = (packed_by_index(model, pixel_values, nph, npw, window) - feats).abs().max().item()
        assert cross < CROSS_CHECK_TOL, f"sample{k}: packed features differ from the index formula by {cross}"
        golden.update({f"sample{k}.input_ids": input_ids[0], f"sample{k}.pixel_values": pixel_values.float(),
                       f"sample{k}.image_sizes": image_sizes.to(torch.int64),
                       f"sample{k}.image_features": feats.float(), f"sample{k}.logits": logits,
                       f"sample{k}.greedy": greedy})
        meta["samples"].append({
            "image": image_rel, "image_size_wh": list(image.size), "image_sizes_hw": [height, width],
            "input_ids": ids, "image_token_position": ids.index(IMAGE_TOKEN), "best_resolution_hw": [best_h, best_w],
            "crops_rows_cols": [nph, npw], "feature_grid_rows_cols": [nph * GRID, npw * GRID],
            "unpadded_rows_cols": [rows, cols], "unpad_cut": cut,
            "unpadded_rows_cols_if_float64": [window64[1], window64[3]],
            "num_image_features": n, "merged_length": logits.shape[0], "greedy": greedy.tolist(),
            "min_greedy_top2_gap": round(tiny_weights.min_greedy_gap(gen_out.scores), 4), "index_formula_max_err": cross})
        print(f"sample{k}: {image_rel} {height}x{width} (h x w) -> {best_h}x{best_w}, crops {nph}x{npw}, "
              f"grid {nph * GRID}x{npw * GRID} -> unpad {rows}x{cols} ({cut}), N={n}, L'={logits.shape[0]}, "
              f"greedy {greedy.tolist()}, index-formula err {cross:.1e}")

    versions = {"torch": torch.__version__, "transformers": transformers.__version__,
                "safetensors": safetensors.__version__, "seed": SEED}
    meta["versions"] = versions
    tiny_weights.save_golden(golden, out_dir / "golden.safetensors",
                             f"scripts/reference/gen_llava_next_hf_golden.py seed={SEED} "
                             f"transformers={transformers.__version__} torch={torch.__version__}")
    (out_dir / "golden.json").write_text(json.dumps(meta, indent=1) + "\n")
    print("versions:", json.dumps(versions))


if __name__ == "__main__":
    main()
