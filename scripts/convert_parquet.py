#!/usr/bin/env python3
"""Convert a downloaded lmms-eval (Hugging Face) parquet dataset into slime-bench's jsonl layout.

    pip install pyarrow
    python scripts/convert_parquet.py --task vqav2_val --split validation \
        --parquet ~/hf/VQAv2/data/validation-*.parquet --out data/vqav2_val

Writes OUT/dataset.json (manifest; splits accumulate over runs), OUT/<split>.jsonl (one sample per
line) and OUT/images/<split>/<row>[_<k>].<ext> (image bytes as stored, no re-encoding). The layout
is described in datasets/README.md; the C++ side (datasets/formats/slime_jsonl.*) never needs Arrow.
Field names follow benchmarks.md §2.2: whatever of them a table has is mapped, the rest of its
scalar columns go to `meta`.
"""
import argparse
import ast
import hashlib
import json
import sys
from pathlib import Path

import pyarrow.parquet as pq

FORMAT, VERSION = "slime-jsonl", 1
ID_KEYS = ("question_id", "questionId", "index", "id", "pid")
IMAGE_KEYS = ("image", "decoded_image") + tuple(f"image_{k}" for k in range(1, 8))
LETTER_COLUMNS = tuple("ABCDEFGHI")
SEED_COLUMNS = ("choice_a", "choice_b", "choice_c", "choice_d")
CATEGORY_KEYS = ("category", "capability", "type", "subject")
# Tasks whose `answer` is an index into the options (ScienceQA: int; AI2D: a digit string).
ANSWER_IS_INDEX = {"scienceqa_img", "ai2d"}


def image_ext(data):
    if data[:3] == b"\xff\xd8\xff":
        return "jpg"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    if data[:4] == b"GIF8":
        return "gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[:2] == b"BM":
        return "bmp"
    return "bin"


def image_bytes(value):
    """HF Image feature: a struct {bytes, path}; also raw bytes."""
    if isinstance(value, dict):
        return value.get("bytes")
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    return None


def text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value != value:  # NaN
        return ""
    return str(value)


def options_of(row):
    if any(text(row.get(c)) for c in LETTER_COLUMNS if c in row):
        return [text(row[c]) for c in LETTER_COLUMNS if c in row and text(row[c]) not in ("", "nan")]
    if all(c in row for c in SEED_COLUMNS):
        return [text(row[c]) for c in SEED_COLUMNS]
    for key in ("choices", "options"):
        value = row.get(key)
        if isinstance(value, str) and value.startswith("["):
            value = ast.literal_eval(value)  # MMMU stores the list as its Python repr
        if isinstance(value, list):
            return [text(v) for v in value]
    return []


def answers_of(row):
    value = row.get("answers")
    if isinstance(value, list):
        # VQAv2: list of {answer, answer_confidence, answer_id}; TextVQA/DocVQA: list of str.
        return [text(v["answer"]) if isinstance(v, dict) else text(v) for v in value]
    return []


def convert_row(task, row, row_index, split, out, used_keys):
    sample = {}
    ident = next((text(row[k]) for k in ID_KEYS if k in row and text(row[k])), str(row_index))
    sample["id"] = ident
    images = []
    for key in IMAGE_KEYS:
        if key not in row or row[key] is None:
            continue
        values = row[key] if isinstance(row[key], list) else [row[key]]  # SEED-Bench: a list
        for value in values:
            data = image_bytes(value)
            if data:
                images.append(data)
    paths = []
    for k, data in enumerate(images):
        suffix = "" if len(images) == 1 else f"_{k}"
        rel = f"images/{split}/{row_index:06d}{suffix}.{image_ext(data)}"
        (out / rel).write_bytes(data)
        paths.append(rel)
    if len(paths) == 1:
        sample["image"] = paths[0]
    elif paths:
        sample["images"] = paths
    sample["question"] = text(row.get("question"))
    hint = text(row.get("hint"))
    if hint and hint != "nan":
        sample["hint"] = hint
    options = options_of(row)
    if options:
        sample["options"] = options
    answer = next((text(row[k]) for k in ("answer", "gt_answer", "multiple_choice_answer") if k in row), "")
    if task in ANSWER_IS_INDEX and answer.isdigit() and options:
        answer = chr(ord("A") + int(answer))
    sample["answer"] = answer
    answers = answers_of(row)
    if answers:
        sample["answers"] = answers
    category = next((text(row[k]) for k in CATEGORY_KEYS if k in row and text(row[k])), "")
    if category:
        sample["category"] = category
    sample["split"] = split
    meta = {}
    for key, value in row.items():
        if key in used_keys or key in IMAGE_KEYS:
            continue
        if isinstance(value, (str, int, float, bool)) or value is None:
            meta[key] = value if not (isinstance(value, float) and value != value) else None
        elif isinstance(value, list) and all(isinstance(v, (str, int, float)) for v in value):
            meta[key] = value  # e.g. TextVQA ocr_tokens
    if meta:
        sample["meta"] = meta
    return sample


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--task", required=True, help="registry task name (decides index answers)")
    ap.add_argument("--split", required=True, help="split name written (e.g. test, validation)")
    ap.add_argument("--parquet", required=True, nargs="+", help="parquet file(s), read in the order given")
    ap.add_argument("--out", required=True, help="output dataset folder")
    args = ap.parse_args()
    out = Path(args.out)
    (out / "images" / args.split).mkdir(parents=True, exist_ok=True)
    used = set(ID_KEYS[:1]) | {"question", "hint", "answer", "answers", "choices", "options"}
    used |= set(LETTER_COLUMNS) | set(SEED_COLUMNS) | set(CATEGORY_KEYS)
    sources = []
    n = 0
    with open(out / f"{args.split}.jsonl", "w", encoding="utf-8") as f:
        for path in args.parquet:
            data = Path(path).read_bytes()
            sources.append({"file": Path(path).name, "sha256": hashlib.sha256(data).hexdigest()})
            table = pq.read_table(path)
            for batch in table.to_batches(max_chunksize=256):  # bounded memory on large tables
                for row in batch.to_pylist():
                    sample = convert_row(args.task, row, n, args.split, out, used)
                    f.write(json.dumps(sample, ensure_ascii=False) + "\n")
                    n += 1
    manifest_path = out / "dataset.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    manifest.update({"format": FORMAT, "version": VERSION, "task": args.task})
    manifest.setdefault("splits", {})[args.split] = n
    manifest.setdefault("sources", {})[args.split] = sources
    manifest_path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    print(f"{args.task}: wrote {n} samples of split {args.split} to {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
