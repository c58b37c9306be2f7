#!/bin/bash
# New truths for the 90 % intervals (a probe's tables, 2026-12-04): tables generated from laws the calibration
# bench does not have (Kaplan's form without E, a power law that bends in N inside or beyond the sweep, 1.5 %
# and heteroscedastic noise, an over-training sweep, targets 5-10x beyond the largest N), each ingested whole for
# `l2l evaluate` and with only its sweep for `l2l predict` at the held-out models; score.py compares with the
# noise-free truth. Run from any folder; it works in DIR (default /tmp/l2l_new_truths).
# usage: bash benchmarks/new_truths/run.sh "kaplan broken brokenlo gridctl noise15 hetero overtrain bigN" "0 1 2 3 4 5" [DIR]
#        (cd DIR && python $REPO/benchmarks/new_truths/score.py kaplan broken ...)
set -e
here=$(cd "$(dirname "$0")" && pwd)
export OMP_NUM_THREADS=1
work=${3:-/tmp/l2l_new_truths}
mkdir -p "$work" && cd "$work" && mkdir -p tables ws out
for s in $1; do for seed in $2; do
  t=tables/${s}_s${seed}.csv
  python "$here/gen.py" $s $seed $t
  rm -rf ws/${s}_s${seed} ws/${s}_s${seed}_sweep
  l2l -w ws/${s}_s${seed} ingest $t > out/ingest_${s}_s${seed}.txt 2>&1
  l2l -w ws/${s}_s${seed} evaluate --test '*' --detail --format json > out/eval_${s}_s${seed}.json 2> out/eval_${s}_s${seed}.err
  l2l -w ws/${s}_s${seed} evaluate --test '*' > out/eval_${s}_s${seed}.txt 2>&1
  l2l -w ws/${s}_s${seed}_sweep ingest $t --where split=sweep > out/ingest_${s}_s${seed}_sweep.txt 2>&1
  args=$(python -c "
import csv; seen=[]
for r in csv.DictReader(open('tables/${s}_s${seed}.truth.csv')):
    k=(r['N'],r['D'])
    if k not in seen: seen.append(k)
print(' '.join(f'--N {n} --D {d}' for n,d in seen))")
  l2l -w ws/${s}_s${seed}_sweep predict -d all --eval all $args --format json > out/pred_${s}_s${seed}.json 2> out/pred_${s}_s${seed}.err
  echo "$s $seed done $(date -u +%T)"
done; done
