#!/usr/bin/env bash
# Measures everything `limitnet report` draws, then writes the report:
#   scripts/make-report.sh MODEL DATA OUTDIR [extra `limitnet eval` arguments]
# 1. limitnet eval with the codec baselines       -> OUTDIR/eval.json      (Fig. 8, 10 a, Table 4)
# 2. limitnet simulate -s lorawan-max             -> OUTDIR/sim-lorawan-max.json     (Fig. 13 a, b)
# 3. limitnet simulate -s lorawan-dynamic         -> OUTDIR/sim-lorawan-dynamic.json (Fig. 13 c, d)
# 4. limitnet simulate --table6                   -> OUTDIR/table6.json    (Table 6)
# 5. limitnet report                              -> OUTDIR/report.html and OUTDIR/report-*.svg
# Every command is recorded in OUTDIR/commands.txt (shown in the report) and its output in
# OUTDIR/<step>.log. Extra arguments go to `limitnet eval` (e.g. --limit 2000, or
# --baselines jpeg,progjpeg,starfish --baseline-model starfish=sf.lnm; a starfish bundle is
# passed to the simulations too, and so are --baseline-judge J.lnm and each
# --codec-judge CODEC=J.lnm). Environment:
#   LIMITNET   the binary (default: build/bin/limitnet of this checkout)
#   SIM_LIMIT  test images per simulation (default 1000)
#   SIM_ARGS   extra `limitnet simulate` arguments (e.g. --resize)
#   FIG13_DEADLINE_MS  deadline of the two Fig. 13 runs (their time grid scales with it).
#              The scenarios' 5 s / 10 s suit the paper's 224x224 images; a 32x32 image
#              is all sent in well under a second at 5.5 KB/s, so e.g. 600 for cifar32.
#   EVAL_JSON  reuse this `limitnet eval --json` result of MODEL instead of step 1 (the
#              slow one: about 15 min for cifar32 with its baselines); extra arguments
#              then only pick the starfish bundle and the judges for the simulations
#   FIXEDRATE_EVAL  eval result for Fig. 10 a (LimitNet and methods.fixedrate) when the
#              fixed-rate bundles had a shorter recipe than MODEL (optional)
#   ABLATION   "LABEL:PATH ..." eval results of ablation variants for Fig. 10 b (optional)
#   ABLATION_TITLE  caption of that figure
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [[ $# -lt 3 ]]; then
  sed -n '2,26p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi
model="$1" data="$2" out="$3"
shift 3
eval_extra=("$@")
limitnet="${LIMITNET:-$here/build/bin/limitnet}"
sim_limit="${SIM_LIMIT:-1000}"
read -r -a sim_extra <<< "${SIM_ARGS:-}"
fig13_extra=()
[[ -n "${FIG13_DEADLINE_MS:-}" ]] && fig13_extra=(--deadline-ms "$FIG13_DEADLINE_MS")
read -r -a ablation <<< "${ABLATION:-}"

say() { echo "[make-report] $*" >&2; }
die() { say "error: $*"; exit 1; }

[[ -x "$limitnet" ]] || die "$limitnet: not an executable (build it, or set LIMITNET)"
[[ -f "$model" ]] || die "$model: no such model bundle"
mkdir -p "$out"
commands="$out/commands.txt"
: > "$commands"

# Fig. 13's two settings must exist under these names.
scenarios="$("$limitnet" simulate --list)"
for s in lorawan-max lorawan-dynamic table6-40; do
  grep -q "^$s:" <<< "$scenarios" || die "scenario '$s' is not in \`limitnet simulate --list\`"
done

# Baselines: the codecs unless the caller chose; a starfish bundle also joins the simulations.
baselines=(--baselines "jpeg,jpeg-abbrev,progjpeg,webp")
sim_models=()
sim_judge=()  # --baseline-judge and each --codec-judge also judge the codecs' pictures in the simulations
for ((i = 0; i < ${#eval_extra[@]}; i++)); do
  case "${eval_extra[i]}" in
    --baselines|--baselines=*) baselines=() ;;
    --baseline-model)
      spec="${eval_extra[i+1]:-}"
      [[ "$spec" == starfish=* ]] && sim_models=(--starfish-model "${spec#starfish=}") ;;
    --baseline-model=starfish=*) sim_models=(--starfish-model "${eval_extra[i]#--baseline-model=starfish=}") ;;
    --baseline-judge) sim_judge+=(--baseline-judge "${eval_extra[i+1]:-}") ;;
    --baseline-judge=*) sim_judge+=(--baseline-judge "${eval_extra[i]#--baseline-judge=}") ;;
    --codec-judge) sim_judge+=(--codec-judge "${eval_extra[i+1]:-}") ;;
    --codec-judge=*) sim_judge+=(--codec-judge "${eval_extra[i]#--codec-judge=}") ;;
  esac
done

# Appends a command line to commands.txt, quoting only the arguments that need it.
record() {
  local line="" a
  # The binary as users call it, not its path on this machine.
  if [[ "$1" == "$limitnet" ]]; then line="limitnet "; shift; fi
  for a in "$@"; do
    if [[ "$a" =~ ^[A-Za-z0-9_./:=,@+%-]+$ ]]; then line+="$a "; else line+="$(printf '%q' "$a") "; fi
  done
  echo "${line% }" >> "$commands"
}

# step LABEL LOG COMMAND...: records the command, runs it with its output in LOG.
step() {
  local label="$1" log="$2"
  shift 2
  record "$@"
  say "$label ..."
  local start=$SECONDS
  if ! "$@" > "$log" 2>&1; then
    tail -n 20 "$log" >&2
    die "$label failed (full output: $log)"
  fi
  say "$label done in $((SECONDS - start)) s (output: $log)"
}

if [[ -n "${EVAL_JSON:-}" ]]; then
  # The slow step, reused: the file must be an eval result of this very model.
  [[ -f "$EVAL_JSON" ]] || die "EVAL_JSON=$EVAL_JSON: no such file"
  grep -q '"clean_top1"' "$EVAL_JSON" || die "EVAL_JSON=$EVAL_JSON: not a \`limitnet eval --json\` result"
  cp "$EVAL_JSON" "$out/eval.json"
  echo "# step 1 reused an earlier result: cp $EVAL_JSON $out/eval.json (its own command: see the model card)" >> "$commands"
  say "1/5 eval: reusing $EVAL_JSON"
else
  step "1/5 eval with baselines" "$out/eval.log" \
    "$limitnet" eval -m "$model" --data "$data" --quiet "${baselines[@]}" "${eval_extra[@]}" --json "$out/eval.json"
fi
for s in lorawan-max lorawan-dynamic; do
  n=$([[ $s == lorawan-max ]] && echo 2 || echo 3)
  step "$n/5 simulate $s ($sim_limit images)" "$out/sim-$s.log" \
    "$limitnet" simulate -m "$model" --data "$data" -s "$s" --limit "$sim_limit" --quiet "${sim_models[@]}" \
    "${sim_judge[@]}" "${sim_extra[@]}" "${fig13_extra[@]}" -o "$out/sim-$s.json"
done
step "4/5 simulate --table6 ($sim_limit images)" "$out/table6.log" \
  "$limitnet" simulate -m "$model" --data "$data" --table6 --limit "$sim_limit" --quiet "${sim_models[@]}" \
  "${sim_judge[@]}" "${sim_extra[@]}" -o "$out/table6.json"

report=("$limitnet" report --eval "$out/eval.json" --simulate "$out/sim-lorawan-max.json"
        --simulate "$out/sim-lorawan-dynamic.json" --table6 "$out/table6.json" --commands "$commands"
        -o "$out/report.html")
for a in "${ablation[@]}"; do report+=(--ablation "$a"); done
[[ -n "${FIXEDRATE_EVAL:-}" ]] && report+=(--fixedrate-eval "$FIXEDRATE_EVAL")
[[ -n "${ABLATION_TITLE:-}" ]] && report+=(--ablation-title "$ABLATION_TITLE")
record "${report[@]}"
say "5/5 report ..."
"${report[@]}" >&2
say "done: $out/report.html"
