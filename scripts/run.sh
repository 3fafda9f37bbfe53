#!/usr/bin/env bash
# The main job on the embedded default: sets everything up (scripts/setup.sh), then runs what the
# engine can do end to end today: build/device info, the Vicuna and Llama-3 templated prompts of
# model.md §9.2 tokenised with the committed tokenizers (ids, then decoded back), SliME's
# high-resolution preprocessing plan of a committed image, an inspection of a committed (tiny,
# HF-layout) CLIP vision tower checkpoint, then a seeded random tiny SliME and LLaVA-NeXT answering
# a question about that image (random weights: the answers are noise, the pipeline is real).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$repo/scripts/setup.sh"
cd "$repo"
slime=build/slime
data=tests/data
question="What is written on the sign in the top left corner?"

echo "== slime info"
$slime info
echo
echo "== Vicuna v1 template, slow Llama-2 tokenizer (as LLaVA-family Vicuna models run it); -200 = <image>"
$slime tokenize --tokenizer $data/tokenizers/llama2 --template vicuna_v1 --json --question "<image>
$question"
echo
echo "== Llama-3 template, byte-level BPE; decoded back without the image id"
$slime tokenize --tokenizer $data/tokenizers/llama3 --template llama3 --json --question "<image>
$question"
ids=$($slime tokenize --tokenizer $data/tokenizers/llama3 --add-special --text "$question")
echo "question ids: $ids"
echo "decoded: $($slime tokenize --tokenizer $data/tokenizers/llama3 --decode "$ids")"
echo
echo "== SliME preprocessing plan (UHD grid, aspect fit, crops) of an 800x600 image"
$slime preprocess --image $data/image/inputs/synth_800x600.png
echo
echo "== A tiny HF-layout CLIP vision tower checkpoint"
$slime inspect $data/clip/grid3
echo
echo "== slime generate: tiny random SliME and LLaVA-NeXT (init-model, seed 0) on the same image"
models=out/run_models
for kind in slime llava_next; do
  $slime init-model --kind $kind --preset tiny --seed 0 --out $models/$kind > /dev/null
  $slime generate --model $models/$kind --image $data/image/inputs/synth_800x600.png --prompt "$question" \
    --max-new-tokens 8 --json
done
