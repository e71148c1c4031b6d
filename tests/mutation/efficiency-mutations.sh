#!/usr/bin/env bash
# Mutation check for the efficient variants and step policies (not run in CI): applies each deliberately broken rule
# below to a scratch copy of the committed tree, runs the tests that guard it, and prints whether one caught it.
# Every mutation should be KILLED. Usage: tests/mutation/efficiency-mutations.sh [what-substring]
set -u
root=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
scratch=$(mktemp -d /tmp/sam-efficiency-mutations.XXXXXX)
git -C "$root" archive HEAD | tar -x -C "$scratch"
runtime='FullyQualifiedName~EfficiencyTests|FullyQualifiedName~VariantTests'
analyzer='FullyQualifiedName~EfficiencyDiagnosticTests'

# file|original text|mutated text|what it breaks|tests (runtime or analyzer)
mutations=(
  'src/Sam.Runtime/Optimizers/VariantRule.LookSam.cs|AddScaled(p.Gradient, saved, -_c, gv)|AddScaled(p.Gradient, saved, _c, gv)|LookSAM: g_v adds the projection instead of removing it|runtime'
  'src/Sam.Runtime/Optimizers/VariantRule.LookSam.cs|alpha * Math.Sqrt(_gradientSumOfSquares / _reuseSumOfSquares)|alpha|LookSAM: reuse without the norm ratio ‖g‖/‖g_v‖|runtime'
  'src/Sam.Runtime/Optimizers/VariantRule.LookSam.cs|base.Perturb(o, p, slot, scale * _inverseBeta, y)|base.Perturb(o, p, slot, scale, y)|ESAM: no 1/β scale|runtime'
  'src/Sam.Runtime/Optimizers/VariantRule.LookSam.cs|SamOptimizer.Uniform(seed, o.StepCount, slot + 1) < beta|SamOptimizer.Uniform(seed, 0, slot + 1) < beta|ESAM: the same tensors every step|runtime'
  'src/Sam.Runtime/Optimizers/SamOptimizer.Policy.cs|double deviation = gradientSumOfSquares - mean;|double deviation = gradientSumOfSquares - _adaptiveMean;|AE-SAM: variance around the old mean|runtime'
  'src/Sam.Runtime/Optimizers/SamOptimizer.Policy.cs|return gradientSumOfSquares >= mean +|return gradientSumOfSquares > mean -|AE-SAM: threshold sign|runtime'
  'src/Sam.Runtime/Optimizers/SamOptimizer.Policy.cs|Uniform(_settings.Seed, step, 0) < SamProbabilityAt(step)|Uniform(_settings.Seed, step, 0) >= SamProbabilityAt(step)|random: probability of a base step instead|runtime'
  'src/Sam.Runtime/Optimizers/SamOptimizer.Policy.cs|            _samSteps++;|            _samSteps += 2;|telemetry: SAM-step count|runtime'
  'src/Sam.Generators/Model/SamConfigSpec.cs|Interval > 1 \|\| EfficiencyOrDefault|Interval > 100 \|\| EfficiencyOrDefault|SAM0114 for periodic SAM|analyzer'
  'src/Sam.Generators/Validation/TheoryRules.cs|c.Config.TotalSteps > 0 && c.Config.Variant == VariantKind.Sam|c.Config.TotalSteps > 100000 && c.Config.Variant == VariantKind.Sam|SAM0113 trigger|analyzer'
)

survivors=0
for m in "${mutations[@]}"; do
  IFS='|' read -r file from to what tests <<<"$(sed 's/\\|/\x01/g' <<<"$m")"
  from=${from//$'\x01'/|}; to=${to//$'\x01'/|}
  [[ -n "${1:-}" && "$what" != *"$1"* ]] && continue
  cp "$scratch/$file" "$scratch/$file.orig"
  FROM="$from" TO="$to" python3 - "$scratch/$file" <<'PY' || { echo "SKIPPED  $what (text not found)"; mv "$scratch/$file.orig" "$scratch/$file"; continue; }
import os, sys
p = sys.argv[1]; s = open(p, encoding='utf-8').read(); f = os.environ['FROM']
if s.count(f) != 1: sys.exit(1)
open(p, 'w', encoding='utf-8').write(s.replace(f, os.environ['TO']))
PY
  if [[ "$tests" == analyzer ]]; then project=tests/Sam.Generators.Tests; filter=$analyzer; else project=tests/Sam.Runtime.Tests; filter=$runtime; fi
  if dotnet test "$scratch/$project" -c Debug --filter "$filter" >"$scratch/last.log" 2>&1; then
    echo "SURVIVED $what"; survivors=$((survivors + 1))
  else
    echo "KILLED   $what"
  fi
  mv "$scratch/$file.orig" "$scratch/$file"
done
rm -rf "$scratch"
echo "$survivors mutation(s) survived"
exit $((survivors > 0))
