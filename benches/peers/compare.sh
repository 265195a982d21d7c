#!/usr/bin/env bash
# Compares chipsim's M/M/c benchmark with the same model in SimPy: events/s, the
# estimated mean wait in queue (Wq) against Erlang C, and peak memory.
#
#   bash benches/peers/compare.sh
#
# Environment (all optional):
#   LAMBDA=9 MU=1 SERVERS=10     the queue
#   CUSTOMERS=1000000            customers simulated by chipsim
#   PEER_CUSTOMERS=200000        customers simulated by SimPy (it is much slower)
#   WARMUP=10000 SEED=1          customers left out of the statistics; random seed
#   CARGO_TARGET_DIR             where cargo builds (default: target/ in the repo)
#   CHIPSIM_BIN                  use this chipsim binary instead of building one
set -euo pipefail

LAMBDA="${LAMBDA:-9}"
MU="${MU:-1}"
SERVERS="${SERVERS:-10}"
CUSTOMERS="${CUSTOMERS:-1000000}"
PEER_CUSTOMERS="${PEER_CUSTOMERS:-200000}"
WARMUP="${WARMUP:-10000}"
SEED="${SEED:-1}"

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
VENV="$HERE/.venv"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

die() {
    echo "compare.sh: error: $*" >&2
    exit 1
}

# --- 1. chipsim, built in release mode -------------------------------------------
if [[ -n "${CHIPSIM_BIN:-}" ]]; then
    CHIPSIM="$CHIPSIM_BIN"
else
    echo "building chipsim (cargo build --release)..." >&2
    (cd "$ROOT" && cargo build --release --quiet)
    TARGET="${CARGO_TARGET_DIR:-target}"
    [[ "$TARGET" = /* ]] || TARGET="$ROOT/$TARGET"
    CHIPSIM="$TARGET/release/chipsim"
fi

# --- 2. a Python that can import simpy ---------------------------------------------
if python3 -c 'import simpy' 2>/dev/null; then
    PYTHON=python3
else
    if ! "$VENV/bin/python" -c 'import simpy' 2>/dev/null; then
        echo "installing simpy into $VENV..." >&2
        python3 -m venv "$VENV" || die "could not create a venv at $VENV (is python3-venv installed?)"
        "$VENV/bin/python" -m pip install --quiet simpy || die "could not install simpy with pip"
    fi
    PYTHON="$VENV/bin/python"
fi

# --- 3. run both, under /usr/bin/time -v for the peak RSS where it exists ------------
if [[ -x /usr/bin/time ]] && /usr/bin/time -v true 2>/dev/null; then
    HAVE_TIME=1
else
    HAVE_TIME=0
    echo "note: /usr/bin/time -v not available, peak RSS will not be reported" >&2
fi

# run NAME COMMAND...: stdout to $WORK/NAME.csv, stderr to $WORK/NAME.err,
# /usr/bin/time's report to $WORK/NAME.time; returns the command's exit status.
run() {
    local name="$1"
    shift
    if [[ "$HAVE_TIME" = 1 ]]; then
        TIME_V=(/usr/bin/time -v -o "$WORK/$name.time")
    else
        TIME_V=()
    fi
    "${TIME_V[@]}" "$@" >"$WORK/$name.csv" 2>"$WORK/$name.err"
}

HEADER="model,servers,lambda,mu,customers,events,seconds,events_per_sec,wq_mean,wq_ci95_half,wq_exact"

# csv_ok NAME: the run printed chipsim's header and one data row.
csv_ok() {
    [[ "$(sed -n 1p "$WORK/$1.csv")" = "$HEADER" && -n "$(sed -n 2p "$WORK/$1.csv")" ]]
}

COMMON=(--lambda "$LAMBDA" --mu "$MU" --servers "$SERVERS" --warmup "$WARMUP" --seed "$SEED")

CHIPSIM_OK=1
if [[ ! -x "$CHIPSIM" ]]; then
    echo "compare.sh: error: no chipsim binary at $CHIPSIM" >&2
    CHIPSIM_OK=0
else
    echo "running chipsim bench mmc with $CUSTOMERS customers..." >&2
    if ! run chipsim "$CHIPSIM" bench mmc "${COMMON[@]}" --customers "$CUSTOMERS"; then
        echo "compare.sh: error: '$CHIPSIM bench mmc' failed (does this chipsim have the" \
            "'bench mmc' subcommand yet?):" >&2
        sed 's/^/    /' "$WORK/chipsim.err" >&2
        CHIPSIM_OK=0
    elif ! csv_ok chipsim; then
        echo "compare.sh: error: '$CHIPSIM bench mmc' did not print the expected CSV" \
            "(header '$HEADER' and one row); it printed:" >&2
        sed 's/^/    /' "$WORK/chipsim.csv" >&2
        CHIPSIM_OK=0
    fi
fi

echo "running SimPy with $PEER_CUSTOMERS customers..." >&2
run simpy "$PYTHON" "$HERE/mmc_simpy.py" "${COMMON[@]}" --customers "$PEER_CUSTOMERS" ||
    { sed 's/^/    /' "$WORK/simpy.err" >&2; die "the SimPy model failed"; }
csv_ok simpy || die "the SimPy model did not print the expected CSV"

# --- 4. the table ----------------------------------------------------------------------
# field NAME COLUMN: the value of COLUMN in the CSV row of run NAME.
field() {
    awk -F, -v col="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == col) c = i }
                         NR == 2 { print $c }' "$WORK/$1.csv"
}

peak_rss_mb() {
    if [[ -f "$WORK/$1.time" ]]; then
        awk -F: '/Maximum resident set size/ { printf "%.1f", $2 / 1024 }' "$WORK/$1.time"
    else
        echo "n/a"
    fi
}

row() {
    printf '%-8s %10s %14s %10s %10s %10s %14s\n' "$@"
}

echo
echo "M/M/c with lambda=$LAMBDA mu=$MU servers=$SERVERS, warm-up $WARMUP customers, seed $SEED"
row tool customers events/s Wq "+/-95%" "Wq exact" "peak RSS MB"
TOOLS=(simpy)
[[ "$CHIPSIM_OK" = 1 ]] && TOOLS=(chipsim simpy)
for tool in "${TOOLS[@]}"; do
    row "$tool" "$(field "$tool" customers)" "$(field "$tool" events_per_sec)" \
        "$(field "$tool" wq_mean)" "$(field "$tool" wq_ci95_half)" \
        "$(field "$tool" wq_exact)" "$(peak_rss_mb "$tool")"
done
echo
echo "Events are counted alike: one arrival and one departure per customer. SimPy runs"
echo "fewer customers (PEER_CUSTOMERS) because it is slow; events/s is a rate, so the"
echo "comparison is still fair. Peak RSS of SimPy includes the Python interpreter."

if [[ "$CHIPSIM_OK" != 1 ]]; then
    die "chipsim did not run, so there is no ratio (see the error above)"
fi
awk -v a="$(field chipsim events_per_sec)" -v b="$(field simpy events_per_sec)" \
    'BEGIN { printf "chipsim events/s / SimPy events/s = %.1fx (on this host: the ratio moves with the CPU and the Python build)\n", a / b }'
