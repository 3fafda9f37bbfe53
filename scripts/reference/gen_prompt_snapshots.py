#!/usr/bin/env python3
"""Generate tests/data/prompts/snapshots.json: templated SliME prompts and their token ids.

    scripts/reference/gen_prompt_snapshots.py      # from the repository root

The ids come from Python references, not from the C++ engine:
  - vicuna_v1 and plain: transformers 4.37.2's slow LlamaTokenizer (use_fast=False) over
    tests/data/tokenizers/llama2 ($SLIME_REF_VENV, made by setup_venv.sh);
  - llama3: a current `tokenizers` ($SLIME_REF_VENV-tok-new; honours ignore_merges like the C++
    default) over tests/data/tokenizers/llama3/tokenizer.json.
The templates are written here from yfzhang114/SliME@5c89ec9 llava/conversation.py (conv_vicuna_v1,
conv_llama_3, conv_llava_plain with one user turn and an empty assistant turn, as the eval runners
build them) and model.md §9.2; image splicing follows mm_utils.tokenizer_image_token (§9.3).
"""
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
from ref_venv import NEW_VENV, VENV, reexec_in  # noqa: E402
TOK = REPO / "tests/data/tokenizers"
OUT = REPO / "tests/data/prompts"
IMAGE = -200
LLAMA3_BOS = "<|begin_of_text|>"

VICUNA_SYSTEM = ("A chat between a curious user and an artificial intelligence assistant. "
                 "The assistant gives helpful, detailed, and polite answers to the user's questions.")


def render(template, question):
    """Upstream get_prompt() for [user: question, assistant: None]."""
    if template == "vicuna_v1":  # style TWO, sep " ": system, sep, "USER: " q, sep, "ASSISTANT:"
        return f"{VICUNA_SYSTEM} USER: {question} ASSISTANT:"
    if template == "llama3":  # style LLAMA_3: no system turn, no literal BOS
        return (f"<|start_header_id|>user<|end_header_id|>\n\n{question}<|eot_id|>"
                f"<|start_header_id|>assistant<|end_header_id|>\n\n")
    if template == "plain":  # style PLAIN, sep "\n", sep2 None: q + "\n", then nothing
        return f"{question}\n"
    raise ValueError(template)


def image_token_ids(prompt, encode, bos_id):
    """tokenizer_image_token: encode chunks with special tokens; keep only chunk 0's BOS."""
    chunks = [encode(c) for c in prompt.split("<image>")]
    offset = 1 if chunks and chunks[0] and chunks[0][0] == bos_id else 0
    ids = chunks[0][:offset]
    for i, chunk in enumerate(chunks):
        if i > 0:
            ids.append(IMAGE)
        ids.extend(chunk[offset:])
    return ids


S = "\nAnswer the question using a single word or phrase."
M = "\nAnswer with the option's letter from the given choices directly."
QUESTIONS = [  # (name, question as the runners pass it: "<image>\n" prefix unless text-only)
    ("vqa_short", "<image>\nWhat is the color of the bus?" + S),
    ("mmbench", "<image>\nHint: a diagram of the water cycle.\nWhich stage follows evaporation?"
                "\nA. Condensation\nB. Runoff\nC. Freezing\nD. Melting" + M),
    ("mmbench_cn", "<image>\n图中的动物是什么？\nA. 猫\nB. 狗" + "\n请直接回答选项字母。"),
    ("text_only", "Which of these states is farthest north?\nA. Maine\nB. Ohio" + M),
    ("spaces_and_tabs", "<image>\n  Two  spaces,\ta tab and a trailing space "),
]
TEMPLATES = [("vicuna_v1", "llama2", "slow"), ("llama3", "llama3", "fast"), ("plain", "llama2", "slow")]


def llama3_mode():
    """Child mode under the tok-new venv: prompts on stdin -> ids on stdout.

    The fixture's post-processor is ByteLevel only and adds no <|begin_of_text|>. Meta's current
    file (and model.md §9.2) adds it with TemplateProcessing; "ids" uses such a post-processor, so
    upstream's BOS handling (keep chunk 0's, drop later chunks') is exercised as written.
    "ids_fixture_post_processor" keeps what the unchanged fixture gives (no BOS at all).
    """
    import tokenizers
    spec = json.loads((TOK / "llama3/tokenizer.json").read_text(encoding="utf-8"))
    plain = tokenizers.Tokenizer.from_str(json.dumps(spec))
    spec["post_processor"] = {"type": "Sequence", "processors": [spec["post_processor"], {
        "type": "TemplateProcessing",
        "single": [{"SpecialToken": {"id": LLAMA3_BOS, "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
        "pair": [{"SpecialToken": {"id": LLAMA3_BOS, "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                 {"SpecialToken": {"id": LLAMA3_BOS, "type_id": 1}}, {"Sequence": {"id": "B", "type_id": 1}}],
        "special_tokens": {LLAMA3_BOS: {"id": LLAMA3_BOS, "ids": [128000], "tokens": [LLAMA3_BOS]}}}]}
    with_bos = tokenizers.Tokenizer.from_str(json.dumps(spec))
    out = []
    for prompt in json.load(sys.stdin):
        out.append({
            "ids": image_token_ids(prompt, lambda c: with_bos.encode(c).ids, 128000),
            "ids_fixture_post_processor": image_token_ids(prompt, lambda c: plain.encode(c).ids, 128000)})
    json.dump({"version": tokenizers.__version__, "results": out}, sys.stdout)


def main():
    reexec_in(VENV, __file__)
    import transformers
    slow = transformers.AutoTokenizer.from_pretrained(str(TOK / "llama2"), use_fast=False)
    assert type(slow).__name__ == "LlamaTokenizer" and slow.legacy, type(slow)

    llama3_prompts = [render("llama3", q) for _, q in QUESTIONS]
    res = subprocess.run([str(NEW_VENV / "bin/python"), __file__, "--llama3"], input=json.dumps(llama3_prompts),
                         capture_output=True, text=True, check=True)
    llama3 = json.loads(res.stdout)

    cases = []
    for template, tokenizer, flavor in TEMPLATES:
        for k, (name, question) in enumerate(QUESTIONS):
            prompt = render(template, question)
            case = {"name": f"{template}/{name}", "template": template, "tokenizer": tokenizer,
                    "flavor": flavor, "question": question, "prompt": prompt}
            if template == "llama3":
                case.update(llama3["results"][k])
            else:
                case["ids"] = image_token_ids(prompt, lambda c: slow(c).input_ids, slow.bos_token_id)
            case["text_query_ids"] = [i for i in case["ids"] if i != IMAGE]
            cases.append(case)

    OUT.mkdir(parents=True, exist_ok=True)
    doc = {"generator": "scripts/reference/gen_prompt_snapshots.py",
           "versions": {"python": sys.version.split()[0], "transformers": transformers.__version__,
                        "tokenizers_llama3": llama3["version"]},
           "image_token_id": IMAGE, "cases": cases}
    (OUT / "snapshots.json").write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUT / 'snapshots.json'}: {len(cases)} cases")


if __name__ == "__main__":
    if sys.argv[1:] == ["--llama3"]:
        llama3_mode()
    else:
        main()
