#!/usr/bin/env bash
# Create or complete the Python venvs used by the reference generators (idempotent, outside the repo).
#   $SLIME_REF_VENV          (default ~/.cache/slime-bench/venv): pinned to SliME's stack; it sees the
#                            system site-packages so Debian's python3-torch (1.13) is usable.
#   $SLIME_REF_VENV-tok-new  a current `tokenizers` only (it honours `ignore_merges`, see
#                            tests/data/tokenizers/SOURCE.md).
#   $SLIME_REF_VENV-next     transformers 4.40.2 over the same python3-torch 1.13: LLaVA-NeXT
#                            (LlavaNextForConditionalGeneration, LlavaNextImageProcessor) needs >= 4.39,
#                            and 4.40 is still happy with torch 1.13.
set -euo pipefail
VENV="${SLIME_REF_VENV:-$HOME/.cache/slime-bench/venv}"
PY=/usr/bin/python3  # Debian's interpreter: its site-packages hold python3-torch
[[ -x $PY ]] || PY=python3
PINS=(transformers==4.37.2 tokenizers==0.15.1 sentencepiece protobuf safetensors)
NEW_PINS=(tokenizers==0.23.3)
NEXT_PINS=(transformers==4.40.2 sentencepiece protobuf safetensors)

ensure() {  # ensure VENV_DIR VENV_ARGS... -- PACKAGES...
  local dir=$1; shift
  local args=(); while [[ $1 != -- ]]; do args+=("$1"); shift; done; shift
  [[ -x $dir/bin/python ]] || "$PY" -m venv "${args[@]}" "$dir"
  # pip is quick when everything is already satisfied
  "$dir/bin/pip" install -q --disable-pip-version-check "$@"
}

ensure "$VENV" --system-site-packages -- "${PINS[@]}"
ensure "$VENV-tok-new" -- "${NEW_PINS[@]}"
ensure "$VENV-next" --system-site-packages -- "${NEXT_PINS[@]}"
echo "reference venvs ready: $VENV $VENV-tok-new $VENV-next"
