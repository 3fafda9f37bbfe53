"""Loads named top-level functions/classes/constants from an upstream Python file WITHOUT
importing its module (whose imports pull in servers, datasets and GPUs). The source is read from
a checkout given on the command line (never copied into this repository); only the selected
definitions are executed, in a namespace with the few modules they use."""
import ast
import collections
import copy
import json
import logging
import os
import random
import re
import string
import typing
from pathlib import Path

import numpy as np
import pandas as pd


class _Logger:
    def __getattr__(self, name):
        return lambda *a, **k: None


def load(path, names):
    """Execute the definitions `names` of the Python file `path`; return them in a dict."""
    src = Path(path).read_text(encoding="utf-8")
    tree = ast.parse(src)
    keep = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name in names:
            node.decorator_list = []  # metric/registry decorators need the whole package
            keep.append(node)
        elif isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id in names for t in node.targets):
            keep.append(node)
    found = {n.name if hasattr(n, "name") else n.targets[0].id for n in keep}
    missing = set(names) - found
    if missing:
        raise SystemExit(f"{path}: definitions not found: {sorted(missing)}")
    ns = {"re": re, "np": np, "string": string, "os": os, "random": random, "json": json, "pd": pd, "tqdm": lambda x, *a, **k: x, "cp": copy, "copy": copy,
          "Counter": collections.Counter, "defaultdict": collections.defaultdict, "logger": _Logger(),
          "eval_logger": _Logger(), "logging": logging, "List": typing.List, "Optional": typing.Optional}
    exec(compile(ast.Module(body=keep, type_ignores=[]), str(path), "exec"), ns)
    return {k: ns[k] for k in names}


def load_method(path, class_name, method_names, extra_globals=None):
    """Methods of a class as plain functions taking a dummy `self` (the class __init__ is skipped)."""
    src = Path(path).read_text(encoding="utf-8")
    tree = ast.parse(src)
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == class_name:
            body = [n for n in node.body if isinstance(n, ast.FunctionDef) and n.name in method_names]
            cls = ast.ClassDef(name=class_name, bases=[], keywords=[], body=body, decorator_list=[])
            ns = {"re": re, "np": np, "string": string, "os": os, "eval_logger": _Logger(), "logger": _Logger(),
                  **(extra_globals or {})}
            exec(compile(ast.fix_missing_locations(ast.Module(body=[cls], type_ignores=[])), str(path), "exec"), ns)
            return ns[class_name].__new__(ns[class_name])
    raise SystemExit(f"{path}: class {class_name} not found")


def load_py2_methods(path, class_name, method_names):
    """Methods of a Python-2 class (tab-indented, print statements elsewhere in the file) whose own
    bodies are valid Python 3: their source blocks are cut out by indentation and executed in a
    stand-in class. Used for GT-Vision-Lab/VQA vqaEval.py."""
    lines = Path(path).read_text(encoding="utf-8").replace("\t", "    ").splitlines()
    blocks = []
    i = 0
    while i < len(lines):
        line = lines[i]
        name = line.strip()[4:].split("(")[0] if line.startswith("    def ") else None
        if name in method_names:
            block = [line]
            i += 1
            while i < len(lines) and (not lines[i].strip() or lines[i].startswith("        ")):
                block.append(lines[i])
                i += 1
            blocks.append("\n".join(block))
        else:
            i += 1
    src = f"class {class_name}:\n" + "\n".join(blocks) + "\n"
    ns = {"re": re, "sys": __import__("sys")}
    exec(compile(src, str(path), "exec"), ns)
    return ns[class_name]
