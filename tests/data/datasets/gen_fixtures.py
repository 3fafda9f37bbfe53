#!/usr/bin/env python3
"""Writes the tiny dataset fixtures of tests/data/datasets (see SOURCE.md). Run from the repo root:

    python3 tests/data/datasets/gen_fixtures.py

It re-runs itself under $SLIME_REF_VENV (scripts/reference/ref_venv.py; needs pandas, pyarrow,
Pillow). Everything is deterministic: fixed pixel values, fixed rows, no randomness.
"""
import base64
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "scripts" / "reference"))
from ref_venv import reexec_in, VENV  # noqa: E402

reexec_in(VENV, __file__)

import pandas as pd  # noqa: E402
import pyarrow as pa  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402
from PIL import Image  # noqa: E402

OUT = Path(__file__).resolve().parent


def image_bytes(colour, fmt="PNG", size=(8, 6)):
    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, format=fmt)
    return buf.getvalue()


def b64(colour):
    return base64.b64encode(image_bytes(colour)).decode()


def write_jsonl(path, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def write_json(path, obj):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def save_image(path, colour, fmt="PNG"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(image_bytes(colour, fmt))


def write_tsv(name, rows, columns):
    """As VLMEvalKit writes TSVs (pandas to_csv sep='\\t'), plus the pandas read of it as golden."""
    path = OUT / "tsv" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows, columns=columns).to_csv(path, sep="\t", index=False)
    golden(path)


def golden(path):
    """pandas' reading of a TSV (dtype=str: the tokenisation, NaN as null) next to it."""
    df = pd.read_csv(path, sep="\t", dtype=str)
    rows = [[None if pd.isna(v) else v for v in r] for r in df.itertuples(index=False)]
    write_json(path.with_suffix(".pandas.json"), {"columns": list(df.columns), "rows": rows})


RED, GREEN, BLUE, GREY = (200, 30, 30), (30, 200, 30), (30, 30, 200), (128, 128, 128)
NAN = float("nan")


def tsvs():
    write_tsv("MME.tsv", [
        [0, b64(RED), "Is there a dog in this image? Please answer yes or no.", "Yes", "existence"],
        [1, "0", "Is there a cat in this image? Please answer yes or no.", "No", "existence"],
        [2, b64(GREEN), "Are there two apples in the image? Please answer yes or no.", "Yes", "count"],
        [3, "2", "Are there three apples in the image? Please answer yes or no.", "No", "count"],
    ], ["index", "image", "question", "answer", "category"])
    mmb_cols = ["index", "question", "hint", "A", "B", "C", "D", "answer", "category", "image",
                "source", "l2-category", "comment", "split"]
    write_tsv("MMBench_DEV_EN.tsv", [
        [10, "Which colour is the square?", "The picture shows a square.", "red", "green", "blue", "grey", "A",
         "attribute_recognition", b64(RED), "synthetic", "finegrained_perception", NAN, "dev"],
        [11, "What is shown?\nPick one.", NAN, "a cat", "a dog", "a \"quoted\" bird", NAN, "B",
         "image_scene", b64(GREEN), "synthetic", "coarse_perception", NAN, "dev"],
        [1000010, "Which colour is the square?", "The picture shows a square.", "green", "blue", "grey", "red", "D",
         "attribute_recognition", "10", "synthetic", "finegrained_perception", NAN, "dev"],
    ], mmb_cols)
    write_tsv("MMBench_DEV_CN.tsv", [
        [20, "图中的方块是什么颜色？", "图中有一个方块。", "红色", "绿色", "蓝色", "灰色", "A",
         "attribute_recognition", b64(RED), "synthetic", "finegrained_perception", NAN, "dev"],
    ], mmb_cols)
    write_tsv("SEEDBench_IMG.tsv", [
        [1, b64(BLUE), "What colour dominates the image?", "red", "green", "blue", "grey", "C", "Instance Attributes"],
    ], ["index", "image", "question", "A", "B", "C", "D", "answer", "category"])
    write_tsv("ScienceQA_TEST.tsv", [
        [0, b64(RED), "Which colour is shown?", "Look at the picture.", "red", "green", NAN, "A", "natural science", "test"],
        [1, NAN, "Which is a mammal?", NAN, "whale", "shark", "trout", "A", "natural science", "test"],
    ], ["index", "image", "question", "hint", "A", "B", "C", "answer", "category", "split"])
    write_tsv("MMStar.tsv", [
        [0, b64(GREY), "  Which shape is it?\nOptions: A: square, B: circle, C: star, D: line  ", "square", "circle",
         "star", "line", "A", "coarse perception", "image scene and topic"],
    ], ["index", "image", "question", "A", "B", "C", "D", "answer", "category", "l2-category"])
    write_tsv("AI2D_TEST.tsv", [
        [0, b64(GREEN), "Which stage comes first?", "egg", "larva", "pupa", "adult", "A", "life cycles"],
    ], ["index", "image", "question", "A", "B", "C", "D", "answer", "category"])
    write_tsv("ChartQA_TEST.tsv", [
        [0, b64(BLUE), "What is the highest value?", "42", "human_test"],
    ], ["index", "image", "question", "answer", "category"])
    write_tsv("DocVQA_VAL.tsv", [
        [0, b64(GREY), "What is the date?", "['1 May 1999', 'May 1, 1999']"],
    ], ["index", "image", "question", "answer"])
    write_tsv("TextVQA_VAL.tsv", [
        [0, b64(GREY), "what brand is this?", "['nokia', 'nokia', 'nokia', 'nokia', 'nokia', 'nokia', 'nokia', 'nokia', \"nokia's\", 'nokia']"],
    ], ["index", "image", "question", "answer"])
    write_tsv("RealWorldQA.tsv", [
        [0, b64(GREY), "How many lanes are there?\nA. 2\nB. 3\nC. 4\nPlease answer directly with only the letter of the correct option and nothing else.", "B"],
    ], ["index", "image", "question", "answer"])
    write_tsv("MMMU_DEV_VAL.tsv", [
        ["validation_Art_1", b64(RED), "Which colour is <image 1>?", "red", "green", NAN, NAN, "A", "Art", "multiple-choice", "validation"],
        ["validation_Math_2", b64(BLUE), "What is 6 times 7?", NAN, NAN, NAN, NAN, "42", "Math", "open", "validation"],
        ["dev_Art_1", b64(GREEN), "A dev question?", "x", "y", NAN, NAN, "A", "Art", "multiple-choice", "dev"],
    ], ["index", "image", "question", "A", "B", "C", "D", "answer", "category", "question_type", "split"])
    write_tsv("MathVista_MINI.tsv", [
        [1, b64(GREY), "What is the length of the bar?", NAN, NAN, "3.5", "free_form", "float", "1", "cm"],
        [2, b64(GREY), "Which bar is tallest?", "left", "right", "A", "multi_choice", "text", NAN, NAN],
        [3, b64(GREY), "How many bars are there?", NAN, NAN, "3", "free_form", "integer", NAN, NAN],
    ], ["index", "image", "question", "A", "B", "answer", "question_type", "answer_type", "precision", "unit"])
    write_tsv("HallusionBench.tsv", [
        ["VD_figure_0_0_0", b64(GREY), "Is the left line longer than the right line?", "No", "VD", "illusion"],
    ], ["index", "image", "question", "answer", "category", "l2-category"])
    write_tsv("AMBER.tsv", [
        [1, b64(GREEN), "Is there a tree in this image?", "Yes", "discriminative-hallucination"],
    ], ["index", "image", "question", "answer", "category"])
    write_tsv("MMVet.tsv", [
        [0, b64(RED), "What is the colour of the square?", "red", "rec"],
    ], ["index", "image", "question", "answer", "category"])
    write_tsv("POPE.tsv", [
        [0, b64(RED), "Is there a dog in the image?", "yes", "adversarial"],
        [1, b64(GREEN), "Is there a cat in the image?", "no", "random"],
        [2, "0", "Is there a chair in the image?", "no", "random"],
    ], ["index", "image", "question", "answer", "category"])
    write_tsv("GQA_TestDev_Balanced.tsv", [
        [0, b64(GREY), "What colour is the wall?", "white", "default"],
    ], ["index", "image", "question", "answer", "category"])
    # Bad input, written by hand so that each row breaks one rule (pandas still reads it).
    good = b64(RED)
    bad = OUT / "tsv" / "bad.tsv"
    bad.write_text("\t".join(["index", "image", "question", "hint", "A", "B", "answer", "category"]) + "\n" +
                   "\t".join(["0", good, "ok question", "None", "yes", "no", "A", "c"]) + "\n" +
                   "\t".join(["1", "!!" + "QUJD" * 20 + "Q", "corrupt base64", "nan", "yes", "no", "A", "c"]) + "\n" +
                   "\t".join(["2", base64.b64encode(b"not an image at all, just text" * 3).decode(), "not an image", "", "yes", "no", "A", "c"]) + "\n" +
                   "\t".join(["3", "77", "refers to a missing index", "", "yes", "no", "A", "c"]) + "\n" +
                   "\t".join(["4", "0", "", "", "yes", "no", "A", "c"]) + "\n" +
                   "\t".join(["5", "0", "\"quoted\ttab and \"\"quote\"\"\nnewline\"", "N/A", "yes", "\"no\"tail", "A", "c"]) + "\n" +
                   "\n" +
                   "   \n" +
                   "\t".join(["6", "0", "short row"]) + "\r\n" +
                   "\t".join(["7", "0", "too many fields", "", "yes", "no", "A", "c", "extra"]) + "\n" +
                   "\t".join(["8", "0", "mid\"quote stays", "", "yes", "no", "A", "c"]) + "\n",
                   encoding="utf-8")
    # pandas refuses the too-many-fields row for the whole file; the golden reads without it.
    text = bad.read_text(encoding="utf-8").splitlines(keepends=True)
    tmp = OUT / "tsv" / "bad_without_row7.tsv"
    tmp.write_text("".join(l for l in text if not l.startswith("7\t")), encoding="utf-8")
    golden(tmp)
    tmp.unlink()


def llava_layouts():
    base = OUT / "llava"
    # POPE: adversarial block first, as llava_pope_test.jsonl; label lines of POPE@e3e3926.
    pope = base / "pope"
    qs, labels = [], {"adversarial": [], "popular": [], "random": []}
    qid = 1
    for split, items in [("adversarial", [("dog", "yes"), ("cat", "no")]),
                         ("popular", [("person", "yes"), ("chair", "no")]),
                         ("random", [("car", "no"), ("imange", "yes")])]:
        for obj, label in items:
            image = f"COCO_val2014_00000000000{qid}.jpg"
            text = f"Is there a {obj} in the image?" if obj != "imange" else "Is there a bus in the imange?"
            qs.append({"question_id": qid, "image": image, "text": text + "\nAnswer the question using a single word or phrase.", "category": split})
            labels[split].append({"question_id": len(labels[split]) + 1, "image": image, "text": text, "label": label})
            save_image(pope / "val2014" / image, RED if label == "yes" else BLUE, "JPEG")
            qid += 1
    write_jsonl(pope / "llava_pope_test.jsonl", qs)
    for split, rows in labels.items():
        write_jsonl(pope / "coco" / f"coco_pope_{split}.json", rows)
    # TextVQA: question_id is the image id (repeats); annotations give answers and OCR tokens.
    tv = base / "textvqa"
    ann = {"dataset_name": "textvqa", "dataset_type": "val", "dataset_version": "0.5.1", "data": [
        {"question": "what brand is this?", "image_id": "003a8ae2ef43b901", "question_id": 34602,
         "answers": ["nokia"] * 9 + ["nokia's"], "ocr_tokens": ["NOKIA", "5:30", "$1,000", "don't"]},
        {"question": "is this denny's?", "image_id": "003a8ae2ef43b901", "question_id": 34603,
         "answers": ["yes"] * 10, "ocr_tokens": []},
    ]}
    write_json(tv / "TextVQA_0.5.1_val.json", ann)
    write_jsonl(tv / "llava_textvqa_val_v051_ocr.jsonl", [
        {"question_id": "003a8ae2ef43b901", "image": "003a8ae2ef43b901.jpg",
         "text": "What brand is this?\nReference OCR token: NOKIA, 5:30, $1,000, don't\nAnswer the question using a single word or phrase."},
        {"question_id": "003a8ae2ef43b901", "image": "003a8ae2ef43b901.jpg",
         "text": "Is this denny's?\nReference OCR token: \nAnswer the question using a single word or phrase."},
    ])
    save_image(tv / "train_images" / "003a8ae2ef43b901.jpg", GREY, "JPEG")
    # MME: llava_mme.jsonl + the official release folder (GT txt per image; the "artwork" layout
    # has images/ and questions_answers_YN/; one GT line with the two-space variant).
    mme = base / "mme"
    rel = mme / "MME_Benchmark_release_version"
    S = "\nAnswer the question using a single word or phrase."
    write_jsonl(mme / "llava_mme.jsonl", [
        {"question_id": "count/000000470121.jpg", "image": "count/000000470121.jpg", "text": "Is there only one bottle in the image?" + S, "category": "count"},
        {"question_id": "count/000000470121.jpg", "image": "count/000000470121.jpg", "text": "Are there two bottles in the image?" + S, "category": "count"},
        {"question_id": "artwork/10002.jpg", "image": "artwork/images/10002.jpg", "text": "Is this artwork created by Angelico?" + S, "category": "artwork"},
        {"question_id": "artwork/10002.jpg", "image": "artwork/images/10002.jpg", "text": "Is this artwork created by Ribera?" + S, "category": "artwork"},
    ])
    (rel / "count").mkdir(parents=True, exist_ok=True)
    (rel / "count" / "000000470121.txt").write_text(
        "Is there only one bottle in the image? Please answer yes or no.\tYes\n"
        "Are there two bottles in the image? Please answer yes or no.\tNo\n", encoding="utf-8")
    save_image(rel / "count" / "000000470121.jpg", GREEN, "JPEG")
    (rel / "artwork" / "questions_answers_YN").mkdir(parents=True, exist_ok=True)
    (rel / "artwork" / "questions_answers_YN" / "10002.txt").write_text(
        "Is this artwork created by Angelico? Please answer yes or no.\tYes\n"
        "Is this artwork created by Ribera?  Please answer yes or no.\tNo\n", encoding="utf-8")
    save_image(rel / "artwork" / "images" / "10002.jpg", BLUE, "JPEG")
    # GQA: string question ids; official questions json holds the answers.
    gqa = base / "gqa"
    write_jsonl(gqa / "llava_gqa_testdev_balanced.jsonl", [
        {"question_id": "20968379", "image": "n288870.jpg", "text": "Do the shorts have dark color?\nAnswer the question using a single word or phrase.", "category": "default"},
    ])
    write_json(gqa / "testdev_balanced_questions.json", {
        "20968379": {"imageId": "n288870", "question": "Do the shorts have dark color?", "answer": "yes", "fullAnswer": "Yes, the shorts are dark."}})
    save_image(gqa / "images" / "n288870.jpg", GREY, "JPEG")
    # MM-Vet.
    mv = base / "mmvet"
    write_jsonl(mv / "llava-mm-vet.jsonl", [{"question_id": 0, "image": "v1_0.png", "text": "What is x in the equation?"}])
    write_json(mv / "mm-vet.json", {"v1_0": {"imagename": "v1_0.png", "capability": ["ocr", "math"], "question": "What is x in the equation?", "answer": "-1<AND>-5"}})
    save_image(mv / "images" / "v1_0.png", GREY)
    # LLaVA-Bench in-the-wild.
    lb = base / "llava_bench"
    write_jsonl(lb / "questions.jsonl", [{"question_id": 0, "image": "001.jpg", "text": "What is the name of this famous sight in the photo?", "category": "conv"}])
    write_jsonl(lb / "answers_gpt4.jsonl", [{"question_id": 0, "text": "The famous sight in the photo is Diamond Head.", "answer_id": "x", "model_id": "gpt-4-0314", "metadata": {}}])
    write_jsonl(lb / "context.jsonl", [{"id": "001", "image": "001.jpg", "caption": "A volcanic crater by the sea."}])
    save_image(lb / "images" / "001.jpg", GREEN, "JPEG")
    # Bad input for the jsonl layout: a missing image file, a bad JSON line, escaping paths.
    bad = base / "bad_gqa"
    (bad / "images").mkdir(parents=True, exist_ok=True)
    (bad / "llava_gqa_testdev_balanced.jsonl").write_text(
        json.dumps({"question_id": "1", "image": "missing.jpg", "text": "Q1?\nAnswer the question using a single word or phrase."}) + "\n" +
        "{not json\n" +
        json.dumps({"question_id": "3", "image": "../escape.jpg", "text": "Q3?"}) + "\n" +
        json.dumps({"question_id": "4", "image": "/etc/hostname", "text": "Q4?"}) + "\n" +
        json.dumps({"question_id": "5", "image": "n1.jpg", "text": "Q5?"}) + "\n", encoding="utf-8")
    write_json(bad / "testdev_balanced_questions.json", {"1": {"answer": "a"}, "3": {"answer": "c"}, "4": {"answer": "d"}})
    save_image(bad / "images" / "n1.jpg", GREY, "JPEG")


def scienceqa():
    sq = OUT / "scienceqa"
    problems = {
        "5": {"question": "Which colour is shown?", "choices": ["red", "green"], "answer": 0, "hint": "Look at the picture.",
              "image": "image.png", "task": "closed choice", "grade": "grade2", "subject": "natural science",
              "topic": "colours", "category": "Colours", "skill": "Identify colours", "lecture": "", "solution": "", "split": "test"},
        "7": {"question": "Which shape is shown?", "choices": ["circle", "square", "triangle"], "answer": 2, "hint": "",
              "image": "image.png", "grade": "grade1", "subject": "language science", "split": "test"},
        "9": {"question": "Which is a mammal?", "choices": ["whale", "shark"], "answer": 0, "hint": "", "image": None,
              "grade": "grade3", "subject": "natural science", "split": "test"},
        "11": {"question": "Train question?", "choices": ["a", "b"], "answer": 1, "hint": "", "image": None, "split": "train"},
    }
    write_json(sq / "problems.json", problems)
    write_json(sq / "pid_splits.json", {"train": ["11"], "val": [], "test": ["5", "7", "9"]})
    save_image(sq / "images" / "test" / "5" / "image.png", RED)
    save_image(sq / "images" / "test" / "7" / "image.png", BLUE)


def parquet():
    """A tiny lmms-eval-style VQAv2 parquet (HF Image struct), converted by scripts/convert_parquet.py."""
    src = OUT / "parquet_src"
    src.mkdir(parents=True, exist_ok=True)
    image_type = pa.struct([("bytes", pa.binary()), ("path", pa.string())])
    answers_type = pa.list_(pa.struct([("answer", pa.string()), ("answer_confidence", pa.string()), ("answer_id", pa.int64())]))
    table = pa.table({
        "question_id": pa.array([262148000, 262148001], pa.int64()),
        "question": ["Where is he looking?", "What are the people in the background doing?"],
        "question_type": ["none of the above", "what are the"],
        "answers": pa.array([[{"answer": "down", "answer_confidence": "yes", "answer_id": i} for i in range(1, 11)],
                             [{"answer": "watching", "answer_confidence": "yes", "answer_id": i} for i in range(1, 11)]], answers_type),
        "multiple_choice_answer": ["down", "watching"],
        "answer_type": ["other", "other"],
        "image": pa.array([{"bytes": image_bytes(RED, "JPEG"), "path": "COCO_val2014_000000262148.jpg"},
                           {"bytes": image_bytes(GREEN, "JPEG"), "path": "COCO_val2014_000000262148.jpg"}], image_type),
    })
    pq.write_table(table, src / "validation-00000-of-00001.parquet")
    out = OUT / "slime_jsonl" / "vqav2_val"
    shutil.rmtree(out, ignore_errors=True)
    subprocess.run([sys.executable, str(ROOT / "scripts" / "convert_parquet.py"), "--task", "vqav2_val", "--split", "validation",
                    "--parquet", str(src / "validation-00000-of-00001.parquet"), "--out", str(out)], check=True)


def main():
    for sub in ("tsv", "llava", "scienceqa", "slime_jsonl", "parquet_src"):
        shutil.rmtree(OUT / sub, ignore_errors=True)
    tsvs()
    llava_layouts()
    scienceqa()
    parquet()
    print(f"pandas {pd.__version__}, pyarrow {pa.__version__}, Pillow {Image.__version__}")


if __name__ == "__main__":
    main()
