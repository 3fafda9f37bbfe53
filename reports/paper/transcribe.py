#!/usr/bin/env python3
"""Transcribes Tables 1-4 of the SliME reference notes (shared docs/paper.md) into table<N>.json.

Usage: python3 reports/paper/transcribe.py PATH/TO/paper.md reports/paper
Cells are kept exactly as printed ("84.9" stays "84.9"); **x** / <u>x</u> become marks
"best" / "second"; "-" and "-*" become null values (the printed text is kept). Columns carry
units and the slime task/metric they map to (hand-written below, not in paper.md). Standard
library only; no network.
"""
import json
import re
import sys

# Column metadata written by hand from paper.md §1-§5 (metric and split per benchmark) and the
# evaluators' registry (task names and metric keys of slime-bench).
PCT = "percent"
COLUMNS = {
    "VQA^T": {"unit": PCT, "tasks": {"textvqa_val_ocr": "accuracy", "textvqa_val": "accuracy"}},
    "GQA": {"unit": PCT, "tasks": {"gqa": "accuracy"}},
    "VQA^v2": {"unit": PCT, "tasks": {"vqav2_val": "accuracy"}},
    "MMB": {"unit": PCT, "tasks": {"mmbench_dev_en": "circular_accuracy"}},
    "MMB^C": {"unit": PCT, "tasks": {"mmbench_dev_cn": "circular_accuracy"}},
    "MMMU_v": {"unit": PCT, "tasks": {"mmmu_val": "accuracy"}},
    "LLaVA^W": {"unit": "score ratio vs GPT-4 (percent)", "tasks": {}},
    "MME^P": {"unit": "score (sum of 10 subtasks, max 2000)", "tasks": {"mme": "perception"}},
    "MME^C": {"unit": "score (sum of 4 subtasks, max 800)", "tasks": {"mme": "cognition"}},
    "MM-Vet": {"unit": "GPT-4-graded score (percent)", "tasks": {}},
    "MathVerse": {"unit": PCT, "tasks": {}},
    "MathVista": {"unit": PCT, "tasks": {"mathvista_testmini": "rule_extracted_accuracy"}},
    "MathVision": {"unit": PCT, "tasks": {}},
    "ScienceQA (IMG)": {"unit": PCT, "tasks": {"scienceqa_img": "img_accuracy"}},
    "SQA": {"unit": PCT, "tasks": {"scienceqa_img": "img_accuracy"}},
    # evaluators/benchmarks/pope.cpp reports F1 as a 0-1 ratio; the paper prints percent.
    "POPE": {"unit": "F1 (percent, mean of 3 splits)", "tasks": {"pope": ("mean_f1", 100.0)}},
    "AMBER": {"unit": PCT, "tasks": {"amber_d": "avg_acc"}},
    "MME^H": {"unit": "score (existence+count+position+color, max 800)", "tasks": {"mme": "hallucination"}},
}

TABLES = {
    1: ("## 1. Table 1", "General QA and open-ended generation", "SliME-8B"),
    2: ("## 2. Table 2", "Science/math reasoning and hallucination", "SliME-8B"),
    3: ("## 3. Table 3", "Ablations on the global MoE, the token number of the compression layer (Nq), "
        "the router parameter gamma, and the training data", "Final"),
    4: ("## 4. Table 4", "Different treatments of global vs local features, and two training strategies",
        "Alternating (3-stage)"),
}


def split_row(line):
    return [c.strip() for c in line.strip().strip("|").split("|")]


def parse_cell(text):
    mark = None
    m = re.fullmatch(r"\*\*(.*)\*\*", text)
    if m:
        text, mark = m.group(1), "best"
    m = re.fullmatch(r"<u>(.*)</u>", text)
    if m:
        text, mark = m.group(1), "second"
    value = None if text in ("-", "-*") else float(text)
    return {"printed": text, "value": value, "mark": mark}


def transcribe(md, number):
    heading, caption, reference_row = TABLES[number]
    section = md[md.index(heading):]
    section = section[:section.index("\n---")]
    lines = section.splitlines()
    start = next(i for i, l in enumerate(lines) if l.startswith("| Method") or l.startswith("| Setting"))
    header = split_row(lines[start])
    label_columns = 2 if header[1] == "LLM" else 1
    columns = []
    for name in header[label_columns:]:
        meta = COLUMNS[name]
        tasks = {}
        for task, metric in meta["tasks"].items():
            metric, scale = metric if isinstance(metric, tuple) else (metric, 1.0)
            tasks[task] = {"metric": metric, "scale": scale}
        columns.append({"name": name, "unit": meta["unit"], "tasks": tasks})
    rows, group = [], None
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        cells = split_row(line)
        g = re.fullmatch(r"\*(.*)\*", cells[0])
        if g and all(c == "" for c in cells[1:]):
            group = g.group(1)
            continue
        row = {"label": cells[0]}
        if label_columns == 2:
            row["llm"] = cells[1]
        if group:
            row["group"] = group
        row["cells"] = [parse_cell(c) for c in cells[label_columns:]]
        assert len(row["cells"]) == len(columns), line
        rows.append(row)
    return {
        "table": number,
        "source": "SliME, arXiv 2406.08487v3, via shared docs/paper.md",
        "caption": caption,
        "row_header": header[0],
        "reference_row": reference_row,
        "columns": columns,
        "rows": rows,
    }


def main():
    md = open(sys.argv[1], encoding="utf-8").read()
    for n in TABLES:
        with open(f"{sys.argv[2]}/table{n}.json", "w", encoding="utf-8") as f:
            json.dump(transcribe(md, n), f, indent=1, ensure_ascii=False)
            f.write("\n")


if __name__ == "__main__":
    main()
