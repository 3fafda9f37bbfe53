"""Per-benchmark golden cases for gen_scorer_golden.py: small sample sets run through the upstream
process_results / aggregation functions. Each case is
  {"task", "profile", "samples": [...], "predictions": [{"id", "text"}],
   "expected": {json_pointer: number}, "per_sample": {id: {"correct"|"accuracy"|...: number}}}
where json_pointer addresses TaskScore::metrics (see tests/unit/evaluators/test_benchmarks.cpp)."""
import ast
import contextlib
import io
import json
import os
import random
import statistics
import tempfile

import numpy as np
import pandas as pd

from scorer_upstream import load, load_method


def sample(i, answer="", **kw):
    s = {"id": str(i), "answer": answer}
    s.update(kw)
    return s


def mme_vlmevalkit(vk):
    """VLMEvalKit MME_rating (needs every one of the 14 categories) on YOrN_Extraction scores."""
    yorn = load(vk / "dataset/utils/yorn.py", ["YOrN_Extraction", "MME_rating"])
    misc = load(vk / "smp/misc.py", ["process_punctuation", "d2df"])
    yorn["YOrN_Extraction"].__globals__.update(process_punctuation=misc["process_punctuation"], d2df=misc["d2df"], pd=pd)
    cats = ["OCR", "artwork", "celebrity", "color", "count", "existence", "landmark", "position", "posters", "scene",
            "code_reasoning", "commonsense_reasoning", "numerical_calculation", "text_translation"]
    preds = ["Yes", "No", "yes.", "no, it is not", "Yes and no", "No", "I think yes", "There is no dog", "y", "No."]
    rows, samples, predictions = [], [], []
    n = 0
    for ci, c in enumerate(cats):
        for img in range(2):
            for q, gt in enumerate(["Yes", "No"]):
                p = preds[(ci * 4 + img * 2 + q) % len(preds)]
                ext = yorn["YOrN_Extraction"](p)
                rows.append({"category": c, "image_path": f"{c}/{img}.jpg", "answer": gt, "score": ext == gt})
                samples.append(sample(n, gt, category=c, meta={"image_path": f"{c}/{img}.jpg"}))
                predictions.append({"id": str(n), "text": p})
                n += 1
    df = pd.DataFrame(rows)
    yorn["MME_rating"].__globals__["load"] = lambda f: df
    ret = yorn["MME_rating"]("unused").iloc[0].to_dict()
    exp = {"/perception": ret["perception"], "/cognition": ret["reasoning"]}
    for c in cats:
        exp[f"/subtasks/{c}/score"] = ret[c]
    return {"task": "mme", "profile": "vlmevalkit", "samples": samples, "predictions": predictions, "expected": exp}


def mme_lmms(lm):
    mme = load(lm / "tasks/mme/utils.py", ["parse_pred_ans", "eval_type_dict", "mme_process_results",
                                          "mme_aggregate_results"])
    mme["mme_process_results"].__globals__.update(mme)
    preds = ["Yes", "No", "yes", "y", "No.", "The answer is no", "Yes", "Yes", "n", "No", "no", "Yes, it is"]
    gts = ["Yes", "No", "Yes", "No", "No", "Yes", "Yes", "Yes", "No", "No", "No", "Yes"]
    cats = ["existence"] * 4 + ["OCR"] * 4 + ["code_reasoning"] * 4
    res = {"mme_perception_score": [], "mme_cognition_score": []}
    samples, predictions = [], []
    for i, (p, g, c) in enumerate(zip(preds, gts, cats)):
        doc = {"question_id": f"{c}/img{i // 2}.png", "category": c, "answer": g}
        for k, v in mme["mme_process_results"](doc, [p]).items():
            res[k].append(v)
        samples.append(sample(i, g, category=c, meta={"image": f"{c}/img{i // 2}.png"}))
        predictions.append({"id": str(i), "text": p})
    return {"task": "mme", "profile": "lmms_eval", "samples": samples, "predictions": predictions,
            "expected": {"/perception": mme["mme_aggregate_results"](res["mme_perception_score"]),
                         "/cognition": mme["mme_aggregate_results"](res["mme_cognition_score"])}}


POPE_PREDS = ["Yes", "No", "no.", "yes", "I think not", "There is a dog.", "", "No, there is not", "Yes", "NO",
              "yes", "no", "Not at all", "Yes, but no", "nope"]
POPE_GTS = ["yes", "no", "yes", "no", "no", "yes", "no", "yes", "yes", "no", "no", "yes", "no", "yes", "no"]


def pope_llava(ll):
    ev = load(ll / "llava/eval/eval_pope.py", ["eval_pope"])["eval_pope"]
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
        for g in POPE_GTS:
            f.write(json.dumps({"label": g}) + "\n")
    buf = io.StringIO()
    answers = [{"text": p} for p in POPE_PREDS]
    with contextlib.redirect_stdout(buf):
        ev(answers, f.name)
    os.unlink(f.name)
    exp = {}
    for line in buf.getvalue().splitlines():
        for key, name in (("Accuracy: ", "accuracy"), ("Precision: ", "precision"), ("Recall: ", "recall"),
                          ("F1 score: ", "f1"), ("Yes ratio: ", "yes_ratio")):
            if line.startswith(key):
                exp["/" + name] = float(line[len(key):])
    samples = [sample(i, g, category="adversarial") for i, g in enumerate(POPE_GTS)]
    return {"task": "pope_adversarial", "profile": "llava_official", "samples": samples,
            "predictions": [{"id": str(i), "text": p} for i, p in enumerate(POPE_PREDS)], "expected": exp,
            "per_sample": {str(i): {"filtered": a["text"]} for i, a in enumerate(answers)}}


def pope_lmms(lm):
    pope = load(lm / "tasks/pope/utils.py", ["pope_process_results", "pope_aggregate_accuracy", "pope_aggregate_precision",
                                            "pope_aggregate_recall", "pope_aggregate_f1_score", "pope_aggregate_yes_ratio"])
    pope["pope_aggregate_f1_score"].__globals__.update(pope)
    res = [pope["pope_process_results"]({"question_id": i, "answer": g}, [p])["pope_accuracy"]
           for i, (p, g) in enumerate(zip(POPE_PREDS, POPE_GTS))]
    exp = {"/accuracy": pope["pope_aggregate_accuracy"](res), "/precision": pope["pope_aggregate_precision"](res),
           "/recall": pope["pope_aggregate_recall"](res), "/f1": pope["pope_aggregate_f1_score"](res),
           "/lmms_gt_yes_ratio": pope["pope_aggregate_yes_ratio"](res)}
    samples = [sample(i, g, category="popular") for i, g in enumerate(POPE_GTS)]
    return {"task": "pope_popular", "profile": "lmms_eval", "samples": samples,
            "predictions": [{"id": str(i), "text": p} for i, p in enumerate(POPE_PREDS)], "expected": exp}


TEXTVQA = [("Stop", ["stop"] * 7 + ["stop sign"] * 3), ("the STOP sign.", ["stop sign"] * 2 + ["stop"] * 8),
           ("Two", ["2"] * 3 + ["two"] * 2 + ["3"] * 5), ("coca-cola", ["coca cola"] * 4 + ["coke"] * 6),
           ("it's 10:30", ["10:30"] * 10), ("", ["unanswerable"] * 10), ("Dr. Pepper", ["dr pepper"] * 5 + ["pepper"] * 5),
           ("1,000", ["1000"] * 6 + ["1,000"] * 4), ("yes.", ["yes"] * 10), ("$5.00", ["$5"] * 5 + ["5.00"] * 5)]


def textvqa_cases(lm, vk, ll):
    tv = load(lm / "tasks/textvqa/utils.py", ["textvqa_process_results"])
    proc = load(lm / "tasks/_task_utils/vqa_eval_metric.py", ["EvalAIAnswerProcessor"])
    tv["textvqa_process_results"].__globals__.update(EvalAIAnswerProcessor=proc["EvalAIAnswerProcessor"], statistics=statistics)
    samples = [sample(i, answers=list(a)) for i, (p, a) in enumerate(TEXTVQA)]
    preds = [{"id": str(i), "text": p} for i, (p, a) in enumerate(TEXTVQA)]
    lm_acc = [tv["textvqa_process_results"]({"answers": list(a), "question_id": 1}, [p])["exact_match"] for p, a in TEXTVQA]
    m4c = load(ll / "llava/eval/m4c_evaluator.py", ["EvalAIAnswerProcessor", "TextVQAAccuracyEvaluator"])
    llava_acc = m4c["TextVQAAccuracyEvaluator"]().eval_pred_list(
        [{"pred_answer": p, "gt_answers": list(a)} for p, a in TEXTVQA])
    vqa = load(vk / "dataset/utils/vqa_eval.py", ["_process_digit_article", "process_answer", "process_line", "hit_calculate",
                                                "anls_compute", "relaxed_correctness", "levenshtein_distance"])
    misc = load(vk / "smp/misc.py", ["process_punctuation", "istype", "listinstr"])
    vqa["process_line"].__globals__.update({**vqa, **misc})
    vk_lines = [vqa["process_line"]({"answer": str(list(a)), "prediction": p}) for p, a in TEXTVQA]
    vk_acc = vqa["hit_calculate"](vk_lines, "TextVQA_VAL")
    return [
        {"task": "textvqa_val", "profile": "lmms_eval", "samples": samples, "predictions": preds,
         "expected": {"/accuracy": 100 * statistics.mean(lm_acc)},
         "per_sample": {str(i): {"accuracy": v} for i, v in enumerate(lm_acc)}},
        {"task": "textvqa_val_ocr", "profile": "llava_official", "samples": samples, "predictions": preds,
         "expected": {"/accuracy": 100 * llava_acc}},
        {"task": "textvqa_val", "profile": "vlmevalkit", "samples": samples, "predictions": preds,
         "expected": {"/accuracy": 100 * float(np.mean(vk_acc))},
         "per_sample": {str(i): {"accuracy": float(v)} for i, v in enumerate(vk_acc)}},
    ]


def vqav2_lmms(lm):
    vq = load(lm / "tasks/vqav2/utils.py", ["vqav2_process_results"])
    proc = load(lm / "tasks/_task_utils/vqa_eval_metric.py", ["EvalAIAnswerProcessor"])
    vq["vqav2_process_results"].__globals__.update(EvalAIAnswerProcessor=proc["EvalAIAnswerProcessor"], statistics=statistics)
    accs = []
    for p, a in TEXTVQA:
        doc = {"question_id": 1, "answers": [{"answer": x, "answer_confidence": "yes", "answer_id": k + 1}
                                             for k, x in enumerate(a)]}
        accs.append(vq["vqav2_process_results"](doc, [p])["exact_match"])
    samples = [sample(i, answers=list(a)) for i, (p, a) in enumerate(TEXTVQA)]
    return {"task": "vqav2_val", "profile": "lmms_eval", "samples": samples,
            "predictions": [{"id": str(i), "text": p} for i, (p, a) in enumerate(TEXTVQA)],
            "expected": {"/accuracy": 100 * statistics.mean(accs)},
            "per_sample": {str(i): {"accuracy": v} for i, v in enumerate(accs)}}


OPTS = [["A", "cat"], ["B", "dog"], ["C", "red apple"], ["D", "blue sky"]]
MC_PREDS = ["A", "b", " C. red apple", "The answer is (D).", "B) dog", "dog", "Answer: C", "", "I choose B", "a cat",
            "(A)", "D.", "The correct option is C", "E", "Both A and B"]
MC_GTS = ["A", "B", "C", "D", "B", "B", "C", "A", "B", "A", "A", "D", "C", "A", "B"]


def mc_cases(lm):
    out = []
    seed = load(lm / "tasks/seedbench/utils.py", ["seed_process_result", "seed_aggregation_result"])
    res = [seed["seed_process_result"]({"answer": g, "data_type": "image", "question_id": i}, [p])["seed_image"]
           for i, (p, g) in enumerate(zip(MC_PREDS, MC_GTS))]
    mk = lambda task, **kw: [sample(i, g, options=OPTS, **kw) for i, g in enumerate(MC_GTS)]
    preds = [{"id": str(i), "text": p} for i, p in enumerate(MC_PREDS)]
    out.append({"task": "seed_image", "profile": "lmms_eval", "samples": mk("seed_image"), "predictions": preds,
                "expected": {"/accuracy": 100 * seed["seed_aggregation_result"](res)}})
    sqa = load(lm / "tasks/scienceqa/utils.py", ["sqa_doc_to_target", "sqa_process_results"])
    sqa["sqa_process_results"].__globals__.update(sqa)
    sq = [sqa["sqa_process_results"]({"choices": [t for _, t in OPTS], "answer": "ABCD".index(g)}, [p])["exact_match"]
          for p, g in zip(MC_PREDS, MC_GTS)]
    out.append({"task": "scienceqa_img", "profile": "lmms_eval", "samples": mk("scienceqa_img"), "predictions": preds,
                "expected": {"/accuracy": 100 * statistics.mean(sq)},
                "per_sample": {str(i): {"correct": v} for i, v in enumerate(sq)}})
    mcq = load(lm / "tasks/_task_utils/mcq_extract.py", ["_DEFAULT_CHOICES", "_ANSWER_PHRASES", "_FORMAT_PRIORITY",
                                                       "extract_mcq_answer"])
    rw = load(lm / "tasks/realworldqa/utils.py", ["realworldqa_process_results"])
    # The function imports extract_mcq_answer from the package; provide the loaded one instead.
    import sys
    import types
    fake = types.ModuleType("lmms_eval.tasks._task_utils.mcq_extract")
    fake.extract_mcq_answer = mcq["extract_mcq_answer"]
    for name in ("lmms_eval", "lmms_eval.tasks", "lmms_eval.tasks._task_utils"):
        sys.modules.setdefault(name, types.ModuleType(name))
    sys.modules["lmms_eval.tasks._task_utils.mcq_extract"] = fake
    rw_preds = MC_PREDS + ["Downhill.", " 3 ", "three"]
    rw_gts = MC_GTS + ["downhill", "3", "3"]
    rws = [rw["realworldqa_process_results"]({"answer": g}, [p])["exact_match"] for p, g in zip(rw_preds, rw_gts)]
    out.append({"task": "realworldqa", "profile": "lmms_eval",
                "samples": [sample(i, g) for i, g in enumerate(rw_gts)],
                "predictions": [{"id": str(i), "text": p} for i, p in enumerate(rw_preds)],
                "expected": {"/accuracy": 100 * statistics.mean(rws)},
                "per_sample": {str(i): {"correct": v} for i, v in enumerate(rws)}})
    ms = load(lm / "tasks/mmstar/utils.py", ["exact_match", "mmstar_process_results", "mmstar_aggregate_results"])
    ms["mmstar_process_results"].__globals__.update(ms)
    cats = [("coarse perception", "image emotion"), ("coarse perception", "image scene and topic"),
            ("math", "numeric commonsense and calculation")]
    per_cat, avg = {}, []
    samples = []
    for i, (p, g) in enumerate(zip(MC_PREDS, MC_GTS)):
        c, l2 = cats[i % 3] if i < 12 else cats[0]
        r = ms["mmstar_process_results"]({"answer": g, "category": c, "l2_category": l2, "index": i}, [p])
        per_cat.setdefault(c, []).append(r[c])
        avg.append(r["average"])
        samples.append(sample(i, g, category=c, meta={"l2_category": l2}))
    exp = {"/average": 100 * ms["mmstar_aggregate_results"](avg)}
    for c, v in per_cat.items():
        exp[f"/by_category/{c}"] = 100 * ms["mmstar_aggregate_results"](v)
    out.append({"task": "mmstar", "profile": "lmms_eval", "samples": samples, "predictions": preds, "expected": exp})
    return out


def chartqa_lmms(lm):
    ch = load(lm / "tasks/chartqa/utils.py", ["chartqa_process_results", "relaxed_correctness"])
    ch["chartqa_process_results"].__globals__.update(ch)
    rows = [("10", "10.4", "human_test"), ("12%", "0.12", "augmented_test"), ("0", "0", "human_test"),
            ("Yes", "yes", "augmented_test"), ("5.3", "5", "human_test"), ("1,000", "1000", "augmented_test")]
    res = [ch["chartqa_process_results"]({"type": t, "answer": a}, [p]) for p, a, t in rows]
    mean = lambda key: 100 * statistics.mean([r[key] for r in res if key in r])
    return {"task": "chartqa", "profile": "lmms_eval",
            "samples": [sample(i, a, meta={"type": t}) for i, (p, a, t) in enumerate(rows)],
            "predictions": [{"id": str(i), "text": p} for i, (p, a, t) in enumerate(rows)],
            "expected": {"/relaxed_overall": mean("relaxed_overall"), "/relaxed_human_split": mean("relaxed_human_split"),
                         "/relaxed_augmented_split": mean("relaxed_augmented_split")}}


def mmmu_cases(lm):
    mu = load(lm / "tasks/mmmu/utils.py", ["extract_numbers", "check_is_number", "normalize_str", "parse_open_response",
                                          "eval_open", "eval_multi_choice", "evaluate_mmmu", "calculate_ins_level_acc",
                                          "DOMAIN_CAT2SUB_CAT", "extract_subset_name", "mmmu_aggregate_results"])
    mc = load(lm / "tasks/_task_utils/mmmu_mcq_utils.py", ["parse_mmmu_multi_choice_response"])
    for f in mu.values():
        if callable(f) and hasattr(f, "__globals__"):
            f.__globals__.update(mu)
    rows = [("validation_Art_1", "multiple-choice", "B", "The answer is (B)."),
            ("validation_Art_2", "multiple-choice", "C", "I think C is right, not A"),
            ("validation_Math_1", "open", "42", "The answer is 42."),
            ("validation_Math_2", "open", "3.5", "so x = 3.50"),
            ("validation_Math_3", "open", "blue", "Therefore the colour is blue"),
            ("validation_Physics_1", "multiple-choice", "A", "Answer: A."),
            ("validation_Physics_2", "open", "1,000", "about 1000 N"),
            ("validation_Clinical_Medicine_1", "multiple-choice", "D", "(D) cancer")]
    options = ["cat", "dog", "red apple", "cancer"]
    lmms_results, official = [], []
    samples, preds = [], []
    for id_, qt, gold, resp in rows:
        if qt == "multiple-choice":
            letters = ["A", "B", "C", "D"]
            parsed = mc["parse_mmmu_multi_choice_response"](resp, letters, dict(zip(letters, options)))
            lmms_parsed = [parsed]
            ok = parsed == gold
        else:
            full = mu["parse_open_response"](resp)
            lmms_parsed = [str(full[0]) if full else ""]
            ok = mu["eval_open"](gold, full)
        lmms_results.append({"id": id_, "subdomain": mu["extract_subset_name"](id_), "question_type": qt,
                             "answer": gold, "parsed_pred": lmms_parsed})
        official.append(1.0 if ok else 0.0)
        s = sample(id_, gold, meta={"question_type": qt})
        s["id"] = id_
        if qt == "multiple-choice":
            s["options"] = [[l, t] for l, t in zip("ABCD", options)]
        samples.append(s)
        preds.append({"id": id_, "text": resp})
    with contextlib.redirect_stdout(io.StringIO()):
        lmms_acc = mu["mmmu_aggregate_results"](lmms_results)
    return [{"task": "mmmu_val", "profile": "lmms_eval", "samples": samples, "predictions": preds,
             "expected": {"/accuracy": 100 * lmms_acc}},
            {"task": "mmmu_val", "profile": "llava_official", "samples": samples, "predictions": preds,
             "expected": {"/accuracy": 100 * statistics.mean(official)},
             "per_sample": {r[0]: {"correct": v} for r, v in zip(rows, official)}}]


def yorn_ratings(vk):
    yorn = load(vk / "dataset/utils/yorn.py", ["YOrN_Extraction", "AMBER_rating", "Hallusion_rating"])
    misc = load(vk / "smp/misc.py", ["process_punctuation", "d2df"])
    yorn["YOrN_Extraction"].__globals__.update(process_punctuation=misc["process_punctuation"], d2df=misc["d2df"], pd=pd)
    cats = ["discriminative-attribute-state", "discriminative-attribute-number", "discriminative-hallucination",
            "discriminative-relation", "relation"]
    preds = ["Yes", "No", "yes, there is", "no.", "I am not sure", "Yes", "No", "no", "YES", "nope", "Yes", "No"]
    gts = ["Yes", "No", "Yes", "Yes", "No", "No", "No", "No", "Yes", "No", "Yes", "Yes"]
    rows = [{"category": cats[i % 5], "image_path": f"{i}.jpg", "answer": g,
             "score": yorn["YOrN_Extraction"](p) == g} for i, (p, g) in enumerate(zip(preds, gts))]
    df = pd.DataFrame(rows)
    yorn["AMBER_rating"].__globals__["load"] = lambda f: df
    amber = yorn["AMBER_rating"]("unused").iloc[0].to_dict()
    exp = {"/avg_acc": amber["Avg ACC"]}
    for k in ("Attribute", "Existence", "Relation"):
        exp[f"/by_category/{k}"] = amber[k]
    out = [{"task": "amber_d", "profile": "vlmevalkit",
            "samples": [sample(i, g, category=cats[i % 5]) for i, g in enumerate(gts)],
            "predictions": [{"id": str(i), "text": p} for i, p in enumerate(preds)], "expected": exp}]
    hb_rows, samples = [], []
    for i, (p, g) in enumerate(zip(preds, gts)):
        idx = f"VD_chart_{i % 2}_{i // 4}_{(i // 2) % 2}_{i % 3}"
        hb_rows.append({"index": idx, "category": "VD", "l2-category": "chart" if i < 8 else "table",
                        "score": yorn["YOrN_Extraction"](p) == g})
        samples.append({"id": idx, "answer": g, "category": "VD", "meta": {"l2-category": "chart" if i < 8 else "table"}})
    hdf = pd.DataFrame(hb_rows)
    yorn["Hallusion_rating"].__globals__["load"] = lambda f: hdf.copy()
    hr = yorn["Hallusion_rating"]("unused")
    overall = hr[hr["split"] == "Overall"].iloc[0]
    out.append({"task": "hallusionbench", "profile": "vlmevalkit", "samples": samples,
                "predictions": [{"id": s["id"], "text": p} for s, p in zip(samples, preds)],
                "expected": {"/aAcc": float(overall["aAcc"]), "/fAcc": float(overall["fAcc"]), "/qAcc": float(overall["qAcc"])}})
    return out


def mathvista_lmms(lm):
    from Levenshtein import distance
    ev = load_method(lm / "tasks/mathvista/mathvista_evals.py", "MathVistaEvaluator",
                     ["extract_answer", "create_test_prompt", "get_most_similar", "normalize_extracted_answer",
                      "safe_equal"], {"distance": distance})
    demo = load(lm / "tasks/mathvista/mathvista_evals.py", ["DEMO_PROMPT"])
    ev.extract_answer.__func__.__globals__.update(demo)
    ev.get_chat_response = lambda *a, **k: ""  # no judge: the GPT extraction yields nothing
    rows = [("multi_choice", "text", None, ["3", "5", "7"], "5", "5"),
            ("multi_choice", "text", None, ["red", "blue"], "blue", "(B)"),
            ("multi_choice", "text", None, ["red", "blue"], "red", "B"),
            ("multi_choice", "text", None, ["apple", "banana"], "banana", "the banana"),
            ("free_form", "integer", None, [], "12", " 12 "),
            ("free_form", "integer", None, [], "12", "12.0"),
            ("free_form", "float", 1, [], "3.5", "3.5"),
            ("free_form", "float", 2, [], "1.25", "1.250"),
            ("free_form", "float", 2, [], "0.1", "The answer is 0.1"),
            ("free_form", "list", None, [], "[1, 2]", "[1, 2]"),
            ("free_form", "text", None, [], "abc", "abc")]
    correct, samples, preds = [], [], []
    for i, (qt, at, prec, choices, ans, resp) in enumerate(rows):
        problem = {"question_type": qt, "answer_type": at, "choices": choices, "query": "q", "answer": ans,
                   "precision": prec if prec is not None else 0}
        ext = ev.extract_answer(resp.strip(), problem, False)
        pred = ev.normalize_extracted_answer(ext, choices, qt, at, problem["precision"])
        correct.append(1.0 if ev.safe_equal(pred, ans) else 0.0)
        meta = {"question_type": qt, "answer_type": at}
        if prec is not None:
            meta["precision"] = prec
        samples.append(sample(i, ans, options=[[chr(65 + k), c] for k, c in enumerate(choices)], meta=meta))
        preds.append({"id": str(i), "text": resp})
    return {"task": "mathvista_testmini", "profile": "lmms_eval", "samples": samples, "predictions": preds,
            "expected": {"/rule_extracted_accuracy": 100 * statistics.mean(correct)},
            "per_sample": {str(i): {"correct": v} for i, v in enumerate(correct)}}


def docvqa_gqa_ai2d(lm):
    met = load(lm / "api/metrics.py", ["levenshtein_distance", "anls", "exact_match_hf_evaluate"])
    met["anls"].__globals__.update(met)
    rows = [(["Hello World"], "hello world"), (["hello"], "helo"), (["  Foo  Bar "], "foo baz"), (["ß"], "ss"),
            (["a", "bcd"], "bcd"), (["12"], "")]
    an = [met["anls"](g, [p])["anls"] for g, p in rows]
    out = [{"task": "docvqa_val", "profile": "lmms_eval",
            "samples": [sample(i, answers=g) for i, (g, p) in enumerate(rows)],
            "predictions": [{"id": str(i), "text": p} for i, (g, p) in enumerate(rows)],
            "expected": {"/anls": 100 * statistics.mean(an)}, "per_sample": {str(i): {"anls": v} for i, v in enumerate(an)}}]
    g_rows = [("Yes.", "yes"), ("t-shirt", "tshirt"), ("Dog", "dog"), ("left", "right"), ("man's", "mans")]
    em = [float(met["exact_match_hf_evaluate"]([p], [r], ignore_case=True, ignore_punctuation=True)["exact_match"])
          for p, r in g_rows]
    out.append({"task": "gqa", "profile": "lmms_eval", "samples": [sample(i, r) for i, (p, r) in enumerate(g_rows)],
                "predictions": [{"id": str(i), "text": p} for i, (p, r) in enumerate(g_rows)],
                "expected": {"/accuracy": 100 * statistics.mean(em)}})
    # ai2d: MultiChoiceRegexFilter.apply (re-typed: its base class needs the lmms filter registry;
    # the regex and fallback are the two lines of upstream apply()) + exact_match_hf_evaluate.
    import re
    option_letter_regex = re.compile(r"^\s*([A-Z])\.")
    a_rows = [("B. dog", "B"), ("  C. red", "C"), ("b", "B"), ("The answer is D.", "D"), ("A", "A"), ("(A)", "A")]
    ai = []
    for p, g in a_rows:
        m = option_letter_regex.match(p)
        f = m.group(1) if m else p
        ai.append(float(met["exact_match_hf_evaluate"]([f], [g], ignore_case=True, ignore_punctuation=True)["exact_match"]))
    out.append({"task": "ai2d", "profile": "lmms_eval", "samples": [sample(i, g, options=OPTS) for i, (p, g) in enumerate(a_rows)],
                "predictions": [{"id": str(i), "text": p} for i, (p, g) in enumerate(a_rows)],
                "expected": {"/accuracy": 100 * statistics.mean(ai)},
                "per_sample": {str(i): {"correct": v} for i, v in enumerate(ai)}})
    return out


def all_cases(lm, vk, ll, vqa_src, mme_src):
    mmb = mmbench_lmms_static(lm)
    cases = [vqav2_official(vqa_src, ll), mme_official(mme_src), mmb, mmbench_vlmevalkit(vk, mmb), mme_lmms(lm), mme_vlmevalkit(vk), pope_llava(ll), pope_lmms(lm), vqav2_lmms(lm), chartqa_lmms(lm),
             mathvista_lmms(lm)]
    cases += textvqa_cases(lm, vk, ll) + mc_cases(lm) + mmmu_cases(lm) + yorn_ratings(vk) + docvqa_gqa_ai2d(lm) + vlmevalkit_vqa_family(vk)
    return cases


def vqa_official(vqa_src):
    """GT-Vision-Lab/VQA@a013f00: the per-question loop of VQAEval.evaluate (re-typed: the file is
    Python 2 and evaluate() prints) around the UPSTREAM processPunctuation / processDigitArticle
    and __init__ tables. The prediction is first A-normalised as LLaVA does before upload."""
    from scorer_upstream import load_py2_methods
    cls = load_py2_methods(vqa_src / "PythonEvaluationTools/vqaEvaluation/vqaEval.py", "VQAEval",
                           ["__init__", "processPunctuation", "processDigitArticle"])

    class _Vqa:
        def getQuesIds(self):
            return []
    ev = cls(_Vqa(), None)
    return ev


def vqav2_official(vqa_src, ll):
    ev = vqa_official(vqa_src)
    m4c = load(ll / "llava/eval/m4c_evaluator.py", ["EvalAIAnswerProcessor"])["EvalAIAnswerProcessor"]()
    accs = []
    rows = TEXTVQA + [("yes.", ["yes"] * 10), ("Yes", ["yes"] * 9 + ["no"])]
    for p, a in rows:
        answers = [{"answer": x, "answer_id": k + 1} for k, x in enumerate(a)]
        for d in answers:
            d["answer"] = d["answer"].replace("\n", " ").replace("\t", " ").strip()
        res = m4c(p).replace("\n", " ").replace("\t", " ").strip()
        if len(set(d["answer"] for d in answers)) > 1:
            for d in answers:
                d["answer"] = ev.processDigitArticle(ev.processPunctuation(d["answer"]))
            res = ev.processDigitArticle(ev.processPunctuation(res))
        gt_acc = []
        for gt in answers:
            others = [item for item in answers if item != gt]
            gt_acc.append(min(1, float(len([item for item in others if item["answer"] == res])) / 3))
        accs.append(float(sum(gt_acc)) / len(gt_acc))
    return {"task": "vqav2_val", "profile": "llava_official",
            "samples": [sample(i, answers=list(a)) for i, (p, a) in enumerate(rows)],
            "predictions": [{"id": str(i), "text": p} for i, (p, a) in enumerate(rows)],
            "expected": {"/accuracy": 100 * float(sum(accs)) / len(accs),
                         "/accuracy_official_rounded": round(100 * float(sum(accs)) / len(accs), ev.n)},
            "per_sample": {str(i): {"accuracy": v} for i, v in enumerate(accs)}}


def mme_official(mme_src):
    """MME eval_tool/calculation.py as found in zjunlp/Deco (the official tool ships in a release
    zip, not on GitHub). sklearn is replaced by exact stand-ins: only accuracy_score enters the score;
    precision/recall/confusion_matrix are printed, never summed."""
    calc = load(mme_src / "eval_tool/calculation.py", ["eval_type_dict", "calculate_metrics"])
    g = calc["calculate_metrics"].compute_metric.__globals__
    g["accuracy_score"] = lambda a, b: sum(x == y for x, y in zip(a, b)) / len(a)
    g["precision_score"] = lambda *a, **k: 0.0
    g["recall_score"] = lambda *a, **k: 0.0
    g["confusion_matrix"] = lambda *a, **k: [[0, 0], [0, 0]]
    cats = [c for cs in calc["eval_type_dict"].values() for c in cs]
    preds = ["Yes", "No", "y", "n", "Not sure", "None", "The answer is no", "yes/no", "NO", "Yes, but not",
             "I don't know", "Nope", "", "yes"]
    samples, predictions = [], []
    n = 0
    with tempfile.TemporaryDirectory() as d:
        for ci, c in enumerate(cats):
            with open(os.path.join(d, c + ".txt"), "w") as f:
                for img in range(2):
                    for q, gt in enumerate(["Yes", "No"]):
                        p = preds[(ci * 3 + img * 2 + q) % len(preds)]
                        f.write(f"{img}.png\tq{q}\t{gt}\t{p}\n")
                        samples.append(sample(n, gt, category=c, meta={"image": f"{c}/{img}.png"}))
                        predictions.append({"id": str(n), "text": p})
                        n += 1
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            calc["calculate_metrics"]().process_result(d)
    totals, per_task = [], {}
    for line in buf.getvalue().splitlines():
        if line.startswith("total score:"):
            totals.append(float(line.split(":")[1]))
        elif " score:" in line:
            name, val = line.strip().split("  score:")
            per_task[name.strip()] = float(val)
    exp = {"/perception": totals[0], "/cognition": totals[1]}
    for k, v in per_task.items():
        exp[f"/subtasks/{k}/score"] = v
    return {"task": "mme", "profile": "llava_official", "samples": samples, "predictions": predictions, "expected": exp}


def mmbench_lmms_static(lm):
    """lmms-eval MMBench_Evaluator.eval_result(eval_method="static"): CircularEval over copies
    index + k*1e6, can_infer prefetch, extract_mcq_answer for unresolved copies."""
    import math
    import random as rd
    import string as st
    import sys
    import types
    mcq = load(lm / "tasks/_task_utils/mcq_extract.py", ["_DEFAULT_CHOICES", "_ANSWER_PHRASES", "_FORMAT_PRIORITY",
                                                       "extract_mcq_answer"])
    fake = types.ModuleType("lmms_eval.tasks._task_utils.mcq_extract")
    fake.extract_mcq_answer = mcq["extract_mcq_answer"]
    for name in ("lmms_eval", "lmms_eval.tasks", "lmms_eval.tasks._task_utils"):
        sys.modules.setdefault(name, types.ModuleType(name))
    sys.modules["lmms_eval.tasks._task_utils.mcq_extract"] = fake
    ev = load_method(lm / "tasks/mmbench/mmbench_evals.py", "MMBench_Evaluator",
                     ["can_infer_option", "can_infer_text", "can_infer", "prefetch_answer", "build_choices",
                      "eval_sub_data", "calculate_hit_rates", "eval_result"],
                     {"pd": pd, "math": math, "rd": rd, "string": st})
    base = [("cat", "dog", "red apple", "blue sky"), ("one", "two", "three", "four"), ("up", "down", "left", "right"),
            ("sun", "moon", "star", "comet")]
    answers0 = ["B", "C", "A", "D"]
    # Per group q, copy k: a format for the right answer; "WRONG" marks a deliberately wrong copy.
    fmts = {0: ["{L}", "The answer is ({L}) {T}.", "{T}", "{L}"], 1: ["{L}", "{L}. {T}", "I pick {W}", "{T}"],
            2: ["{L}", "{T}", "Answer: {L}", "{L}. {T}"], 3: ["{L}", "{T}", "**{L}**", "E"]}
    rows, samples, predictions = [], [], []
    cats = ["attribute_reasoning", "coarse_perception", "attribute_reasoning", "logic_reasoning"]
    l2 = ["AR", "CP", "AR", "LR"]
    for q in range(4):
        for k in range(4):
            opts = list(base[q][k:] + base[q][:k])  # rotation k: option texts shift left by k
            ans = "ABCD"[opts.index(base[q]["ABCD".index(answers0[q])])]
            idx = q + 1 + k * 1000000
            wrong = "ABCD"[("ABCD".index(ans) + 1) % 4]
            p = fmts[q][k].format(L=ans, T=opts["ABCD".index(ans)], W=wrong)
            row = {"index": idx, "prediction": p, "answer": ans, "category": cats[q], "l2-category": l2[q]}
            row.update(dict(zip("ABCD", opts)))
            rows.append(row)
            samples.append({"id": str(idx), "answer": ans, "category": cats[q], "meta": {"l2-category": l2[q]},
                            "options": [[L, t] for L, t in zip("ABCD", opts)]})
            predictions.append({"id": str(idx), "text": p})
    with contextlib.redirect_stdout(io.StringIO()):
        overall, by_cat, by_l2 = ev.eval_result(rows, "static")
    exp = {"/circular_accuracy": 100 * overall}
    for k, v in by_cat.items():
        exp[f"/circular_by_category/{k}"] = 100 * v
    for k, v in by_l2.items():
        exp[f"/circular_by_l2_category/{k}"] = 100 * v
    return {"task": "mmbench_dev_en", "profile": "lmms_eval", "samples": samples, "predictions": predictions,
            "expected": exp}


def mmbench_vlmevalkit(vk, lmms_case):
    """VLMEvalKit under exact_matching: per-copy upstream can_infer; the group rule of
    mcq_circular_eval / prefetch_circular_group (all copies confidently right -> 1, else 0 when
    no judge may resolve the rest) is re-typed here."""
    m = load(vk / "utils/matching_util.py", ["_VERBOSE_ANSWER_RE", "can_infer_option", "can_infer_text", "can_infer"])
    groups = {}
    per_sample = {}
    for smp, pred in zip(lmms_case["samples"], lmms_case["predictions"]):
        choices = {L: t for L, t in smp["options"]}
        got = m["can_infer"](pred["text"], dict(choices))
        ok = bool(got) and got == smp["answer"]
        per_sample[smp["id"]] = {"filtered": got if got else "", "correct": 1.0 if ok else 0.0}
        groups.setdefault(int(smp["id"]) % 1000000, []).append(ok)
    hits = [all(v) for v in groups.values()]
    return {"task": "mmbench_dev_en", "profile": "vlmevalkit", "samples": lmms_case["samples"],
            "predictions": lmms_case["predictions"], "expected": {"/circular_accuracy": 100 * sum(hits) / len(hits)},
            "per_sample": per_sample}


def vlmevalkit_vqa_family(vk):
    """VLMEvalKit vqa_eval.process_line + hit_calculate for VQAv2-style (vqa_score), DocVQA (anls)
    and ChartQA (relaxed_accuracy) datasets."""
    vqa = load(vk / "dataset/utils/vqa_eval.py", ["_process_digit_article", "process_answer", "process_line",
                                                "hit_calculate", "anls_compute", "relaxed_correctness",
                                                "levenshtein_distance"])
    misc = load(vk / "smp/misc.py", ["process_punctuation", "istype", "listinstr"])
    vqa["process_line"].__globals__.update({**vqa, **misc})
    out = []
    lines = [vqa["process_line"]({"answer": str(list(a)), "prediction": p}) for p, a in TEXTVQA]
    hits = vqa["hit_calculate"](lines, "VQAv2")
    out.append({"task": "vqav2_val", "profile": "vlmevalkit",
                "samples": [sample(i, answers=list(a)) for i, (p, a) in enumerate(TEXTVQA)],
                "predictions": [{"id": str(i), "text": p} for i, (p, a) in enumerate(TEXTVQA)],
                "expected": {"/accuracy": 100 * float(np.mean(hits))},
                "per_sample": {str(i): {"accuracy": float(v)} for i, v in enumerate(hits)}})
    doc = [(["Hello World"], "hello world"), (["hello", "help"], "helo"), (["  Foo  Bar "], "foo baz"), (["ß"], "ss"),
           (["a", "bcd"], "bcd"), (["12"], ""), (["abcdef"], "abcxyz")]
    lines = [vqa["process_line"]({"answer": str(g), "prediction": p}, method="anls") for g, p in doc]
    hits = vqa["hit_calculate"](lines, "DocVQA_VAL")
    out.append({"task": "docvqa_val", "profile": "vlmevalkit",
                "samples": [sample(i, answers=g) for i, (g, p) in enumerate(doc)],
                "predictions": [{"id": str(i), "text": p} for i, (g, p) in enumerate(doc)],
                "expected": {"/anls": 100 * float(np.mean(hits))},
                "per_sample": {str(i): {"anls": float(v)} for i, v in enumerate(hits)}})
    chart = [(["10.4"], "10"), (["0.12", "12%"], " 12% "), (["0"], "0.0"), (["yes"], "Yes"), (["5"], "5.3"),
             (["1000"], "1,000"), (["2017", "2018"], "2018 ")]
    lines = [vqa["process_line"]({"answer": str(g), "prediction": p}, method="relaxed_accuracy") for g, p in chart]
    hits = vqa["hit_calculate"](lines, "ChartQA_TEST")
    out.append({"task": "chartqa", "profile": "vlmevalkit",
                "samples": [sample(i, answers=g) for i, (g, p) in enumerate(chart)],
                "predictions": [{"id": str(i), "text": p} for i, (g, p) in enumerate(chart)],
                "expected": {"/relaxed_overall": 100 * float(np.mean(hits))},
                "per_sample": {str(i): {"relaxed_accuracy": float(v)} for i, v in enumerate(hits)}})
    return out
