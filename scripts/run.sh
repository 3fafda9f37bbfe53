#!/usr/bin/env bash
# The main job on the embedded default: sets everything up (scripts/setup.sh), then
#   1. build/device info, and SliME's Vicuna / Llama-3 prompts tokenised as the reference tokenizers do;
#   2. one `slime generate` per model kind on a committed image (the JSON record: token counts,
#      per-stage timings, peak memory);
#   3. the built-in hires-detail benchmark (seeded, 200 test items) evaluated with the default model,
#      then a Markdown + HTML report.
# The default model is models/slime-hd-tiny: a tiny SliME trained here with `slime train` on the
# hires-detail train split (models/README.md: commands, seed, accuracy). The generate step still
# shows each model kind from `slime init-model` (random weights).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$repo/scripts/setup.sh"
cd "$repo"
slime=build/slime
data=tests/data
out=out/main_job
question="What is written on the sign in the top left corner?"
mkdir -p $out

echo "== slime info"
$slime info
echo
echo "== Vicuna v1 and Llama-3 templated prompts (-200 = <image>)"
$slime tokenize --tokenizer $data/tokenizers/llama2 --template vicuna_v1 --json --question "<image>
$question"
$slime tokenize --tokenizer $data/tokenizers/llama3 --template llama3 --json --question "<image>
$question"
echo
echo "== slime generate: tiny random SliME, LLaVA-1.5 and LLaVA-NeXT (init-model, seed 0) on one image"
for kind in slime llava llava_next; do
  $slime init-model --kind $kind --preset tiny --seed 0 --out $out/models/$kind > /dev/null
  $slime generate --model $out/models/$kind --image $data/image/inputs/synth_800x600.png --prompt "$question" \
    --max-new-tokens 8 --json
done
echo
echo "== hires-detail (seed 0, 200 test items) evaluated with the default model (models/slime-hd-tiny)"
$slime hires-detail --out $out/hires_detail --seed 0 --train 0 --val 0 --test 200
$slime eval --model models/slime-hd-tiny --tasks hires_detail --data $out/hires_detail --split test \
  --output $out/eval --batch-size 4
echo
echo "== report"
$slime report $out/eval --format md,html --out $out/report
cat $out/report/report.md
echo
echo "main job done: $out/eval/results.json, $out/report/report.html"
