#!/usr/bin/env bash
# Mutation check for the analyzer's theory and option triggers (not run in CI): applies each small mutation below
# to a scratch copy of the committed tree, runs the analyzer tests, and prints whether a test caught it.
# Every mutation should be KILLED. Usage: tests/mutation/theory-mutations.sh [filter-substring]
set -u
root=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
scratch=$(mktemp -d /tmp/sam-mutations.XXXXXX)
git -C "$root" archive HEAD | tar -x -C "$scratch"
filter="${SAM_MUTATION_FILTER:-FullyQualifiedName~TheoryFidelity}"

# file|original text|mutated text|what it breaks
mutations=(
  'src/Shared/TheoryConditions.cs|a + b > 1|a + b >= 1|SAM0104 boundary a + b = 1'
  'src/Shared/TheoryConditions.cs|b <= DivergentSumAtMost|b < DivergentSumAtMost|SAM0103 boundary b = 1'
  'src/Shared/TheoryConditions.cs|b > SquareSummableAbove|b >= SquareSummableAbove|SAM0103 boundary b = ½'
  'src/Shared/TheoryConditions.cs|gamma >= 1|gamma > 1|SAM0112 boundary γ = 1'
  'src/Shared/TheoryConditions.cs|rho * smoothness < 1|rho * smoothness <= 1|SAM0109 boundary ρL = 1'
  'src/Sam.Generators/Validation/TheoryRules.cs|!(rho.Exponent > 0)|rho.Exponent < 0|SAM0104 with a = 0'
  'src/Sam.Generators/Validation/TheoryRules.cs|s.Exponent < 0 \|\| c.OutsideByOptimizerOrVariant|s.Exponent < 0|SAM0103 scope (momentum, AdamW)'
  'src/Sam.Generators/Validation/TheoryRules.cs|!c.MaybeNonconvex \|\| c.OutsideByOptimizerOrVariant|!c.MaybeNonconvex|SAM0104 scope (momentum, AdamW)'
  'src/Sam.Generators/Validation/TheoryRules.cs|s.Rho < LargeRho|s.Rho <= LargeRho|SAM0108 boundary ρ = 0.1'
  'src/Sam.Generators/Validation/TheoryRules.cs|{ Shape: ScheduleShape.Polynomial, Exponent: > 0 } => 0,|{ Shape: ScheduleShape.Polynomial, Exponent: > 0 } => c.Config.Rho,|SAM0109 uses ρ₀ under a decay'
  'src/Sam.Generators/Validation/TheoryRules.cs|or VariantKind.FriendlySam or VariantKind.Gcsam;|;|SAM0110 covered variants'
  'src/Sam.Generators/Validation/TheoryRules.cs|if (s?.Shape != ScheduleShape.Cosine)|if (s?.Shape is not (ScheduleShape.Cosine or ScheduleShape.Step))|SAM0105 on a step decay'
  'src/Sam.Generators/Validation/ConfigValidator.cs|(o.Momentum == 0 \|\| o.Dampening != 0)|(o.Momentum == 0)|SAM0008 Nesterov with dampening'
  'src/Sam.Generators/Validation/ConfigValidator.cs|(o.Momentum == 0 \|\| o.Dampening != 0)|(o.Dampening != 0)|SAM0008 Nesterov without momentum'
)

survivors=0
for m in "${mutations[@]}"; do
  IFS='|' read -r file from to what <<<"$(sed 's/\\|/\x01/g' <<<"$m")"
  from=${from//$'\x01'/|}; to=${to//$'\x01'/|}
  [[ -n "${1:-}" && "$what" != *"$1"* ]] && continue
  cp "$scratch/$file" "$scratch/$file.orig"
  FROM="$from" TO="$to" python3 - "$scratch/$file" <<'PY' || { echo "SKIPPED  $what (text not found)"; mv "$scratch/$file.orig" "$scratch/$file"; continue; }
import os, sys
p = sys.argv[1]; s = open(p, encoding='utf-8').read(); f = os.environ['FROM']
if s.count(f) != 1: sys.exit(1)
open(p, 'w', encoding='utf-8').write(s.replace(f, os.environ['TO']))
PY
  if dotnet test "$scratch/tests/Sam.Generators.Tests" -c Debug --filter "$filter" >"$scratch/last.log" 2>&1; then
    echo "SURVIVED $what"; survivors=$((survivors + 1))
  else
    echo "KILLED   $what"
  fi
  mv "$scratch/$file.orig" "$scratch/$file"
done
rm -rf "$scratch"
echo "$survivors mutation(s) survived"
exit $((survivors > 0))
