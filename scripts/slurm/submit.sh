#!/usr/bin/env bash
# Submits a chipsim batch to Slurm: a job array of N shards, then a merge job that runs
# only if every shard succeeded. See docs/cluster.md.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: submit.sh [-h] [SBATCH_OPTION...]

Submits a chipsim batch to Slurm as a job array of N shards (task I runs replications
I, I+N, I+2N, … into $CHIPSIM_OUT/shard-I) and a merge job with
--dependency=afterok:<array job> that combines them into $CHIPSIM_OUT/merged. If a shard
fails, the merge job never runs (Slurm cancels it) and no merged folder appears.
Prints both job ids.

SBATCH_OPTION...  passed to both sbatch calls, e.g. --partition=short --time=02:00:00
                  --account=myproject (and --cpus-per-task=4 for 4 threads per shard)

Environment (the scripts run on the compute nodes, so paths must be on a shared file
system; they are made absolute here):
  CHIPSIM_BIN      chipsim binary, on PATH or a path         default: chipsim
  CHIPSIM_CONFIG   scenario file (TOML), checked before submitting
                                                             default: built-in baseline
  CHIPSIM_REPS     replications in the whole batch           default: 1000
  CHIPSIM_SHARDS   shards N (array tasks), 1 ≤ N ≤ REPS      default: 10
  CHIPSIM_SEED     base seed                                 default: 1
  CHIPSIM_OUT      output root; must not exist or be empty   default: ./chipsim-batch
  CHIPSIM_THREADS  threads per shard                         default: --cpus-per-task

Lands in CHIPSIM_OUT: shard-0 … shard-(N-1) (one chipsim output folder each),
merged/ (summary.csv, replications.csv, timeseries.csv, projects.csv, manifest.json),
logs/shard-I.log and logs/merge.log (the jobs' output).

Example:
  CHIPSIM_BIN=$HOME/bin/chipsim CHIPSIM_CONFIG=configs/baseline.toml \
  CHIPSIM_REPS=10000 CHIPSIM_SHARDS=50 CHIPSIM_OUT=/scratch/$USER/baseline \
    scripts/slurm/submit.sh --partition=short --time=00:30:00
EOF
}

die() {
  echo "submit.sh: $*" >&2
  exit 2
}

for arg in "$@"; do
  case $arg in
    -h | --help)
      usage
      exit 0
      ;;
  esac
done

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
reps=${CHIPSIM_REPS:-1000}
shards=${CHIPSIM_SHARDS:-10}
seed=${CHIPSIM_SEED:-1}

[[ $reps =~ ^[1-9][0-9]*$ ]] || die "CHIPSIM_REPS must be a whole number ≥ 1, got '$reps'"
[[ $shards =~ ^[1-9][0-9]*$ ]] || die "CHIPSIM_SHARDS must be a whole number ≥ 1, got '$shards'"
((shards <= reps)) ||
  die "CHIPSIM_SHARDS ($shards) must be at most CHIPSIM_REPS ($reps): a shard needs a replication"
[[ $seed =~ ^[0-9]+$ ]] || die "CHIPSIM_SEED must be a whole number ≥ 0, got '$seed'"

bin=$(command -v "${CHIPSIM_BIN:-chipsim}") ||
  die "CHIPSIM_BIN '${CHIPSIM_BIN:-chipsim}' is not an executable (set it to the chipsim binary)"
bin=$(realpath "$bin")

config=${CHIPSIM_CONFIG:-}
if [[ -n $config ]]; then
  [[ -f $config ]] || die "CHIPSIM_CONFIG '$config' is not a file"
  config=$(realpath "$config")
  if ! "$bin" check "$config" >/dev/null; then
    die "CHIPSIM_CONFIG '$config' is not a valid scenario (see the error above)"
  fi
fi

out=$(realpath -m "${CHIPSIM_OUT:-chipsim-batch}")
created_out=true
if [[ -e $out ]]; then
  [[ -d $out ]] || die "CHIPSIM_OUT '$out' is not a folder"
  [[ -z $(ls -A "$out") ]] ||
    die "CHIPSIM_OUT '$out' is not empty; choose a new folder so that old shards or an old merge cannot be mistaken for this batch's"
  created_out=false
fi
mkdir -p "$out/logs"

export CHIPSIM_BIN=$bin CHIPSIM_CONFIG=$config CHIPSIM_REPS=$reps CHIPSIM_SHARDS=$shards \
  CHIPSIM_SEED=$seed CHIPSIM_OUT=$out
if [[ -n ${CHIPSIM_THREADS:-} ]]; then
  export CHIPSIM_THREADS
fi

if ! array_job=$(sbatch --parsable --export=ALL --array="0-$((shards - 1))" \
  --output="$out/logs/shard-%a.log" "$@" "$here/chipsim-array.sbatch"); then
  rmdir "$out/logs"
  if $created_out; then
    rmdir "$out"
  fi
  echo "submit.sh: submitting the job array failed (sbatch's error above); nothing was submitted" >&2
  exit 1
fi
array_job=${array_job%%;*}

if ! merge_job=$(sbatch --parsable --export=ALL --dependency="afterok:$array_job" \
  --kill-on-invalid-dep=yes --output="$out/logs/merge.log" "$@" \
  "$here/chipsim-merge.sbatch"); then
  scancel "$array_job" || true
  echo "submit.sh: submitting the merge job failed; cancelled array job $array_job" >&2
  exit 1
fi
merge_job=${merge_job%%;*}

cat <<EOF
array job: $array_job
merge job: $merge_job
$shards shards of $reps replications (seed $seed) → $out/shard-0 … shard-$((shards - 1))
merged outputs (after every shard succeeded) → $out/merged
watch: squeue -j $array_job,$merge_job    logs: $out/logs/
EOF
