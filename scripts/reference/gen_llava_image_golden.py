#!/usr/bin/env python3
"""Goldens for engine/image/llava_preprocess (tests/unit/image/test_llava_preprocess.cpp).

The LLaVA-1.5 and LLaVA-NeXT image preprocessing, produced by transformers' own processors:
  - LLaVA-1.5: CLIPImageProcessor of transformers 4.37.2 (openai/clip-vit-large-patch14-336 settings
    with S in place of 336: shortest_edge S, bicubic, centre crop S x S, 1/255, OPENAI_CLIP mean/std),
    optionally after LLaVA's expand2square onto tuple(int(x * 255) for x in image_mean)
    (haotian-liu/LLaVA llava/mm_utils.py; re-stated below with Pillow, it is four lines);
  - LLaVA-NeXT: LlavaNextImageProcessor of transformers 4.40.2 (llava-hf/llava-v1.6 settings with S:
    shortest_edge S, crop_size S, the given image_grid_pinpoints);
  - the integer geometry of modeling_llava_next (4.40.2): select_best_resolution (processor),
    get_anyres_image_grid_shape and unpad_image, called directly.

This script runs in the 4.40.2 venv ($SLIME_REF_VENV-next). The CLIPImageProcessor pass runs again
in the 4.37.2 venv ($SLIME_REF_VENV) through a subprocess (`--clip-pass FILE`); the two must give
identical float32 arrays (asserted), the 4.37.2 ones are stored.

Writes under OUT (default tests/data/image_llava/):
  pixels.json   the pixel cases: input, processor, S, pad / pinpoints, output shape, HF's image_sizes,
                the chosen pinpoint and fitted size, and the CRC-32 (zlib) of the little-endian
                float32 bytes of the whole output and of its float16 cast (`torch.from_numpy(x).half()`)
  f32/*.f32     the whole float32 output [N, 3, S, S], raw little-endian, for the RAW_F32 cases
                (S = 56: LLaVA-1.5 on every input, LLaVA-NeXT on four)
  views/*.png   for the other cases: the N views as bytes, stacked vertically (N*S rows), i.e. the
                u8 value whose CLIP normalisation is HF's float32 (the script asserts that every
                float32 value is exactly normalise(u8) before writing); keeps the folder small
  geometry.json select_best_resolution, get_anyres_image_grid_shape and unpad_image on many sizes,
                _get_patch_output_size, all from transformers' functions

Inputs are tests/data/image/inputs/synth_*.png read with `Image.open(p).convert("RGB")`. Processors
are called with input_data_format="channels_last": transformers infers the channel axis from the
shape and takes an (H, W, 3) array with H = 1 or 3 as channels-first (the 1x1 input); the script
records per case whether the default inference agrees ("default_inference" in pixels.json).
Deterministic: fixed seeds and sizes.
"""
import argparse
import json
import os
import pickle
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from ref_venv import NEXT_VENV, VENV, reexec_in  # noqa: E402

reexec_in(VENV if "--clip-pass" in sys.argv else NEXT_VENV, __file__)

import numpy as np  # noqa: E402
import PIL  # noqa: E402
import torch  # noqa: E402
import transformers  # noqa: E402
from PIL import Image  # noqa: E402
from transformers import CLIPImageProcessor  # noqa: E402
from transformers.image_utils import OPENAI_CLIP_MEAN, OPENAI_CLIP_STD, ChannelDimension  # noqa: E402

INPUTS = HERE / "../../tests/data/image/inputs"
NAMES = ["1x1", "7x5", "5x7", "64x48", "333x337", "336x336", "800x600", "1000x200", "200x1000", "2000x1500"]
BIG_S_INPUTS = ["800x600", "1000x200"]  # the S = 336 cases
NEXT_RAW_INPUTS = ["1x1", "5x7", "333x337", "1000x200"]  # LLaVA-NeXT S = 56 cases stored as raw float32
PINPOINTS_336 = [[336, 672], [672, 336], [672, 672], [1008, 336], [336, 1008]]  # llava-hf/llava-v1.6


def pinpoints_for(s):
    return [[h * s // 336, w * s // 336] for h, w in PINPOINTS_336]


def load(name):
    return Image.open(INPUTS / f"synth_{name}.png").convert("RGB")


def expand2square(img, fill):
    # LLaVA llava/mm_utils.py expand2square: paste onto a max(W, H) square of FILL, centred with //.
    w, h = img.size
    if w == h:
        return img
    side = max(w, h)
    out = Image.new(img.mode, (side, side), fill)
    out.paste(img, ((side - w) // 2, (side - h) // 2))
    return out


def clip_processor(s):
    return CLIPImageProcessor(size={"shortest_edge": s}, crop_size={"height": s, "width": s}, do_center_crop=True,
                              resample=3, do_normalize=True, image_mean=OPENAI_CLIP_MEAN, image_std=OPENAI_CLIP_STD)


def clip_cases():
    """(name, S, pad) for LLaVA-1.5: every input at S = 56, the BIG_S_INPUTS at 336; pad and not."""
    cases = [(n, 56, pad) for n in NAMES for pad in (False, True)]
    cases += [(n, 336, pad) for n in BIG_S_INPUTS for pad in (False, True)]
    return cases


def run_clip(name, s, pad, **kw):
    img = load(name)
    if pad:
        img = expand2square(img, tuple(int(x * 255) for x in OPENAI_CLIP_MEAN))
    return clip_processor(s).preprocess(img, return_tensors="np", **kw)["pixel_values"]


def clip_pass(path):
    """Runs in the 4.37.2 venv: every LLaVA-1.5 case, with and without the explicit channel format."""
    out = {}
    for name, s, pad in clip_cases():
        explicit = run_clip(name, s, pad, input_data_format=ChannelDimension.LAST)
        try:
            default = run_clip(name, s, pad)
            agrees = "same" if default.shape == explicit.shape and np.array_equal(default, explicit) else "differs"
        except Exception as e:  # noqa: BLE001 - recorded, not fatal: it documents HF's behaviour
            agrees = f"error: {type(e).__name__}"
        out[(name, s, pad)] = (explicit, agrees)
    with open(path, "wb") as f:
        pickle.dump({"transformers": transformers.__version__, "cases": out}, f)


def crc(arr):
    return zlib.crc32(np.ascontiguousarray(arr).astype("<f4").tobytes())


def crc16(arr):
    return zlib.crc32(torch.from_numpy(np.ascontiguousarray(arr)).half().numpy().astype("<f2").tobytes())


def norm_table():
    # float32 CLIP normalisation of each byte, numpy's order (see tests/data/image/normalize.json).
    u = np.arange(256, dtype=np.uint8)
    v = (u * (1 / 255)).astype(np.float32)
    return [(v - np.float32(m)) / np.float32(sd) for m, sd in zip(OPENAI_CLIP_MEAN, OPENAI_CLIP_STD)]


def to_bytes(px):
    """[N, 3, S, S] float32 -> [N*S, S, 3] u8 with normalise(u8) == px exactly (asserted)."""
    table = norm_table()
    n, _, s, _ = px.shape
    out = np.zeros((n, s, s, 3), np.uint8)
    for c in range(3):
        idx = np.searchsorted(table[c], px[:, c])  # the table is strictly increasing
        idx = np.clip(idx, 0, 255)
        assert np.array_equal(table[c][idx], px[:, c]), "a float32 value is not the normalisation of a byte"
        out[..., c] = idx
    return out.reshape(n * s, s, 3)


def store(out, case, px, tag, raw):
    case.update(shape=list(px.shape), crc32_f32=crc(px), crc32_f16=crc16(px))
    if raw:
        (out / "f32").mkdir(exist_ok=True)
        case["f32"] = f"f32/{tag}.f32"
        px.astype("<f4").tofile(out / case["f32"])
    else:
        (out / "views").mkdir(exist_ok=True)
        case["views"] = f"views/{tag}.png"
        Image.fromarray(to_bytes(px)).save(out / case["views"], optimize=True)
    return case


def next_cases():
    cases = [(n, 56, pinpoints_for(56)) for n in NAMES]
    # A pinpoint set where the fitted image leaves an odd margin on both axes, and square ones.
    cases += [(n, 56, [[112, 112], [56, 168], [168, 56], [168, 168]]) for n in ("333x337", "800x600", "7x5")]
    cases += [(n, 336, PINPOINTS_336) for n in BIG_S_INPUTS]
    return cases


def run_next(name, s, pins, **kw):
    from transformers import LlavaNextImageProcessor
    proc = LlavaNextImageProcessor(size={"shortest_edge": s}, crop_size={"height": s, "width": s},
                                   image_grid_pinpoints=pins, do_center_crop=True, resample=3,
                                   image_mean=OPENAI_CLIP_MEAN, image_std=OPENAI_CLIP_STD)
    r = proc.preprocess(load(name), return_tensors="np", **kw)
    return r["pixel_values"][0], [int(x) for x in r["image_sizes"][0]]


def pixel_goldens(out):
    from transformers.image_processing_utils import select_best_resolution
    from transformers.models.llava_next.image_processing_llava_next import _get_patch_output_size

    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([str(VENV / "bin/python"), __file__, "--clip-pass", f"{tmp}/clip.pkl"], check=True)
        with open(f"{tmp}/clip.pkl", "rb") as f:
            old = pickle.load(f)
    cases = []
    for name, s, pad in clip_cases():
        px, agrees = old["cases"][(name, s, pad)]
        new = run_clip(name, s, pad, input_data_format=ChannelDimension.LAST)
        assert new.dtype == px.dtype and np.array_equal(new, px), f"4.37.2 and {transformers.__version__} differ"
        case = {"processor": "llava15", "input": f"synth_{name}.png", "crop": s, "pad": pad,
                "default_inference": agrees}
        cases.append(store(out, case, px, f"llava15_{name}_s{s}{'_pad' if pad else ''}", s == 56 and not pad))
    for k, (name, s, pins) in enumerate(next_cases()):
        px, sizes = run_next(name, s, pins, input_data_format=ChannelDimension.LAST)
        try:
            dpx, _ = run_next(name, s, pins)
            agrees = "same" if dpx.shape == px.shape and np.array_equal(dpx, px) else "differs"
        except Exception as e:  # noqa: BLE001
            agrees = f"error: {type(e).__name__}"
        w, h = load(name).size
        best = select_best_resolution((h, w), pins)
        fake = np.broadcast_to(np.uint8(0), (h, w, 3))
        resized = _get_patch_output_size(fake, best, ChannelDimension.LAST)
        case = {"processor": "llava_next", "input": f"synth_{name}.png", "crop": s, "pinpoints": pins,
                "image_sizes": sizes, "best": list(best), "resized": list(resized), "default_inference": agrees}
        raw = s == 56 and pins == pinpoints_for(56) and name in NEXT_RAW_INPUTS
        cases.append(store(out, case, px, f"next{k}_{name}_s{s}", raw))
    return old["transformers"], cases


# --- geometry -----------------------------------------------------------------------------------

def geometry(rng):
    from transformers.image_processing_utils import select_best_resolution
    from transformers.models.llava_next.image_processing_llava_next import _get_patch_output_size
    from transformers.models.llava_next.modeling_llava_next import get_anyres_image_grid_shape, unpad_image

    pin_sets = {
        "v16_336": PINPOINTS_336,
        "v16_56": pinpoints_for(56),
        "square_56": [[112, 112], [56, 168], [168, 56], [168, 168]],
        # a larger set with exact ties (same area, different shapes) and a duplicate
        "wide_336": [[336, 336], [336, 672], [672, 336], [672, 672], [336, 1008], [1008, 336], [1008, 1008],
                     [672, 1008], [1008, 672], [336, 672]],
    }
    crops = {"v16_336": 336, "v16_56": 56, "square_56": 56, "wide_336": 336}
    sizes = [(1, 1), (1, 3), (3, 1), (2, 2), (5, 7), (7, 5), (336, 336), (337, 336), (600, 800), (200, 1000),
             (1000, 200), (1500, 2000), (484, 969), (672, 1344), (1, 5000), (5000, 1), (335, 671), (56, 112)]
    sizes += [(int(a), int(b)) for a, b in rng.integers(1, 2500, size=(200, 2))]
    sizes += [(int(a), int(a * r)) for a, r in zip(rng.integers(20, 1200, 60), rng.uniform(0.3, 3.5, 60))]
    # sizes where the model's float32 geometry (image_sizes is a LongTensor) diverges from the
    # processor's float64 one, found by a sweep; keep them in the goldens
    for h in range(100, 1400, 3):
        for w in range(100, 1400, 7):
            a = get_anyres_image_grid_shape((h, w), PINPOINTS_336, 336)
            b = get_anyres_image_grid_shape(torch.tensor([h, w]), PINPOINTS_336, 336)
            if a != tuple(int(x) for x in b):
                sizes.append((h, w))
    # the same for unpad_image (its scale is reciprocal() * current in float32 on a tensor)
    unpad_extra = []
    for h in range(1, 1500, 13):
        for w in range(1, 1500, 17):
            for fh, fw in ((24, 48), (48, 24), (48, 48), (24, 72), (72, 24), (4, 8), (8, 4)):
                t = torch.zeros(1, fh, fw)
                if unpad_image(t, torch.tensor([h, w])).shape != unpad_image(t, (h, w)).shape:
                    unpad_extra.append(((h, w), (fh, fw)))
    sizes = [s for s in sizes if s[0] > 0 and s[1] > 0]

    best_rows, plan_rows, grid_rows, unpad_rows = [], [], [], []
    for h, w in sizes:
        for key, pins in pin_sets.items():
            best = select_best_resolution((h, w), pins)
            best_rows.append({"hw": [h, w], "pinpoints": key, "best": list(best)})
            fake = np.broadcast_to(np.uint8(0), (h, w, 3))
            resized = _get_patch_output_size(fake, best, ChannelDimension.LAST)
            plan_rows.append({"hw": [h, w], "pinpoints": key, "crop": crops[key], "best": list(best),
                              "resized": [int(x) for x in resized]})
            gt = get_anyres_image_grid_shape(torch.tensor([h, w]), pins, crops[key])
            gp = get_anyres_image_grid_shape((h, w), pins, crops[key])
            grid_rows.append({"hw": [h, w], "pinpoints": key, "crop": crops[key],
                              "grid_model": [int(x) for x in gt], "grid_python": [int(x) for x in gp]})
        # feature maps: the anyres grids of 24 (336/14) and 4 (56/14) tokens per side, and odd ones
        feats = {(r * 24, c * 24) for r, c in ((1, 2), (2, 1), (2, 2), (3, 1), (1, 3))}
        feats |= {(r * 4, c * 4) for r, c in ((1, 2), (2, 1), (2, 2))}
        feats |= {(int(a), int(b)) for a, b in rng.integers(1, 80, size=(1, 2))}
        unpad_rows += unpad_case(h, w, sorted(feats))
    for (h, w), feat in unpad_extra:
        unpad_rows += unpad_case(h, w, [feat])
    return {"pinpoints": pin_sets, "select_best_resolution": best_rows, "patch_output_size": plan_rows,
            "grid_shape": grid_rows, "unpad": unpad_rows}


def unpad_case(h, w, feats):
    """unpad_image of an (h, w) image on each [fh, fw] feature map, as the model (LongTensor
    image_sizes) and as a plain Python call, recorded as the kept [top, bottom, left, right]."""
    from transformers.models.llava_next.modeling_llava_next import unpad_image

    rows = []
    for fh, fw in feats:
        idx = torch.stack([torch.arange(fh).view(fh, 1).expand(fh, fw), torch.arange(fw).view(1, fw).expand(fh, fw)])
        row = {"original_hw": [h, w], "feat_hw": [fh, fw]}
        for tag, orig in (("model", torch.tensor([h, w])), ("python", (h, w))):
            kept = unpad_image(idx, orig)  # [2, kept rows, kept cols] of (row, col) indices
            if kept.numel() == 0:
                row[f"box_{tag}"] = None  # nothing kept
                continue
            box = [int(kept[0].min()), int(kept[0].max()) + 1, int(kept[1].min()), int(kept[1].max()) + 1]
            assert list(kept.shape[1:]) == [box[1] - box[0], box[3] - box[2]], "not a contiguous box"
            row[f"box_{tag}"] = box  # [top, bottom, left, right]
        rows.append(row)
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out", nargs="?", default=str(HERE / "../../tests/data/image_llava"))
    ap.add_argument("--clip-pass", metavar="FILE", help="internal: the 4.37.2 CLIPImageProcessor pass")
    args = ap.parse_args()
    if args.clip_pass:
        clip_pass(args.clip_pass)
        return
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    versions = {"transformers_next": transformers.__version__, "numpy": np.__version__, "Pillow": PIL.__version__,
                "torch": torch.__version__, "python": sys.version.split()[0]}
    clip_version, cases = pixel_goldens(out)
    versions["transformers_clip"] = clip_version
    with open(out / "pixels.json", "w") as f:
        json.dump({"versions": versions, "cases": cases}, f, indent=1)
    geo = geometry(np.random.default_rng(20240607))
    geo["versions"] = versions
    with open(out / "geometry.json", "w") as f:
        json.dump(geo, f, separators=(",", ":"))
    print(f"{len(cases)} pixel cases, {len(geo['select_best_resolution'])} plans, {len(geo['unpad'])} unpad rows")


if __name__ == "__main__":
    main()
