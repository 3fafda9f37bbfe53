#!/usr/bin/env python3
"""Generate the tokenizer parity goldens in tests/data/tokenizers/ (see SOURCE.md there).

    scripts/reference/gen_tokenizer_golden.py [FIXTURES]   # default ../shared/fixtures/tokenizers

Runs itself under $SLIME_REF_VENV (default ~/.cache/slime-bench/venv; created by setup_venv.sh when
missing): tokenizers 0.15.1 + transformers 4.37.2 + sentencepiece. The Llama-3 golden is encoded by a
current `tokenizers` in $SLIME_REF_VENV-tok-new (it honours `ignore_merges`; 0.15.1 does not).
"""
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
from ref_venv import NEW_VENV, VENV, reexec_in  # noqa: E402
OUT = REPO / "tests/data/tokenizers"
LLAMA2_SPECIALS = ("<unk>", "<s>", "</s>")
MAX_COMMITTED_MODEL = 600_000  # bytes; a larger tokenizer.model is rebuilt in a temp dir instead


def encode_all(tok, cases):
    """HF `tokenizers` ids and decodes for (text, add_special_tokens) cases."""
    ids = [tok.encode(t, add_special_tokens=a).ids for t, a in cases]
    return ids, [tok.decode(i, skip_special_tokens=False) for i in ids]


def encode_only_mode(tokenizer_json, ignore_merges):
    """Child mode run under the tok-new venv: JSON cases on stdin -> ids/decodes on stdout."""
    import tokenizers
    spec = json.loads(Path(tokenizer_json).read_text(encoding="utf-8"))
    if ignore_merges is not None:
        spec["model"]["ignore_merges"] = ignore_merges == "on"
    ids, dec = encode_all(tokenizers.Tokenizer.from_str(json.dumps(spec)), json.load(sys.stdin))
    json.dump({"version": tokenizers.__version__, "ids": ids, "decoded": dec}, sys.stdout)


def encode_new(tokenizer_json, cases, ignore_merges=None):
    cmd = [str(NEW_VENV / "bin/python"), __file__, "--encode-only", str(tokenizer_json)]
    cmd += [ignore_merges] if ignore_merges else []
    res = subprocess.run(cmd, input=json.dumps(cases), capture_output=True, text=True, check=True)
    return json.loads(res.stdout)




def build_sentencepiece_model(tokenizer_json):
    """Rebuild Llama-2's tokenizer.model from tokenizer.json; piece score = -(rank of first merge)."""
    from sentencepiece import sentencepiece_model_pb2 as pb
    spec = json.loads(Path(tokenizer_json).read_text(encoding="utf-8"))["model"]
    merges = [m if isinstance(m, str) else " ".join(m) for m in spec["merges"]]
    first_rank = {}
    for rank, m in enumerate(merges):
        left, right = m.split(" ")
        first_rank.setdefault(left + right, rank)
    Piece = pb.ModelProto.SentencePiece
    model = pb.ModelProto()
    for piece, i in sorted(spec["vocab"].items(), key=lambda kv: kv[1]):
        assert i == len(model.pieces)
        p = model.pieces.add(piece=piece, score=0.0, type=Piece.NORMAL)
        if piece == "<unk>":
            p.type = Piece.UNKNOWN
        elif piece in ("<s>", "</s>"):
            p.type = Piece.CONTROL
        elif len(piece) == 6 and piece.startswith("<0x") and piece.endswith(">"):
            p.type = Piece.BYTE
        elif piece in first_rank:
            p.score = -float(first_rank[piece])
        else:  # single characters: never the result of a merge, so their score is never read
            assert len(piece) == 1, piece
            p.score = -float(len(merges))
    t = model.trainer_spec
    t.model_type, t.vocab_size, t.byte_fallback = pb.TrainerSpec.BPE, len(model.pieces), True
    t.unk_id, t.bos_id, t.eos_id, t.pad_id = 0, 1, 2, -1
    n = model.normalizer_spec
    n.name, n.add_dummy_prefix, n.remove_extra_whitespaces, n.escape_whitespaces = "identity", True, False, True
    return model.SerializeToString(), [p.piece for p in model.pieces]


def write_jsonl(path, cases, ids, decoded, extra=None):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for k, ((text, add), i, d) in enumerate(zip(cases, ids, decoded)):
            row = {"text": text, "add_special_tokens": add, "ids": i, "decoded": d}
            row.update((extra or {}).get(k, {}))
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def cell(value, limit=70):
    """A JSON rendering for a markdown table cell, shortened, with '|' escaped."""
    text = json.dumps(value, ensure_ascii=False)
    text = text if len(text) <= limit else text[:limit - 1] + "…"
    return "`" + text.replace("|", "\\|") + "`"


def diff_cells(new, old):
    """Both id lists in full when short, else from the first index where they differ."""
    if len(json.dumps(new)) <= 40 and len(json.dumps(old)) <= 40:
        return cell(new), cell(old)
    k = next((k for k, (a, b) in enumerate(zip(new, old)) if a != b), min(len(new), len(old)))
    return f"@{k} {cell(new[k:k + 6])}", f"@{k} {cell(old[k:k + 6])}"


def write_source_md(info):
    i = info
    leading = [d for d in i["slow_vs_fast_decoded"]
               if not d[0][1] and not any(x in d[0][0] for x in LLAMA2_SPECIALS)]
    special = [d for d in i["slow_vs_fast_decoded"] if d not in leading]
    split = i["l3_vocab_split_by_old"]
    md = f"""# Tokenizer parity goldens

Generated by `scripts/reference/gen_tokenizer_golden.py` (run from the repository root:
`scripts/reference/gen_tokenizer_golden.py [../shared/fixtures/tokenizers]`; it re-runs itself under
`$SLIME_REF_VENV`, default `~/.cache/slime-bench/venv`, made by `scripts/reference/setup_venv.sh`).
Do not edit by hand; this file is rewritten by the generator too.

| library | version |
|---|---|
| python | {i["python"]} |
| tokenizers | {i["tokenizers"]} (SliME's pin; Llama-2 goldens) and {i["tokenizers_new"]} (`$SLIME_REF_VENV-tok-new`; Llama-3 golden) |
| transformers | {i["transformers"]} |
| sentencepiece | {i["sentencepiece"]} |

## Files

- `llama2/`, `llama3/`: `tokenizer.json` and `tokenizer_config.json` copied unchanged from
  `shared/fixtures/tokenizers/` (provenance in its README).
- `llama2/tokenizer.model` ({i["model_bytes"]:,} bytes): SentencePiece model rebuilt from
  `llama2/tokenizer.json` (below); it is not Meta's file, but encodes identically.
- `golden_llama2_fast.jsonl`: `tokenizers.Tokenizer.from_file("llama2/tokenizer.json")`.
- `golden_llama2_slow.jsonl`: transformers' slow `LlamaTokenizer` (`use_fast=False`, `legacy=True`
  from `tokenizer_config.json`) over `llama2/tokenizer.model`: the parity oracle for Vicuna.
- `golden_llama3.jsonl`: `tokenizers` {i["tokenizers_new"]} over `llama3/tokenizer.json`.

Each line: `{{"text", "add_special_tokens", "ids", "decoded"}}`, where `decoded` is that reference's
`decode(ids, skip_special_tokens=False)`. {i["lines"]} lines per file, in the same order: the
{i["strings"]} strings of `scripts/reference/tokenizer_strings.py` with `add_special_tokens=false`,
each of its {i["template_strings"]} template strings followed by a second line with `true`.
Extra fields, Llama-3 only: `ids_tokenizers_0_15` where tokenizers 0.15.1 gives other ids
(`ignore_merges`, below); `decoded_transformers` where transformers' `decode` differs because
`tokenizer_config.json` sets `clean_up_tokenization_spaces: true` ({i["l3_cleanup"]} lines,
e.g. `"Hello ,"` decodes to `"Hello,"`).

## Rebuilt `tokenizer.model`

The fixtures ship no `tokenizer.model`. The generator builds one with `sentencepiece_model_pb2`:
BPE, `byte_fallback`, pieces in id order (`<unk>` UNKNOWN, `<s>` `</s>` CONTROL, `<0xXX>` BYTE),
normaliser `identity` with `add_dummy_prefix` on and `remove_extra_whitespaces` off, and each
piece scored −(rank of the first merge in `merges` producing it), so SentencePiece's
highest-score-first merging follows the merge order. Every multi-character piece is produced by
some merge; single characters are never merged into, so their score is never read.

Check: SentencePiece vs the fast tokenizer (`add_special_tokens=false`) on {i["sp_checked"]:,} strings
({i["sp_plain"]} strings of the set that contain no `<s>`, `</s>`, `<unk>` text, every vocabulary
piece's text, and runs of 7 consecutive pieces): **{len(i["sp_mismatch"])} mismatches**.
{"".join(f"- {cell(t)}" + chr(10) for t in i["sp_mismatch"][:20])}
## Slow vs fast (Llama-2)

**ids: {len(i["slow_vs_fast_ids"])} of {i["lines"]} lines differ.** Both split special-token text first and
encode every remaining chunk with the dummy prefix (`legacy=True`; the fast file's `Prepend`
normaliser also runs per chunk), and neither strips spaces around special tokens (their
`lstrip`/`rstrip` are false). The empty string gives `[]` in both.
{"".join(f"- {cell(c[0])} add_special_tokens={c[1]}: fast {cell(f)}, slow {cell(sl)}" + chr(10) for c, f, sl in i["slow_vs_fast_ids"])}
**decoded: {len(i["slow_vs_fast_decoded"])} lines differ (same ids).** Two causes, both in transformers'
`LlamaTokenizer.convert_tokens_to_string`:

1. Leading spaces ({len(leading)} lines, no special token): the fast decoder strips one leading
   space from the whole output; the slow one removes the first token's `▁` *and* SentencePiece's
   decode then drops the dummy-prefix space again, so it loses one space more
   ({"always" if all(f == " " + sl for _, f, sl in leading) else "NOT always"} fast = " " + slow).
   Example {cell(leading[0][0][0]) if leading else ""}: fast {cell(leading[0][1]) if leading else ""}, slow {cell(leading[0][2]) if leading else ""}.
2. Special tokens in the ids ({len(special)} lines): with `legacy=True` the slow decoder puts a
   space in front of the text that precedes a special token, and the piece after a special token
   loses its `▁` space; the fast one keeps `▁`→" " after specials. Examples:
{"".join(f"   - {cell(c[0], 40)} add_special_tokens={c[1]}: fast {cell(f, 50)}, slow {cell(sl, 50)}" + chr(10) for c, f, sl in special[:4])}
SliME decodes with `skip_special_tokens=True` and `.strip()` (model.md §9.4), which removes both.

## Llama-3 and `ignore_merges`

The file sets `"model": {{"ignore_merges": true}}` (emit a pre-token directly when it is a vocabulary
entry). tokenizers 0.15.1 loads the file but does not know the field: it is dropped
({"yet `to_str()` keeps it" if i["old_keeps_field"] else "`to_str()` no longer has it"}) and plain merge-by-rank BPE runs. tokenizers
{i["tokenizers_new"]} honours it, so it generates the golden. With `ignore_merges` forced to false,
{i["tokenizers_new"]} reproduces 0.15.1 on {i["l3_off_equals_old"]} of {i["lines"]} lines: the differences
below come from that flag alone. transformers {i["transformers"]}'s `PreTrainedTokenizerFast` (over
0.15.1) encodes {i["l3_transformers_equals_old"]} of {i["lines"]} lines as 0.15.1 does.

Vocabulary sweep: of {i["l3_vocab_words"]:,} entries whose text is valid UTF-8, {i["l3_vocab_new_single"]:,}
encode to themselves with {i["tokenizers_new"]}; 0.15.1 splits **{len(split)}** of them (words such
as {"; ".join(f"{cell(t)} {n} vs {o}" for t, n, o in split[:3])}). Under SliME's pin (0.15.1) upstream
saw the split ids; Llama-3 was trained with tiktoken, which, like `ignore_merges: true`, looks the
whole pre-token up first. The C++ tokenizer should follow the file (the golden) and may offer the
0.15 behaviour as a compatibility mode.

{len(i["l3_diff"])} golden lines differ (they carry `ids_tokenizers_0_15`):

| text | add_special_tokens | ids (golden) | ids (0.15.1) |
|---|---|---|---|
{"".join(f"| {cell(c[0], 50)} | {c[1]} | {' | '.join(diff_cells(n, o))} |" + chr(10) for c, n, o in i["l3_diff"])}
(`@k` = from index k on, where the two first differ.)

## Note: no BOS from the Llama-3 file

This `llama3/tokenizer.json`'s post-processor is ByteLevel only, so `add_special_tokens=true` adds
no `<|begin_of_text|>` (128000): {i["l3_true_equals_false"]} of {i["template_strings"]} `true` lines equal their `false` line. model.md §9.2/§9.3 assume a
post-processor that adds it (a `TemplateProcessing` one, as Meta's current file has: unverified
here); with this file
`tokenizer_image_token` would see no BOS in chunk 0 and drop nothing.
"""
    (OUT / "SOURCE.md").write_text(md, encoding="utf-8")


def main(fixtures):
    import sentencepiece
    import tokenizers
    import transformers
    from tokenizers import Tokenizer
    from transformers import AutoTokenizer, PreTrainedTokenizerFast
    transformers.logging.set_verbosity_error()
    sys.path.insert(0, str(HERE))
    from tokenizer_strings import STRINGS, TEMPLATE_STRINGS

    for name in ("llama2", "llama3"):
        (OUT / name).mkdir(parents=True, exist_ok=True)
        for f in ("tokenizer.json", "tokenizer_config.json"):
            shutil.copyfile(fixtures / name / f, OUT / name / f)
    cases = [(s, a) for s in STRINGS for a in ((False, True) if s in TEMPLATE_STRINGS else (False,))]
    info = {"python": sys.version.split()[0], "tokenizers": tokenizers.__version__,
            "transformers": transformers.__version__, "sentencepiece": sentencepiece.__version__,
            "strings": len(STRINGS), "template_strings": len(TEMPLATE_STRINGS), "lines": len(cases)}

    # --- Llama-2: fast (tokenizer.json) --------------------------------------------------------
    fast = Tokenizer.from_file(str(OUT / "llama2/tokenizer.json"))
    fast_ids, fast_dec = encode_all(fast, cases)
    write_jsonl(OUT / "golden_llama2_fast.jsonl", cases, fast_ids, fast_dec)

    # --- Llama-2: reconstructed tokenizer.model, checked against the fast tokenizer -------------
    model_bytes, pieces = build_sentencepiece_model(OUT / "llama2/tokenizer.json")
    info["model_bytes"] = len(model_bytes)
    tmp = Path(tempfile.mkdtemp(prefix="slime-tok-"))
    committed = OUT / "llama2/tokenizer.model"
    if len(model_bytes) <= MAX_COMMITTED_MODEL:
        committed.write_bytes(model_bytes)
    elif committed.exists():
        committed.unlink()
    (tmp / "tokenizer.model").write_bytes(model_bytes)
    shutil.copyfile(OUT / "llama2/tokenizer_config.json", tmp / "tokenizer_config.json")
    sp = sentencepiece.SentencePieceProcessor(model_proto=model_bytes)
    plain = [s for s in STRINGS if not any(x in s for x in LLAMA2_SPECIALS)]
    normal = [p.replace("\u2581", " ") for p in pieces[259:]]
    sweep = plain + normal + ["".join(normal[i:i + 7]) for i in range(0, len(normal), 3)]
    sp_mismatch = [s for s in sweep if sp.encode(s) != fast.encode(s, add_special_tokens=False).ids]
    info.update(sp_checked=len(sweep), sp_plain=len(plain), sp_mismatch=sp_mismatch)

    # --- Llama-2: slow LlamaTokenizer (Vicuna's parity oracle) ----------------------------------
    slow = AutoTokenizer.from_pretrained(str(tmp), use_fast=False)
    assert type(slow).__name__ == "LlamaTokenizer" and slow.legacy, (type(slow), slow.legacy)
    slow_ids = [slow.encode(t, add_special_tokens=a) for t, a in cases]
    slow_dec = [slow.decode(i, skip_special_tokens=False) for i in slow_ids]
    write_jsonl(OUT / "golden_llama2_slow.jsonl", cases, slow_ids, slow_dec)
    info["slow_vs_fast_ids"] = [(c, f, s) for c, f, s in zip(cases, fast_ids, slow_ids) if f != s]
    info["slow_vs_fast_decoded"] = [(c, f, s) for c, f, s, i, j in
                                    zip(cases, fast_dec, slow_dec, fast_ids, slow_ids) if f != s and i == j]
    shutil.rmtree(tmp)

    # --- Llama-3: current tokenizers (honours ignore_merges) vs 0.15.1 ---------------------------
    l3_json = OUT / "llama3/tokenizer.json"
    old = Tokenizer.from_file(str(l3_json))
    old_ids, _ = encode_all(old, cases)
    new = encode_new(l3_json, cases)
    info["tokenizers_new"] = new["version"]
    off = encode_new(l3_json, cases, "off")["ids"]
    info["l3_off_equals_old"] = sum(o == f for o, f in zip(old_ids, off))
    info["old_keeps_field"] = "ignore_merges" in old.to_str()
    extra = {k: {"ids_tokenizers_0_15": o} for k, (o, n) in enumerate(zip(old_ids, new["ids"])) if o != n}
    info["l3_diff"] = [(cases[k], new["ids"][k], e["ids_tokenizers_0_15"]) for k, e in extra.items()]
    # transformers 4.37.2 decodes Llama-3 with clean_up_tokenization_spaces=True (tokenizer_config)
    hf = PreTrainedTokenizerFast.from_pretrained(str(OUT / "llama3"))
    info["l3_transformers_equals_old"] = sum(hf.encode(t, add_special_tokens=a) == o
                                             for (t, a), o in zip(cases, old_ids))
    for k, ids in enumerate(new["ids"]):
        d = hf.decode(ids, skip_special_tokens=False)
        if d != new["decoded"][k]:
            extra.setdefault(k, {})["decoded_transformers"] = d
    info["l3_cleanup"] = sum("decoded_transformers" in e for e in extra.values())
    write_jsonl(OUT / "golden_llama3.jsonl", cases, new["ids"], new["decoded"], extra)
    by_case = dict(zip(cases, new["ids"]))
    info["l3_true_equals_false"] = sum(by_case[(t, True)] == by_case[(t, False)] for t in TEMPLATE_STRINGS)

    # vocabulary sweep: each vocab entry's text alone, ignore_merges honoured (new) vs 0.15.1
    vocab = json.loads(l3_json.read_text(encoding="utf-8"))["model"]["vocab"]
    ids = sorted(vocab.values())
    texts = [old.decode([i]) for i in ids]
    ids, texts = zip(*[(i, t) for i, t in zip(ids, texts) if "\ufffd" not in t])
    old_sweep = [e.ids for e in old.encode_batch(list(texts), add_special_tokens=False)]
    new_sweep = encode_new(l3_json, [(t, False) for t in texts])["ids"]
    split = [(t, n, o) for i, t, n, o in zip(ids, texts, new_sweep, old_sweep) if n == [i] != o]
    info.update(l3_vocab_words=len(texts), l3_vocab_new_single=sum(n == [i] for i, n in zip(ids, new_sweep)),
                l3_vocab_split_by_old=split)
    write_source_md(info)
    print(json.dumps({k: v if not isinstance(v, list) else len(v) for k, v in info.items()}, indent=1))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--encode-only":
        encode_only_mode(sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else None)
        sys.exit(0)
    reexec_in(VENV, __file__)
    main((REPO / (sys.argv[1] if len(sys.argv) > 1 else "../shared/fixtures/tokenizers")).resolve())
