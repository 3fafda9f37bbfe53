#!/usr/bin/env python3
"""Convert PyTorch pickle checkpoints (.bin) to safetensors, which is all the C++ engine reads.

LibTorch 1.13 cannot unpickle torch.save'd state dicts (model.md §12.2), so this runs offline in
any Python with torch and safetensors (e.g. the reference venv ~/.cache/slime-bench/venv):

  convert_bin_to_safetensors.py SRC OUT_DIR [--dtype keep|fp16|bf16] [--kind auto|plain|clip|llava-lora]

SRC is a .bin file, or a directory with pytorch_model.bin.index.json (shards), pytorch_model.bin
or non_lora_trainables.bin. Kinds (auto picks by file name and keys):
  clip        a CLIP repository: keep only vision_model.* (minus position_ids), as the engine uses
              the tower alone (model.md §3);
  llava-lora  LLaVA's non_lora_trainables.bin: strip 'base_model.', then one 'model.' when keys
              start with 'model.model.', exactly as llava/model/builder.py does (model.md §10.2);
  plain       every tensor as is.
Tensors sharing storage (tied weights) are written once: the copy under a name not starting with
lm_head. (else the first name) is kept and the dropped aliases are listed in the metadata key
'slime.aliases' (tie them again from config.json's tie_word_embeddings, as HF does). Output:
model.safetensors, or model-0000k-of-0000n.safetensors + model.safetensors.index.json when larger
than --max-shard-size. Other small files of a SRC directory (config.json, tokenizer files) are
copied along. LoRA merging is not done here.
"""
import argparse
import json
import os
import re
import shutil
import sys

import torch
from safetensors.torch import save_file

WEIGHT_INDEX = "pytorch_model.bin.index.json"
COPY_SUFFIXES = (".json", ".model", ".txt", ".tiktoken")
DTYPES = {"keep": None, "fp16": torch.float16, "bf16": torch.bfloat16}


def parse_size(text):
    m = re.fullmatch(r"(\d+)\s*([KMG]i?B)?", text.strip(), re.IGNORECASE)
    if not m:
        raise argparse.ArgumentTypeError(f"bad size {text!r} (e.g. 5GB, 500MiB, 1024)")
    unit = (m.group(2) or "B").upper()
    scale = {"B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "KIB": 2**10, "MIB": 2**20, "GIB": 2**30}
    return int(m.group(1)) * scale[unit]


def input_files(src):
    """The .bin files to read, in order, and the directory of extra files to copy (or None)."""
    if os.path.isfile(src):
        return [src], None
    index = os.path.join(src, WEIGHT_INDEX)
    if os.path.exists(index):
        with open(index) as f:
            shards = sorted(set(json.load(f)["weight_map"].values()))
        return [os.path.join(src, s) for s in shards], src
    for name in ("pytorch_model.bin", "non_lora_trainables.bin"):
        if os.path.exists(os.path.join(src, name)):
            return [os.path.join(src, name)], src
    sys.exit(f"{src}: no {WEIGHT_INDEX}, pytorch_model.bin or non_lora_trainables.bin")


def load(path, unsafe):
    try:  # weights_only (torch >= 1.13) refuses arbitrary pickled code
        return torch.load(path, map_location="cpu", weights_only=not unsafe)
    except TypeError:
        return torch.load(path, map_location="cpu")


def detect_kind(path, keys):
    if os.path.basename(path) == "non_lora_trainables.bin":
        return "llava-lora"
    if any(k.startswith("vision_model.") for k in keys) and any(k.startswith("text_model.") for k in keys):
        return "clip"
    return "plain"


def select(state, kind):
    """Apply the kind's key filter / renaming (see the module docstring)."""
    if kind == "clip":
        return {k: v for k, v in state.items()
                if k.startswith("vision_model.") and not k.endswith("position_ids")}
    if kind == "llava-lora":
        state = {(k[len("base_model."):] if k.startswith("base_model.") else k): v for k, v in state.items()}
        if any(k.startswith("model.model.") for k in state):
            state = {(k[len("model."):] if k.startswith("model.") else k): v for k, v in state.items()}
    return dict(state)


def storage_key(t):
    storage = t.untyped_storage() if hasattr(t, "untyped_storage") else t.storage()
    return (t.device, storage.data_ptr())


def deduplicate(state):
    """Drop exact aliases (same storage, offset, shape, stride); give partial overlaps own copies.

    Returns (tensors, aliases) with aliases = {dropped name: kept name}."""
    groups = {}
    for name, t in state.items():
        # empty tensors all have data_ptr 0 without sharing anything
        groups.setdefault(storage_key(t) if t.numel() else name, []).append(name)
    out, aliases = {}, {}
    for names in groups.values():
        views = {}
        for name in sorted(names, key=lambda n: (n.startswith("lm_head."), n)):
            t = state[name]
            view = (t.storage_offset(), tuple(t.shape), t.stride(), t.dtype)
            if view in views:
                aliases[name] = views[view]
            else:
                views[view] = name
        for name in views.values():
            # distinct views of one storage (slices): safetensors needs each to own its bytes
            out[name] = state[name].clone() if len(views) > 1 else state[name]
    return out, aliases


def convert_tensor(t, dtype):
    if dtype is not None and t.is_floating_point():
        t = t.to(dtype)
    return t.contiguous()


class ShardWriter:
    """Packs tensors into shards of at most max_bytes (a larger tensor gets a shard of its own)."""

    def __init__(self, out_dir, max_bytes, metadata):
        self.out_dir, self.max_bytes, self.metadata = out_dir, max_bytes, metadata
        self.current, self.current_bytes, self.shards, self.weight_map, self.total = {}, 0, [], {}, 0

    def add(self, name, t):
        nbytes = t.numel() * t.element_size()
        if self.current and self.current_bytes + nbytes > self.max_bytes:
            self.flush()
        self.current[name] = t
        self.current_bytes += nbytes
        self.total += nbytes

    def flush(self):
        if not self.current:
            return
        tmp = os.path.join(self.out_dir, f".shard-{len(self.shards)}.safetensors.tmp")
        save_file(self.current, tmp, metadata=self.metadata)
        self.shards.append((tmp, list(self.current)))
        self.current, self.current_bytes = {}, 0

    def finish(self):
        self.flush()
        n = len(self.shards)
        if n == 1:
            os.replace(self.shards[0][0], os.path.join(self.out_dir, "model.safetensors"))
            return ["model.safetensors"]
        names = []
        for i, (tmp, tensors) in enumerate(self.shards):
            name = f"model-{i + 1:05d}-of-{n:05d}.safetensors"
            os.replace(tmp, os.path.join(self.out_dir, name))
            names.append(name)
            self.weight_map.update({t: name for t in tensors})
        index = {"metadata": {"total_size": self.total},
                 "weight_map": dict(sorted(self.weight_map.items()))}
        with open(os.path.join(self.out_dir, "model.safetensors.index.json"), "w") as f:
            json.dump(index, f, indent=2)
            f.write("\n")
        return names + ["model.safetensors.index.json"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("src")
    parser.add_argument("out_dir")
    parser.add_argument("--dtype", choices=DTYPES, default="keep", help="cast floating tensors")
    parser.add_argument("--kind", choices=["auto", "plain", "clip", "llava-lora"], default="auto")
    parser.add_argument("--max-shard-size", type=parse_size, default=parse_size("5GB"))
    parser.add_argument("--unsafe-pickle", action="store_true",
                        help="allow arbitrary pickled objects (torch.load weights_only=False)")
    parser.add_argument("--overwrite", action="store_true")
    args = parser.parse_args()

    files, extra_dir = input_files(args.src)
    os.makedirs(args.out_dir, exist_ok=True)
    existing = [f for f in os.listdir(args.out_dir) if f.startswith("model") and "safetensors" in f]
    if existing and not args.overwrite:
        sys.exit(f"{args.out_dir} already holds {existing}; pass --overwrite")
    for f in existing:
        os.remove(os.path.join(args.out_dir, f))

    metadata = {"format": "pt", "slime.converted_from": os.path.basename(os.path.normpath(args.src))}
    all_aliases, seen, kind = {}, set(), args.kind
    # Aliases are only known after reading every file, so they go into the index (and stdout);
    # each shard's metadata carries the ones found in its own input file.
    writer = ShardWriter(args.out_dir, args.max_shard_size, metadata)
    for path in files:
        state = load(path, args.unsafe_pickle)
        if not isinstance(state, dict) or not all(torch.is_tensor(v) for v in state.values()):
            sys.exit(f"{path}: not a flat state dict of tensors")
        if kind == "auto":
            kind = detect_kind(path, state.keys())
            print(f"{path}: kind {kind}")
        tensors, aliases = deduplicate(select(state, kind))
        all_aliases.update(aliases)
        writer.metadata = dict(metadata, **({"slime.aliases": json.dumps(aliases, sort_keys=True)} if aliases else {}))
        for name in sorted(tensors):
            if name in seen:
                sys.exit(f"{path}: tensor {name} appears in more than one input file")
            seen.add(name)
            writer.add(name, convert_tensor(tensors[name], DTYPES[args.dtype]))
        writer.flush()  # one input file's metadata per output shard
        del state, tensors
    written = writer.finish()
    if all_aliases and "model.safetensors.index.json" in written:
        index_path = os.path.join(args.out_dir, "model.safetensors.index.json")
        with open(index_path) as f:
            index = json.load(f)
        index["metadata"]["slime.aliases"] = all_aliases
        with open(index_path, "w") as f:
            json.dump(index, f, indent=2)
            f.write("\n")

    if extra_dir:
        for name in sorted(os.listdir(extra_dir)):
            if name.endswith(COPY_SUFFIXES) and name != WEIGHT_INDEX and os.path.isfile(os.path.join(extra_dir, name)):
                shutil.copy2(os.path.join(extra_dir, name), os.path.join(args.out_dir, name))
                written.append(name)
    print(f"{len(seen)} tensors ({writer.total} bytes, --dtype {args.dtype}, kind {kind}) -> "
          f"{args.out_dir}: {', '.join(written)}")
    for dropped, kept in sorted(all_aliases.items()):
        print(f"  alias dropped: {dropped} (same storage as {kept})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
