#!/usr/bin/env bash
# CI harness: proves scale-out on a real single-node Slurm cluster.
#
# Installs slurm-wlm, munge and jq from Debian's packages if missing, starts munged (unless
# a working one is running), slurmctld and slurmd with a configuration under a temporary
# folder, and then, through scripts/slurm/submit.sh:
#   1. runs a small baseline batch as a 3-shard job array plus its afterok merge job and
#      checks that every CSV is byte-identical to one local unsharded run and the
#      manifests agree outside `execution`;
#   2. runs the batch again with shard 1 failing: the merge job must never run, no merged
#      folder may appear, and the batch is reported incomplete (a merge job still pending
#      is cancelled); then reruns only shard 1 and merges, which must again equal the
#      local run.
# Every daemon it started is stopped by the PID in its PID file, on success and failure,
# and the temporary folder is removed. The last line is PASS or FAIL; exit 0 only on PASS.
#
# Needs root on Debian (apt-get, slurmd). Environment:
#   CHIPSIM_BIN        chipsim binary to test; default: `cargo build --release` and
#                      ${CARGO_TARGET_DIR:-target}/release/chipsim
#   SLURM_CI_PORT      slurmctld port; slurmd uses the next one        default: 16817
set -Eeuo pipefail
export LC_ALL=C

readonly SHARDS=3 REPS=60 SEED=20261130
readonly JOB_TIMEOUT_S=120
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
started_us=${EPOCHREALTIME/./}

work=""
failure=""
munged_pid=""
slurmctld_pid=""
slurmd_pid=""
jobs_submitted=()
timings=()

elapsed_since() { # start in µs → seconds with one decimal
  local ms=$(((${EPOCHREALTIME/./} - $1) / 1000))
  printf '%d.%d' $((ms / 1000)) $((ms % 1000 / 100))
}
log() { printf '[slurm-ci %6ss] %s\n' "$(elapsed_since "$started_us")" "$*"; }
fail() {
  failure=$*
  exit 1
}
on_error() {
  failure=${failure:-"unexpected error (exit $1) at line $2: $3"}
}
trap 'on_error $? $LINENO "$BASH_COMMAND"' ERR

phase_start=""
phase() { # name: closes the previous phase's timing and opens the next
  if [[ -n $phase_start ]]; then
    timings+=("$phase_name $(elapsed_since "$phase_start")s")
  fi
  phase_name=$1
  phase_start=${EPOCHREALTIME/./}
  [[ $1 == end ]] || log "== $1"
}

show_tail() { # file...: the last lines of each, for a failure's context
  local file
  for file; do
    [[ -f $file ]] || continue
    echo "--- last lines of $file"
    tail -n 15 "$file"
  done
}

# ---------------------------------------------------------------- stopping and cleanup

# Stops one daemon by the PID recorded when it started; checks the PID still belongs to
# that program so that a reused PID is never signalled.
stop_daemon() { # name pid
  local name=$1 pid=$2 i
  [[ -n $pid ]] || return 0
  if ! kill -0 "$pid" 2>/dev/null; then
    return 0
  fi
  if [[ $(cat "/proc/$pid/comm" 2>/dev/null) != "$name" ]]; then
    log "pid $pid is no longer $name; not signalling it"
    return 0
  fi
  kill -TERM "$pid"
  for ((i = 0; i < 150; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  log "$name (pid $pid) still running 15 s after SIGTERM; sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  sleep 0.5
  ! kill -0 "$pid" 2>/dev/null
}

cleanup() {
  local status=$? pid_name i
  trap - ERR
  set +e
  [[ -n $phase_start ]] && phase "stopping the daemons"
  if [[ -n $slurmctld_pid ]] && ((${#jobs_submitted[@]} > 0)) && kill -0 "$slurmctld_pid" 2>/dev/null; then
    scancel "${jobs_submitted[@]}" 2>/dev/null
    for ((i = 0; i < 100; i++)); do
      [[ -z $(squeue -h -j "$(
        IFS=,
        echo "${jobs_submitted[*]}"
      )" -t RUNNING,COMPLETING 2>/dev/null) ]] && break
      sleep 0.1
    done
  fi
  for pid_name in "slurmd:$slurmd_pid" "slurmctld:$slurmctld_pid" "munged:$munged_pid"; do
    if [[ -n ${pid_name#*:} ]]; then
      if stop_daemon "${pid_name%%:*}" "${pid_name#*:}"; then
        log "stopped ${pid_name%%:*} (pid ${pid_name#*:})"
      else
        failure=${failure:-"could not stop ${pid_name%%:*} (pid ${pid_name#*:})"}
        status=1
      fi
    fi
  done
  if [[ -n $work ]]; then
    rm -rf "$work"
  fi
  [[ -n $phase_start ]] && phase end
  log "phase timings: $(
    IFS=';'
    echo "${timings[*]}"
  )" | sed 's/;/; /g'
  log "wall time: $(elapsed_since "$started_us") s"
  if ((status == 0)) && [[ -z $failure ]]; then
    echo "PASS: Slurm job array of $SHARDS shards + afterok merge equals one local run; a failed shard blocks the merge"
    exit 0
  fi
  echo "FAIL: ${failure:-"exit status $status"}"
  exit 1
}
trap cleanup EXIT

# ---------------------------------------------------------------- packages and binary

require_packages() {
  local commands=(slurmctld slurmd sbatch scontrol scancel squeue sinfo munged munge unmunge jq)
  local missing=() name
  for name in "${commands[@]}"; do
    command -v "$name" >/dev/null || missing+=("$name")
  done
  if ((${#missing[@]} == 0)); then
    log "slurm-wlm, munge and jq already installed"
    return
  fi
  command -v apt-get >/dev/null ||
    fail "missing ${missing[*]} and no apt-get to install slurm-wlm, munge and jq"
  log "installing slurm-wlm, munge and jq from Debian's packages (missing: ${missing[*]})"
  if ! DEBIAN_FRONTEND=noninteractive apt-get update -qq >"$work/apt.log" 2>&1 ||
    ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      slurm-wlm munge jq >>"$work/apt.log" 2>&1; then
    show_tail "$work/apt.log"
    fail "cannot install slurm-wlm, munge and jq with apt-get (log above)"
  fi
  missing=()
  for name in "${commands[@]}"; do
    command -v "$name" >/dev/null || missing+=("$name")
  done
  ((${#missing[@]} == 0)) || fail "still missing after apt-get install: ${missing[*]}"
  log "installed $(dpkg-query -W -f='${Package} ${Version}  ' slurm-wlm munge)"
}

chipsim_binary() {
  if [[ -n ${CHIPSIM_BIN:-} ]]; then
    bin=$(realpath "$CHIPSIM_BIN")
  else
    local target=${CARGO_TARGET_DIR:-target}
    [[ $target == /* ]] || target=$repo/$target
    bin=$target/release/chipsim
    if command -v cargo >/dev/null; then
      log "cargo build --release (a no-op when the binary is current)"
      (cd "$repo" && cargo build --release --locked --quiet) || fail "cargo build --release failed"
    fi
  fi
  [[ -x $bin ]] || fail "no chipsim binary at $bin (build it with cargo build --release or set CHIPSIM_BIN)"
  log "chipsim binary: $bin ($("$bin" --version))"
}

# ---------------------------------------------------------------- daemons

wait_until() { # seconds command...: polls every 0.2 s until the command succeeds
  local seconds=$1 i
  shift
  for ((i = 0; i < seconds * 5; i++)); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  return 1
}

munge_works() { munge -n | unmunge; }

start_munged() {
  if munge_works >/dev/null 2>&1; then
    log "a working munged is already running; using it (and leaving it running)"
    return
  fi
  # Without systemd nobody creates the runtime folder; munged wants it owned by munge.
  install -d -o munge -g munge -m 0755 /run/munge
  install -d -o munge -g munge -m 0700 /var/log/munge /var/lib/munge
  if [[ ! -f /etc/munge/munge.key ]]; then
    install -d -o munge -g munge -m 0700 /etc/munge
    (umask 077 && head -c 1024 /dev/urandom >/etc/munge/munge.key)
    chown munge:munge /etc/munge/munge.key
    chmod 0400 /etc/munge/munge.key
    log "created /etc/munge/munge.key"
  fi
  # As root munged calls its log file insecure; as the munge user it is clean.
  runuser -u munge -- "$(command -v munged)" ||
    {
      show_tail /var/log/munge/munged.log
      fail "munged did not start"
    }
  wait_until 10 munge_works || {
    show_tail /var/log/munge/munged.log
    fail "munged started but munge -n | unmunge fails"
  }
  munged_pid=$(cat /run/munge/munged.pid)
  log "munged running as user munge (pid $munged_pid)"
}

write_slurm_conf() {
  local ctld_port=${SLURM_CI_PORT:-16817} node_line
  # The node as this machine sees it, named localhost (the host name may not resolve)
  # and without RealMemory (memory is not scheduled with CR_Core).
  node_line=$(slurmd -C | head -n 1 | sed -E 's/^NodeName=[^ ]+/NodeName=localhost/; s/ RealMemory=[0-9]+//')
  [[ $node_line == NodeName=localhost* ]] || fail "unexpected slurmd -C output: $node_line"
  local port
  for port in "$ctld_port" $((ctld_port + 1)); do
    if (: <"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      fail "port $port is in use (another Slurm?); set SLURM_CI_PORT to a free pair of ports"
    fi
  done
  mkdir -p "$work/slurm/state" "$work/slurm/spool" "$work/slurm/log" "$work/slurm/run"
  cat >"$work/slurm/slurm.conf" <<EOF
ClusterName=chipsimci
SlurmctldHost=localhost
SlurmctldPort=$ctld_port
SlurmdPort=$((ctld_port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
StateSaveLocation=$work/slurm/state
SlurmdSpoolDir=$work/slurm/spool
SlurmctldPidFile=$work/slurm/run/slurmctld.pid
SlurmdPidFile=$work/slurm/run/slurmd.pid
SlurmctldLogFile=$work/slurm/log/slurmctld.log
SlurmdLogFile=$work/slurm/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MpiDefault=none
ReturnToService=2
MailProg=/bin/true
KillWait=5
$node_line
PartitionName=ci Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
  export SLURM_CONF=$work/slurm/slurm.conf
  log "slurm.conf in $work/slurm (ports $ctld_port, $((ctld_port + 1))); node: $node_line"
}

node_is_idle() { [[ $(sinfo -h -N -n localhost -o %T) == idle ]]; }

start_slurm() {
  slurmctld -f "$SLURM_CONF" || {
    show_tail "$work/slurm/log/slurmctld.log"
    fail "slurmctld did not start"
  }
  wait_until 10 test -s "$work/slurm/run/slurmctld.pid" ||
    fail "slurmctld wrote no PID file"
  slurmctld_pid=$(cat "$work/slurm/run/slurmctld.pid")
  wait_until 15 scontrol ping || {
    show_tail "$work/slurm/log/slurmctld.log"
    fail "slurmctld (pid $slurmctld_pid) does not answer scontrol ping"
  }
  log "slurmctld up (pid $slurmctld_pid)"
  slurmd -f "$SLURM_CONF" -N localhost || {
    show_tail "$work/slurm/log/slurmd.log"
    fail "slurmd did not start"
  }
  wait_until 10 test -s "$work/slurm/run/slurmd.pid" ||
    fail "slurmd wrote no PID file"
  slurmd_pid=$(cat "$work/slurm/run/slurmd.pid")
  wait_until 30 node_is_idle || {
    show_tail "$work/slurm/log/slurmd.log" "$work/slurm/log/slurmctld.log"
    fail "node localhost is not idle 30 s after slurmd started: $(sinfo -h -N -o '%N %T %E')"
  }
  log "slurmd up (pid $slurmd_pid); node localhost idle"
}

# ---------------------------------------------------------------- jobs

# "task state exit-code" per record of a job (an array job has one record per task;
# the task is "-" for a plain job).
job_records() {
  scontrol -o show job "$1" | while read -r line; do
    local task=- state exit_code reason
    [[ $line =~ ArrayTaskId=([^ ]+) ]] && task=${BASH_REMATCH[1]}
    [[ $line =~ JobState=([^ ]+) ]] && state=${BASH_REMATCH[1]}
    [[ $line =~ ExitCode=([^ ]+) ]] && exit_code=${BASH_REMATCH[1]}
    [[ $line =~ Reason=([^ ]+) ]] && reason=${BASH_REMATCH[1]}
    echo "$task $state $exit_code $reason"
  done
}

job_finished() { # job: every record in a final state
  local records
  records=$(job_records "$1") || return 1
  [[ -n $records ]] && ! grep -qvE '^[^ ]+ (COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY|PREEMPTED|BOOT_FAIL|DEADLINE) ' <<<"$records"
}

# Finished, or pending on a dependency that can never be met (without
# --kill-on-invalid-dep Slurm leaves such a job pending forever).
job_finished_or_stuck() {
  job_finished "$1" || [[ $(job_records "$1") =~ \ PENDING\ .*\ DependencyNeverSatisfied$ ]]
}

wait_for_job() { # job [check]
  local job=$1 check=${2:-job_finished}
  wait_until "$JOB_TIMEOUT_S" "$check" "$job" || {
    show_tail "$work/slurm/log/slurmctld.log"
    fail "job $job not finished after ${JOB_TIMEOUT_S}s: $(job_records "$job" | tr '\n' ';')"
  }
}

submit_batch() { # out bin: submits through submit.sh, sets array_job and merge_job
  local out=$1 chipsim=$2 printed
  printed=$(cd "$work" && CHIPSIM_BIN=$chipsim CHIPSIM_CONFIG="" CHIPSIM_REPS=$REPS \
    CHIPSIM_SHARDS=$SHARDS CHIPSIM_SEED=$SEED CHIPSIM_OUT=$out bash "$here/submit.sh") ||
    fail "submit.sh failed"
  local line
  while IFS= read -r line; do
    log "  submit.sh | $line"
  done <<<"$printed"
  array_job=$(sed -n 's/^array job: //p' <<<"$printed")
  merge_job=$(sed -n 's/^merge job: //p' <<<"$printed")
  [[ $array_job =~ ^[0-9]+$ && $merge_job =~ ^[0-9]+$ ]] ||
    fail "submit.sh did not print both job ids"
  jobs_submitted+=("$array_job" "$merge_job")
}

file_names() { (cd "$1" && echo *); }

# Every file of the local unsharded run is in DIR and every CSV is byte-identical; the
# manifests agree outside `execution`, which names the merged shard folders.
check_equals_local() { # dir
  local dir=$1 file compared=()
  [[ -d $dir ]] || fail "$dir was not written"
  [[ $(file_names "$dir") == "$(file_names "$work/local")" ]] ||
    fail "$dir holds $(file_names "$dir"); the local run wrote $(file_names "$work/local")"
  for file in "$work/local"/*.csv; do
    cmp "$file" "$dir/${file##*/}" || fail "${file##*/} differs between $dir and the local run"
    compared+=("${file##*/}")
  done
  cmp <(jq -S 'del(.execution)' "$work/local/manifest.json") \
    <(jq -S 'del(.execution)' "$dir/manifest.json") ||
    fail "manifest.json outside execution differs between $dir and the local run"
  [[ $(jq -r '"\(.status) \(.replications.completed) \(.execution.merged_from | length)"' \
    "$dir/manifest.json") == "complete $REPS $SHARDS" ]] ||
    fail "$dir/manifest.json is not a complete merge of $SHARDS shards"
  log "$dir: ${compared[*]} byte-identical to the local run; manifests equal outside execution"
}

# ---------------------------------------------------------------- the run

[[ $EUID -eq 0 ]] || fail "run as root: it installs packages with apt-get and starts slurmd"
work=$(mktemp -d /tmp/chipsim-slurm-ci.XXXXXX)
chmod 0755 "$work"
log "temporary folder $work"

phase "packages"
require_packages
phase "chipsim binary"
chipsim_binary
phase "starting munged, slurmctld, slurmd"
start_munged
write_slurm_conf
start_slurm

phase "sharded batch: $SHARDS shards × $REPS replications, seed $SEED"
submit_batch "$work/batch" "$bin"
wait_for_job "$array_job"
wait_for_job "$merge_job"
records=$(job_records "$array_job"; job_records "$merge_job")
if grep -qv ' COMPLETED 0:0 ' <<<"$records"; then
  show_tail "$work/batch/logs/"*.log
  fail "a job of the batch did not complete: $(tr '\n' ';' <<<"$records")"
fi
log "array job $array_job: $SHARDS tasks COMPLETED; merge job $merge_job COMPLETED"

phase "local unsharded run"
"$bin" run --reps "$REPS" --seed "$SEED" --out "$work/local" --quiet
check_equals_local "$work/batch/merged"

phase "failure case: shard 1 fails"
# Stands in for a shard that crashes: fails on shard 1/N, runs every other command.
failing_bin=$work/chipsim-failing-shard-1
cat >"$failing_bin" <<EOF
#!/usr/bin/env bash
for arg; do
  if [[ \$arg == 1/$SHARDS ]]; then
    echo "simulated crash of shard \$arg" >&2
    exit 1
  fi
done
exec $(printf %q "$bin") "\$@"
EOF
chmod +x "$failing_bin"
submit_batch "$work/failed" "$failing_bin"
wait_for_job "$array_job"
wait_for_job "$merge_job" job_finished_or_stuck
array_records=$(job_records "$array_job")
expected=$(for ((i = 0; i < SHARDS; i++)); do
  if ((i == 1)); then echo "1 FAILED 1:0"; else echo "$i COMPLETED 0:0"; fi
done)
[[ $(cut -d' ' -f1-3 <<<"$array_records" | sort -n) == "$expected" ]] ||
  fail "array tasks should be shard 1 FAILED, the rest COMPLETED; got: $(tr '\n' ';' <<<"$array_records")"
read -r _ merge_state _ merge_reason <<<"$(job_records "$merge_job")"
[[ ! -e $work/failed/merged ]] || fail "a merged folder appeared although shard 1 failed"
[[ ! -e $work/failed/logs/merge.log ]] || fail "the merge job ran although shard 1 failed"
case $merge_state in
  CANCELLED) merge_fate="cancelled by Slurm ($merge_reason)" ;;
  PENDING)
    scancel "$merge_job"
    merge_fate="stuck pending ($merge_reason); cancelled it"
    ;;
  *) fail "merge job $merge_job is $merge_state ($merge_reason); it should never have run" ;;
esac
log "batch incomplete: shard 1/$SHARDS of array job $array_job FAILED (exit 1:0);" \
  "merge job $merge_job never ran, $merge_fate; no merged folder"

phase "recovery: rerun shard 1, then merge"
rerun_job=$(cd "$work" && CHIPSIM_BIN=$bin CHIPSIM_REPS=$REPS CHIPSIM_SHARDS=$SHARDS \
  CHIPSIM_SEED=$SEED CHIPSIM_OUT=$work/failed \
  sbatch --parsable --array=1 --output="$work/failed/logs/shard-%a.log" "$here/chipsim-array.sbatch")
jobs_submitted+=("${rerun_job%%;*}")
merge_job=$(cd "$work" && CHIPSIM_BIN=$bin CHIPSIM_OUT=$work/failed \
  sbatch --parsable --dependency="afterok:${rerun_job%%;*}" --kill-on-invalid-dep=yes \
  --output="$work/failed/logs/merge.log" "$here/chipsim-merge.sbatch")
jobs_submitted+=("${merge_job%%;*}")
wait_for_job "${rerun_job%%;*}"
wait_for_job "${merge_job%%;*}"
records=$(job_records "${rerun_job%%;*}"; job_records "${merge_job%%;*}")
if grep -qv ' COMPLETED 0:0 ' <<<"$records"; then
  show_tail "$work/failed/logs/"*.log
  fail "rerun or merge did not complete: $(tr '\n' ';' <<<"$records")"
fi
check_equals_local "$work/failed/merged"
