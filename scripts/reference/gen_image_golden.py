#!/usr/bin/env python3
"""Goldens for engine/image (tests/unit/image): Pillow resize, Pillow decoding, UHD grid plans,
CLIP normalisation.

Writes under OUT (default tests/data/image/):
  inputs/*.png        deterministic synthetic RGB images (gradients, noise, edges, glyph-like marks)
  resize/*.png        Pillow `Image.resize((w, h))` (BICUBIC, the default for RGB) of each input,
                      stored when the output has <= STORE_MAX_PIXELS pixels (keeps the folder small)
  resize.json         the cases: input, target, expected PNG (or null) and the CRC-32 of every
                      output row's raw RGB bytes (so larger outputs are checked row by row)
  decode/*            odd-mode files (gray, LA, RGBA, palette, 1/2/4/16-bit, JPEG, EXIF-rotated
                      JPEG) and `Image.open(f).convert("RGB")` of each as an 8-bit RGB PNG
  decode.json         the cases: file, Pillow's mode on open, expected PNG
  grids.json          the UHD grid chooser + local canvas plan for ~200 sizes (model.md §2.1/§2.2),
                      computed by the Python reference below, cross-checked against §2.7
  normalize.json      CLIP normalisation of every u8 value per channel: fp32 bits and fp16 bits,
                      computed as transformers' CLIPImageProcessor does (numpy)

`--check-dump DUMP IMAGE` instead compares a `slime preprocess --image IMAGE --dump DUMP` file
(tensor `vision.crops`, fp32) bit for bit with upstream's process_anyres_image pipeline re-done
here in Pillow + numpy (global stretch, fit, black canvas, row-major crops, CLIP normalisation).

Everything is deterministic (fixed seeds, fixed sizes); re-runs are byte-identical with the same
Pillow/numpy/zlib. The command and versions go into OUT/SOURCE.md by hand.
"""
import argparse
import hashlib
import json
import math
import os
import struct
import sys
import zlib
from pathlib import Path

HERE = os.path.dirname(os.path.abspath(__file__))
from ref_venv import VENV, reexec_in  # noqa: E402

reexec_in(VENV, __file__)
import numpy as np  # noqa: E402
import PIL  # noqa: E402
from PIL import Image  # noqa: E402

# ---------------------------------------------------------------------------------------------
# Reference UHD plan, written from model.md §2.1 (select_best_resolution_uhd) and §2.2
# (resize_and_pad_image, divide_to_patches). Python floats are IEEE doubles, as upstream.
PATCH = 336


def uhd_grid(w, h):
    s = math.ceil(w * h / (PATCH * PATCH))
    if s > 6:
        s = 6
    elif s == 1:
        s = 2
    counts = [2, 3] if s == 2 else [s - 1, s, s + 1]
    best, best_eff, best_waste = None, 0, float("inf")
    for n in counts:
        for i in range(1, n + 1):
            if n % i:
                continue
            cw, ch = PATCH * i, PATCH * (n // i)
            k = min(cw / w, ch / h)
            eff = min(int(w * k) * int(h * k), w * h)
            waste = cw * ch - eff
            if eff > best_eff or (eff == best_eff and waste < best_waste):
                best, best_eff, best_waste = (i, n // i), eff, waste
    return best


def plan(w, h):
    cols, rows = uhd_grid(w, h)
    cw, ch = PATCH * cols, PATCH * rows
    sw, sh = cw / w, ch / h
    if sw < sh:
        nw, nh = cw, min(math.ceil(h * sw), ch)
    else:
        nh, nw = ch, min(math.ceil(w * sh), cw)
    ox, oy = (cw - nw) // 2, (ch - nh) // 2
    boxes = [[c * PATCH, r * PATCH, (c + 1) * PATCH, (r + 1) * PATCH]
             for r in range(rows) for c in range(cols)]
    return {"size": [w, h], "grid": [cols, rows], "canvas": [cw, ch], "resized": [nw, nh],
            "offset": [ox, oy], "crop_boxes": boxes}


# model.md §2.7, computed there with the upstream function: (W, H) -> grid, canvas, resized, offset.
DOC_EXAMPLES = [
    ((336, 336), (1, 2), (336, 672), (336, 336), (0, 168)),
    ((224, 224), (1, 2), (336, 672), (336, 336), (0, 168)),
    ((500, 375), (2, 1), (672, 336), (448, 336), (112, 0)),
    ((100, 2000), (1, 3), (336, 1008), (51, 1008), (142, 0)),
    ((640, 480), (2, 2), (672, 672), (672, 504), (0, 84)),
    ((480, 640), (2, 2), (672, 672), (504, 672), (84, 0)),
    ((672, 672), (2, 2), (672, 672), (672, 672), (0, 0)),
    ((1344, 336), (4, 1), (1344, 336), (1344, 336), (0, 0)),
    ((800, 600), (3, 2), (1008, 672), (897, 672), (55, 0)),
    ((1024, 768), (3, 2), (1008, 672), (896, 672), (56, 0)),
    ((1280, 720), (3, 2), (1008, 672), (1008, 567), (0, 52)),
    ((1920, 1080), (3, 2), (1008, 672), (1008, 567), (0, 52)),
    ((3840, 2160), (3, 2), (1008, 672), (1008, 567), (0, 52)),
    ((3000, 2000), (3, 2), (1008, 672), (1008, 672), (0, 0)),
    ((1024, 1024), (2, 3), (672, 1008), (672, 672), (0, 168)),
    ((480, 1280), (2, 3), (672, 1008), (378, 1008), (147, 0)),
    ((500, 2000), (1, 5), (336, 1680), (336, 1344), (0, 168)),
    ((2000, 300), (6, 1), (2016, 336), (2016, 303), (0, 16)),
    ((4000, 500), (7, 1), (2352, 336), (2352, 294), (0, 21)),
]


def check_doc_examples():
    for size, grid, canvas, resized, offset in DOC_EXAMPLES:
        p = plan(*size)
        got = (tuple(p["grid"]), tuple(p["canvas"]), tuple(p["resized"]), tuple(p["offset"]))
        assert got == (grid, canvas, resized, offset), (size, got)


def grid_sizes():
    """~200 sizes: the §2.7 examples, edge cases, common photo/document sizes, and a seeded sweep
    of aspect ratios and areas (incl. areas on the s thresholds k*336^2 +- 1)."""
    sizes = [e[0] for e in DOC_EXAMPLES]
    sizes += [(1, 1), (1, 2), (2, 1), (7, 5), (333, 337), (1000, 200), (200, 1000), (2000, 1500),
              (1, 10000), (10000, 1), (336, 337), (337, 336), (335, 336), (672, 336), (336, 1008),
              (4032, 3024), (3024, 4032), (1600, 900), (900, 1600), (1080, 1920), (2480, 3508),
              (3508, 2480), (12000, 9000), (599, 800), (800, 599), (224, 448), (112896, 1),
              (112897, 1), (225792, 1), (1, 225793), (768, 1024), (1366, 768), (2048, 2048)]
    for k in range(1, 8):  # areas around the slice-count thresholds
        a = k * PATCH * PATCH
        sizes += [(a // 336, 336), (a // 336 + 1, 336), (336, a // 336 - 1)]
    rng = np.random.default_rng(20240602)
    while len(sizes) < 200:
        area = float(np.exp(rng.uniform(np.log(1e3), np.log(2e7))))
        aspect = float(np.exp(rng.uniform(np.log(1 / 12), np.log(12))))
        w = max(1, int(round(math.sqrt(area * aspect))))
        h = max(1, int(round(math.sqrt(area / aspect))))
        sizes.append((w, h))
    seen, out = set(), []
    for s in sizes:
        if s not in seen:
            seen.add(s)
            out.append(s)
    return out


# ---------------------------------------------------------------------------------------------
# Synthetic inputs. Large ones are smooth + sharp structure so their PNGs stay small; noise is
# confined to small images or small patches.
def synth(w, h, seed):
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    r = 255.0 * x / max(w - 1, 1)
    g = 255.0 * y / max(h - 1, 1)
    b = 127.5 + 127.5 * np.sin((x + 2 * y) / 9.0)
    img = np.stack([r, g, b], axis=-1)
    # hard-edged checker band and stripes: large positive/negative kernel lobes -> clipping
    img[(((x // 7) + (y // 7)) % 2 == 0) & (y < h / 3)] = [255, 255, 255]
    img[((x // 3) % 2 == 0) & (y > 2 * h / 3)] = [0, 0, 0]
    # glyph-like marks: thin dark strokes on light boxes
    for _ in range(max(1, (w * h) // 40000)):
        bx, by = int(rng.integers(0, w)), int(rng.integers(0, h))
        img[by:by + 12, bx:bx + 30] = [240, 240, 230]
        img[by + 2:by + 10, bx + 3:bx + 5] = [10, 10, 10]
        img[by + 5:by + 6, bx + 3:bx + 27] = [10, 10, 10]
    # a noise patch (everywhere on small images)
    ph, pw = min(h, 64), min(w, 64)
    img[:ph, :pw] = rng.integers(0, 256, size=(ph, pw, 3))
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


INPUTS = [(1, 1), (7, 5), (5, 7), (64, 48), (333, 337), (336, 336), (800, 600), (1000, 200),
          (200, 1000), (2000, 1500)]


def resize_targets(w, h):
    p = plan(w, h)
    t = [(336, 336), tuple(p["resized"]), (1, 1), (w * 2 + 1, h * 3), (max(1, w // 3), h), (w, max(1, h // 2)),
         (w, h), (97, 13)]
    if w > 8:
        t.append((w - 1, h + 1))
    out = []
    for s in t:
        if s not in out and s[0] * s[1] <= 4_000_000:
            out.append(s)
    return out


STORE_MAX_PIXELS = 20_000  # small outputs as PNG (first differing pixel); larger: row CRCs only


def raw_sha(img):
    return hashlib.sha256(img.tobytes()).hexdigest()


def row_crcs(img):
    a = np.asarray(img)
    return [zlib.crc32(a[y].tobytes()) for y in range(a.shape[0])]


def save_png(img, path):
    img.save(path, format="PNG", optimize=True)


# ---------------------------------------------------------------------------------------------
# A minimal PNG writer for modes Pillow does not write (16-bit RGB/RGBA/LA, 2/4-bit gray,
# gray + tRNS), so the decoder sees them as a camera or editor would produce them.
def png_chunk(tag, data):
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)


def write_png(path, width, height, bit_depth, color_type, rows, extra=b""):
    raw = b"".join(b"\x00" + r for r in rows)
    data = b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 0))
    data += extra + png_chunk(b"IDAT", zlib.compress(raw, 9)) + png_chunk(b"IEND", b"")
    Path(path).write_bytes(data)


def pack_bits(values, depth):
    per = 8 // depth
    out = bytearray()
    for i in range(0, len(values), per):
        byte = 0
        for j, v in enumerate(values[i:i + per]):
            byte |= int(v) << (8 - depth * (j + 1))
        out.append(byte)
    return bytes(out)


def decode_inputs(d):
    """Writes the odd-mode files; returns their names."""
    rng = np.random.default_rng(7)
    w, h = 37, 23
    names = []
    base = synth(w, h, 3)

    def add(name):
        names.append(name)

    Image.fromarray(base).convert("L").save(d / "gray8.png"); add("gray8.png")
    la = Image.fromarray(base).convert("LA")
    la.putalpha(Image.fromarray(rng.integers(0, 256, (h, w), dtype=np.uint8)))
    la.save(d / "gray_alpha.png"); add("gray_alpha.png")
    rgba = Image.fromarray(np.dstack([base, rng.integers(0, 256, (h, w), dtype=np.uint8)]), "RGBA")
    rgba.save(d / "rgba.png"); add("rgba.png")
    Image.fromarray(base).convert("P", palette=Image.ADAPTIVE, colors=37).save(d / "palette.png"); add("palette.png")
    pal = Image.fromarray(base).convert("P", palette=Image.ADAPTIVE, colors=16)
    pal.save(d / "palette_trns.png", transparency=3); add("palette_trns.png")
    Image.fromarray(base).convert("1").save(d / "bilevel.png"); add("bilevel.png")
    g16 = (rng.integers(0, 65536, (h, w))).astype(np.uint16)
    g16[:, :5] = np.arange(5 * h).reshape(h, 5)  # values <= 255 survive Pillow's clip
    write_png(d / "gray16.png", w, h, 16, 0, [g16[y].astype(">u2").tobytes() for y in range(h)]); add("gray16.png")
    rgb16 = rng.integers(0, 65536, (h, w, 3)).astype(np.uint16)
    write_png(d / "rgb16.png", w, h, 16, 2, [rgb16[y].astype(">u2").tobytes() for y in range(h)]); add("rgb16.png")
    rgba16 = rng.integers(0, 65536, (h, w, 4)).astype(np.uint16)
    write_png(d / "rgba16.png", w, h, 16, 6, [rgba16[y].astype(">u2").tobytes() for y in range(h)]); add("rgba16.png")
    la16 = rng.integers(0, 65536, (h, w, 2)).astype(np.uint16)
    write_png(d / "gray_alpha16.png", w, h, 16, 4, [la16[y].astype(">u2").tobytes() for y in range(h)]); add("gray_alpha16.png")
    for depth in (2, 4):
        g = rng.integers(0, 1 << depth, (h, w))
        write_png(d / f"gray{depth}.png", w, h, depth, 0, [pack_bits(g[y], depth) for y in range(h)]); add(f"gray{depth}.png")
    g = np.asarray(Image.fromarray(base).convert("L"))
    write_png(d / "gray_trns.png", w, h, 8, 0, [g[y].tobytes() for y in range(h)],
              png_chunk(b"tRNS", struct.pack(">H", int(g[0, 0])))); add("gray_trns.png")
    big = synth(160, 120, 5)
    Image.fromarray(big).save(d / "rgb420.jpg", quality=90); add("rgb420.jpg")
    Image.fromarray(big).save(d / "rgb444.jpg", quality=95, subsampling=0); add("rgb444.jpg")
    Image.fromarray(big).convert("L").save(d / "gray.jpg", quality=90); add("gray.jpg")
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90 CW on display; Pillow's open() ignores it
    Image.fromarray(big[:, :100]).save(d / "exif_rot6.jpg", quality=90, exif=exif.tobytes()); add("exif_rot6.jpg")
    # CMYK JPEG: Pillow writes Adobe-inverted samples and reads every CMYK JPEG as "CMYK;I"
    cmyk = np.dstack([big, rng.integers(0, 256, (120, 160), dtype=np.uint8)])
    Image.fromarray(cmyk, "CMYK").save(d / "cmyk.jpg", quality=92); add("cmyk.jpg")
    return names


def clip_normalize(img):
    """transformers 4.37 CLIPImageProcessor on a 336x336 RGB image -> [3, 336, 336] float32."""
    mean = np.array([0.48145466, 0.4578275, 0.40821073], dtype=np.float32)
    std = np.array([0.26862954, 0.26130258, 0.27577711], dtype=np.float32)
    v = (np.asarray(img) * (1 / 255)).astype(np.float32)
    return ((v - mean) / std).transpose(2, 0, 1)


def check_dump(dump, image):
    from safetensors.numpy import load_file
    img = Image.open(image).convert("RGB")
    p = plan(*img.size)
    canvas = Image.new("RGB", tuple(p["canvas"]), (0, 0, 0))
    canvas.paste(img.resize(tuple(p["resized"])), tuple(p["offset"]))
    views = [img.resize((PATCH, PATCH))] + [canvas.crop(tuple(b)) for b in p["crop_boxes"]]
    want = np.stack([clip_normalize(v) for v in views])
    got = load_file(dump)["vision.crops"]
    assert got.shape == want.shape and got.dtype == want.dtype, (got.shape, got.dtype, want.shape)
    bad = np.argwhere(got.view(np.uint32) != want.view(np.uint32))
    if len(bad):
        i = tuple(bad[0])
        sys.exit(f"{dump}: {len(bad)} values differ; first at {i}: {got[i]!r} vs {want[i]!r}")
    print(f"{dump}: vision.crops {list(got.shape)} bit-identical to the Pillow/numpy pipeline for {image}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out", nargs="?", default=os.path.join(HERE, "../../tests/data/image"))
    ap.add_argument("--check-dump", nargs=2, metavar=("DUMP", "IMAGE"))
    args = ap.parse_args()
    if args.check_dump:
        check_dump(*args.check_dump)
        return
    out = Path(args.out)
    for sub in ("inputs", "resize", "decode"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    versions = {"pillow": PIL.__version__, "numpy": np.__version__, "python": sys.version.split()[0],
                "zlib": zlib.ZLIB_VERSION}

    check_doc_examples()
    plans = [plan(w, h) for w, h in grid_sizes()]
    (out / "grids.json").write_text(json.dumps({"versions": versions, "patch": PATCH, "plans": plans}) + "\n")

    cases = []
    for i, (w, h) in enumerate(INPUTS):
        name = f"synth_{w}x{h}.png"
        src = Image.fromarray(synth(w, h, 1000 + i))
        save_png(src, out / "inputs" / name)
        for tw, th in resize_targets(w, h):
            res = src.resize((tw, th))  # default filter for RGB: BICUBIC, reducing_gap=None
            assert res.mode == "RGB"
            fname = None
            if tw * th <= STORE_MAX_PIXELS:
                fname = f"resize/{w}x{h}_to_{tw}x{th}.png"
                save_png(res, out / fname)
            cases.append({"input": f"inputs/{name}", "size": [tw, th], "expected": fname,
                          "row_crc32": row_crcs(res)})
    (out / "resize.json").write_text(json.dumps({"versions": versions, "cases": cases}) + "\n")

    dcases = []
    for name in decode_inputs(out / "decode"):
        with Image.open(out / "decode" / name) as im:
            mode = im.mode
            rgb = im.convert("RGB")
        exp = f"decode/{name.rsplit('.', 1)[0]}.{name.rsplit('.', 1)[1]}.rgb.png"
        save_png(rgb, out / exp)
        dcases.append({"file": f"decode/{name}", "pillow_mode": mode, "size": list(rgb.size),
                       "expected": exp, "sha256": raw_sha(rgb)})
    (out / "decode.json").write_text(json.dumps({"versions": versions, "cases": dcases}, indent=1) + "\n")

    # transformers 4.37 CLIPImageProcessor: rescale = u8 * (1/255) in float64, astype(float32);
    # normalize = (x - mean) / std with mean/std as float32 arrays (the image's dtype).
    mean = np.array([0.48145466, 0.4578275, 0.40821073], dtype=np.float32)
    std = np.array([0.26862954, 0.26130258, 0.27577711], dtype=np.float32)
    u = np.arange(256, dtype=np.uint8)[:, None].repeat(3, axis=1)
    v = (u * (1 / 255)).astype(np.float32)
    n = (v - mean) / std
    assert n.dtype == np.float32
    norm = {"versions": versions,
            "fp32_bits": n.view(np.uint32).T.tolist(),            # [channel][u8]
            "fp16_bits": n.astype(np.float16).view(np.uint16).T.tolist()}
    (out / "normalize.json").write_text(json.dumps(norm) + "\n")
    print(f"wrote {len(plans)} plans, {len(cases)} resize cases, {len(dcases)} decode cases to {out}")
    print(json.dumps(versions))


if __name__ == "__main__":
    main()
