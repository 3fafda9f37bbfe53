#!/usr/bin/env python3
"""Regenerates tests/fuzz/corpus/<target>/ (the committed seed corpora) from the project's own
fixtures in tests/data (and ablations/specs). Standard library only; run from anywhere:
    python3 tests/fuzz/make_corpus.py
Seeds follow each target's input layout (see the comment at the top of tests/fuzz/fuzz_*.cpp):
a leading mode byte where the target has one, files joined with the part marker PART."""
import hashlib
import json
import os
import shutil
import struct
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.path.join(ROOT, "tests", "data")
OUT = os.path.join(ROOT, "tests", "fuzz", "corpus")
PART = b"#part#\n"  # tests/fuzz/fuzz_util.h kPartMarker
MAX_SEED = 64 * 1024  # keep the committed corpus small (whole folder well under 2 MB)


def read(*path):
    with open(os.path.join(*path), "rb") as f:
        return f.read()


def seeds(target, items):
    d = os.path.join(OUT, target)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    for name, data in items:
        if len(data) > MAX_SEED:
            raise SystemExit(f"{target}/{name}: {len(data)} bytes, over {MAX_SEED}")
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)


def safetensors(tensors):
    """tensors: [(name, dtype, shape, bytes)] -> a safetensors file."""
    header, data = {}, b""
    for name, dtype, shape, raw in tensors:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    return struct.pack("<Q", len(h)) + h + data


def split_safetensors(blob):
    n = struct.unpack("<Q", blob[:8])[0]
    header = json.loads(blob[8:8 + n])
    body = blob[8 + n:]
    out = []
    for name, t in header.items():
        if name == "__metadata__":
            continue
        a, b = t["data_offsets"]
        out.append((name, t["dtype"], t["shape"], body[a:b]))
    return out


def corpus_safetensors():
    mixed = read(DATA, "io", "golden", "mixed.safetensors")
    tensors = split_safetensors(mixed)
    half = len(tensors) // 2
    s1, s2 = safetensors(tensors[:half]), safetensors(tensors[half:])
    index = {"metadata": {"total_size": sum(len(t[3]) for t in tensors)},
             "weight_map": {t[0]: ("s1" if i < half else "s2") + ".safetensors" for i, t in enumerate(tensors)}}
    seeds("fuzz_safetensors", [
        ("mixed.safetensors", mixed),
        ("tiny.safetensors", safetensors([("w", "F32", [2], struct.pack("<2f", 1.0, 2.0))])),
        ("empty.safetensors", safetensors([])),
        ("sharded", json.dumps(index).encode() + PART + s1 + PART + s2),
    ])


def corpus_model_config():
    cfg = os.path.join(DATA, "io", "configs")
    items = [(n, read(cfg, n)) for n in sorted(os.listdir(cfg)) if n.endswith(".json")]
    items.append(("clip.json", read(cfg, "clip-vit-large-patch14-336", "config.json")))
    sets = b"selector_mode=topk\nselector_topk=8\nmm_resampler_topp=0.75\ntext_config.rope_theta=500000"
    items.append(("slime_with_sets", read(cfg, "slime_vicuna_7b.json") + PART + sets))
    items.append(("hf_with_sets", read(cfg, "llava_v1_6_vicuna_7b_hf.json") + PART + b"image_grid_pinpoints=[[336,672]]\nvision_config.image_size=null"))
    seeds("fuzz_model_config", items)


def golden_texts(name, limit):
    texts = []
    for line in read(DATA, "tokenizers", name).decode().split("\n"):
        if not line.strip():
            continue
        t = json.loads(line)["text"]
        if t and t not in texts:
            texts.append(t)
    return texts[:limit]


def corpus_tokenizer_encode():
    items = []
    # Mode byte: tokenizer index (0 llama2 fast, 1 llama2 slow, 2 llama3, 3 llama3 pinned) | 0x10 add special.
    for i, t in enumerate(golden_texts("golden_llama2_slow.jsonl", 12)):
        items.append((f"llama2_{i}", bytes([1 | 0x10 * (i % 2)]) + t.encode()))
    for i, t in enumerate(golden_texts("golden_llama3.jsonl", 12)):
        items.append((f"llama3_{i}", bytes([2 | 0x10 * (i % 2)]) + t.encode()))
    items.append(("invalid_utf8", bytes([0, 0xff, 0xfe, 0x80, 0x41, 0xc3])))
    seeds("fuzz_tokenizer_encode", items)


def trimmed_tokenizer(name, keep):
    """The real tokenizer.json with its vocabulary cut to the first KEEP ids (+ the merges among
    them) and added tokens renumbered after them: every component section stays the real one."""
    d = json.loads(read(DATA, "tokenizers", name, "tokenizer.json"))
    vocab = {t: i for t, i in d["model"]["vocab"].items() if i < keep}
    merges = []
    for m in d["model"]["merges"]:
        a, b = m.split(" ", 1) if isinstance(m, str) else m
        if a in vocab and b in vocab and a + b in vocab:
            merges.append(m)
    d["model"]["vocab"], d["model"]["merges"] = vocab, merges[:400]
    remap = {}
    added = [t for t in d["added_tokens"]][:4]
    for k, t in enumerate(added):
        remap[t["id"]] = keep + k
        t["id"] = keep + k
    d["added_tokens"] = added
    pp = d.get("post_processor")
    if pp and pp.get("type") == "TemplateProcessing":
        for st in pp["special_tokens"].values():
            st["ids"] = [remap.get(i, i) for i in st["ids"]]
    return json.dumps(d, ensure_ascii=False).encode()


def corpus_tokenizer_json():
    l2 = trimmed_tokenizer("llama2", 600)
    l3 = trimmed_tokenizer("llama3", 600)
    l2_cfg = read(DATA, "tokenizers", "llama2", "tokenizer_config.json")
    l3_cfg = json.loads(read(DATA, "tokenizers", "llama3", "tokenizer_config.json"))
    l3_cfg["added_tokens_decoder"] = {}  # 50 KB of the 256 reserved tokens the trimmed file lacks
    seeds("fuzz_tokenizer_json", [
        ("llama2", l2),
        ("llama2_config_text", l2 + PART + l2_cfg + PART + "Hello <s> wörld\n  x".encode()),
        ("llama3", l3),
        ("llama3_config_text", l3 + PART + json.dumps(l3_cfg).encode() + PART + b"It's 1234 ok?\r\n"),
    ])


def corpus_vlmeval_tsv():
    tsv = os.path.join(DATA, "datasets", "tsv")
    # Mode: byte 0's low bit (images required) is the TSV's first byte; 'i' (odd) for "index".
    seeds("fuzz_vlmeval_tsv", [(n, read(tsv, n)) for n in sorted(os.listdir(tsv)) if n.endswith(".tsv")])


def corpus_llava_jsonl():
    ll = os.path.join(DATA, "datasets", "llava")
    mme_q = read(ll, "mme", "llava_mme.jsonl").replace(b"count/000000470121", b"cat/q").replace(b"artwork/10002", b"cat/q")
    rel = os.path.join(ll, "mme", "MME_Benchmark_release_version")
    items = [
        ("pope", b"0" + read(ll, "pope", "llava_pope_test.jsonl") + PART + read(ll, "pope", "coco", "coco_pope_random.json")),
        ("textvqa", b"1" + read(ll, "textvqa", "llava_textvqa_val_v051_ocr.jsonl") + PART + read(ll, "textvqa", "TextVQA_0.5.1_val.json")),
        ("gqa", b"2" + read(ll, "gqa", "llava_gqa_testdev_balanced.jsonl") + PART + read(ll, "gqa", "testdev_balanced_questions.json")),
        ("bad_gqa", b"2" + read(ll, "bad_gqa", "llava_gqa_testdev_balanced.jsonl") + PART + read(ll, "bad_gqa", "testdev_balanced_questions.json")),
        ("mmvet", b"3" + read(ll, "mmvet", "llava-mm-vet.jsonl") + PART + read(ll, "mmvet", "mm-vet.json")),
        ("llava_bench", b"4" + read(ll, "llava_bench", "questions.jsonl") + PART + read(ll, "llava_bench", "answers_gpt4.jsonl") + PART + read(ll, "llava_bench", "context.jsonl")),
        ("mme", b"5" + mme_q + PART + read(rel, "count", "000000470121.txt")),
        ("mme_yn", b"5" + mme_q + PART + PART + read(rel, "artwork", "questions_answers_YN", "10002.txt")),
        ("slime", b"6" + read(DATA, "datasets", "slime_jsonl", "vqav2_val", "validation.jsonl") + PART + read(DATA, "datasets", "slime_jsonl", "vqav2_val", "dataset.json")),
        ("scienceqa", b"7" + read(DATA, "datasets", "scienceqa", "problems.json") + PART + read(DATA, "datasets", "scienceqa", "pid_splits.json")),
    ]
    seeds("fuzz_llava_jsonl", items)


def corpus_predictions():
    # Mode byte: 0 .jsonl, 1 .tsv, 2 .csv, 3 .json.
    samples = read(DATA, "reports", "ablation", "cells", "keep_all", "samples_pope.jsonl").splitlines(True)[:4]
    seeds("fuzz_predictions", [
        ("slime_samples", b"\x00" + b"".join(samples)),
        ("llava_answers", b"\x00" + read(DATA, "datasets", "llava", "mme", "llava_mme.jsonl").replace(b'"category"', b'"answer_id"')),
        ("vlmevalkit_jsonl", b"\x03" + b'{"index": 0, "prediction": "A"}\n{"index": "1", "prediction": "B"}\n'),
        ("vlmevalkit_tsv", b"\x01" + b'index\tquestion\tprediction\n0\tq\t"A\tb"\n1\tq\tB\n'),
        ("vlmevalkit_csv", b"\x02" + b'index,question,prediction\r\n0,"q, ""x""",A\r\n1,q,"multi\nline"\r\n'),
    ])


def corpus_ablation_spec():
    specs = os.path.join(ROOT, "ablations", "specs")
    seeds("fuzz_ablation_spec", [(n, read(specs, n)) for n in sorted(os.listdir(specs)) if n.endswith(".json")])


def png(width, height, rgb):
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    raw = b"".join(b"\x00" + rgb[y * width * 3:(y + 1) * width * 3] for y in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def bmp(width, height, rgb):
    row = (width * 3 + 3) & ~3
    pixels = b""
    for y in reversed(range(height)):
        line = b"".join(bytes(reversed(rgb[(y * width + x) * 3:(y * width + x) * 3 + 3])) for x in range(width))
        pixels += line + b"\x00" * (row - len(line))
    info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 24, 0, len(pixels), 2835, 2835, 0, 0)
    return b"BM" + struct.pack("<IHHI", 14 + len(info) + len(pixels), 0, 0, 14 + len(info)) + info + pixels


def corpus_image():
    dec = os.path.join(DATA, "image", "decode")
    inp = os.path.join(DATA, "image", "inputs")
    items = []
    # Mode byte 0 (even): decode. The small fixtures cover PNG depths/palettes/alpha and JPEG kinds.
    for n in sorted(os.listdir(dec)):
        if not n.endswith(".rgb.png") and os.path.getsize(os.path.join(dec, n)) <= MAX_SEED:
            items.append(("decode_" + n, b"\x00" + read(dec, n)))
    for n in ("synth_1x1.png", "synth_5x7.png", "synth_7x5.png", "synth_64x48.png"):
        items.append(("decode_" + n, b"\x00" + read(inp, n)))
    grad = bytes((x * 7 + y * 3 + c * 50) & 255 for y in range(6) for x in range(10) for c in range(3))
    items.append(("decode_generated.bmp", b"\x00" + bmp(10, 6, grad)))
    items.append(("decode_generated.ppm", b"\x00" + b"P6\n10 6\n255\n" + grad))
    items.append(("decode_tall.png", b"\x00" + png(1, 400, bytes(1200))))
    # Mode byte 1 (odd): int32 width, height, then fill bytes.
    for w, h in ((1000, 200), (200, 1000), (1, 1), (5, 7), (336, 336), (333, 337), (2000, 1500), (1, 3000),
                 (0, 5), (-1, 7), (2147483647, 2147483647)):
        items.append((f"size_{w}x{h}", b"\x01" + struct.pack("<ii", w, h) + bytes(range(0, 256, 17))))
    seeds("fuzz_image", items)


def main():
    corpus_safetensors()
    corpus_model_config()
    corpus_tokenizer_encode()
    corpus_tokenizer_json()
    corpus_vlmeval_tsv()
    corpus_llava_jsonl()
    corpus_predictions()
    corpus_ablation_spec()
    corpus_image()
    total = sum(os.path.getsize(os.path.join(dp, f)) for dp, _, fs in os.walk(OUT) for f in fs)
    print(f"{OUT}: {total} bytes")


if __name__ == "__main__":
    main()
