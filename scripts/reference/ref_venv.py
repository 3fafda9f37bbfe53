"""Shared by the reference scripts: re-run the calling script under a reference venv.

$SLIME_REF_VENV (default ~/.cache/slime-bench/venv, outside the repo) holds SliME's pins over
Debian's python3-torch; $SLIME_REF_VENV-tok-new a current `tokenizers`; $SLIME_REF_VENV-next
transformers 4.40.2 for LLaVA-NeXT. setup_venv.sh makes all three.
"""
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
VENV = Path(os.environ.get("SLIME_REF_VENV", Path.home() / ".cache/slime-bench/venv"))
NEW_VENV = Path(f"{VENV}-tok-new")
NEXT_VENV = Path(f"{VENV}-next")  # transformers 4.40.2: LLaVA-NeXT


def reexec_in(venv, script):
    """Continue in VENV: return if already there, else exec SCRIPT with the same arguments there."""
    venv = Path(venv)
    if Path(sys.prefix).resolve() == venv.resolve():
        return
    if not all((v / "bin/python").exists() for v in (VENV, NEW_VENV, NEXT_VENV)):
        subprocess.run([str(HERE / "setup_venv.sh")], check=True)
    os.execv(venv / "bin/python", [str(venv / "bin/python"), str(script), *sys.argv[1:]])
