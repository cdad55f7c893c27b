#!/bin/bash
# Runs every fuzzer of a build configured with -DSAMSA_FUZZ=ON for a while (make fuzz,
# make fuzz-quick):
#
#   fuzz/run_fuzzers.sh BUILD_DIR SECONDS_PER_TARGET [PARALLEL_JOBS, default 2]
#
# FUZZ_TARGETS="record_batch_fuzzer ..." runs only those targets (default: every one).
#
# Each target fuzzes for SECONDS_PER_TARGET with a working corpus in
# BUILD_DIR/fuzz-corpus/<target>, which keeps what earlier runs found, seeded from the
# committed fuzz/corpus/<target> and fuzz/regressions/<target> (read, never written). Per
# target one line:
#
#   fuzz <target>: <N> executions in <S> s, <C> corpus entries, clean
#
# or the failure (crash, assertion, sanitizer report, leak, out-of-memory, timeout) with
# its report. The input that failed is kept in BUILD_DIR/fuzz-crashes/, each target's whole
# log in BUILD_DIR/fuzz-logs/<target>.log, and BUILD_DIR/fuzz-executions.tsv keeps a
# running tally per target over every run. Exits 1 when any target failed.
set -u

if [ $# -lt 2 ]; then
    echo "usage: $0 BUILD_DIR SECONDS_PER_TARGET [PARALLEL_JOBS]" >&2
    exit 2
fi
build_dir=$(cd "$1" && pwd) || exit 2
seconds=$2
jobs=${3:-2}
repo=$(cd "$(dirname "$0")/.." && pwd)
# UBSan's reports name the line only, unless asked for the stack.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}

# Target, its -max_len (requests are small; record batches and segments need room for
# several compressed batches) and its dictionary (fuzz/dictionaries/).
targets=(
    "request_fuzzer 16384 binary.dict"
    "record_batch_fuzzer 65536 binary.dict"
    "segment_recovery_fuzzer 65536 binary.dict"
    "properties_fuzzer 4096 properties.dict"
)

if [ -n "${FUZZ_TARGETS:-}" ]; then
    chosen=()
    for entry in "${targets[@]}"; do
        for name in $FUZZ_TARGETS; do
            [ "${entry%% *}" = "$name" ] && chosen+=("$entry")
        done
    done
    if [ ${#chosen[@]} -eq 0 ]; then
        echo "FUZZ_TARGETS names no target of: ${targets[*]%% *}" >&2
        exit 2
    fi
    targets=("${chosen[@]}")
fi

mkdir -p "$build_dir/fuzz-crashes" "$build_dir/fuzz-logs"
results_dir=$(mktemp -d)
trap 'rm -rf "$results_dir"' EXIT

# Runs one target; writes "<executions>\t<seconds>\t<corpus entries>\t<result>" to
# $results_dir/<target> and its summary line to $results_dir/<target>.summary.
run_target() {
    local target=$1 max_len=$2 dictionary=$repo/fuzz/dictionaries/$3
    local binary="$build_dir/fuzz/$target"
    local log="$build_dir/fuzz-logs/$target.log"
    local work="$build_dir/fuzz-corpus/$target"
    local seeds="$repo/fuzz/corpus/$target" regressions="$repo/fuzz/regressions/$target"
    if [ ! -x "$binary" ]; then
        printf '0\t0\t0\tmissing\n' >"$results_dir/$target"
        echo "fuzz $target: no binary $binary (configure with -DSAMSA_FUZZ=ON and build)" \
            >"$results_dir/$target.summary"
        return
    fi
    mkdir -p "$work" "$regressions"
    local start=$SECONDS
    "$binary" -max_total_time="$seconds" -max_len="$max_len" -dict="$dictionary" \
        -rss_limit_mb=2048 -malloc_limit_mb=512 -timeout=10 -print_final_stats=1 \
        -artifact_prefix="$build_dir/fuzz-crashes/$target-" \
        "$work" "$seeds" "$regressions" >"$log" 2>&1
    local status=$?
    local elapsed=$((SECONDS - start))
    local executions corpus
    executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    if [ -z "$executions" ]; then
        # No final stats after a failure: the last status line's count.
        executions=$(grep -o '^#[0-9]*' "$log" | tail -n 1 | tr -d '#')
    fi
    executions=${executions:-0}
    corpus=$(grep -o 'corp: [0-9]*' "$log" | tail -n 1 | grep -o '[0-9]*$')
    corpus=${corpus:-0}
    if [ "$status" -eq 0 ]; then
        printf '%s\t%s\t%s\tclean\n' "$executions" "$elapsed" "$corpus" >"$results_dir/$target"
        echo "fuzz $target: $executions executions in $elapsed s, $corpus corpus entries, clean" \
            >"$results_dir/$target.summary"
        return
    fi
    local kind artifact
    kind=$(grep -m 1 -oE 'ERROR: (libFuzzer|AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer): [a-zA-Z-]+|runtime error|assertion failed|deadly signal' "$log" | head -n 1)
    artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
    printf '%s\t%s\t%s\tfailed\n' "$executions" "$elapsed" "$corpus" >"$results_dir/$target"
    {
        echo "fuzz $target: FAILED (${kind:-exit status $status}) after $executions executions" \
            "in $elapsed s; input: ${artifact:-none written}; log: $log"
        # The report: from the first error line, at most 60 lines.
        # (SAMSA_ASSERT prints its message on the line before "assertion failed".)
        awk '/ERROR:|runtime error|==[0-9]+==/ && !shown { shown = NR }
             /assertion failed/ && !shown { shown = NR; print previous }
             shown && NR < shown + 60 { print }
             { previous = $0 }' "$log" | sed 's/^/    /'
    } >"$results_dir/$target.summary"
}

running=0
for entry in "${targets[@]}"; do
    # shellcheck disable=SC2086
    run_target $entry &
    running=$((running + 1))
    if [ "$running" -ge "$jobs" ]; then
        wait -n
        running=$((running - 1))
    fi
done
wait

tally="$build_dir/fuzz-executions.tsv"
[ -f "$tally" ] || printf 'target\truns\tseconds\texecutions\tlast_result\tlast_run\n' >"$tally"
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
failed=0
for entry in "${targets[@]}"; do
    target=${entry%% *}
    cat "$results_dir/$target.summary"
    IFS=$'\t' read -r executions elapsed _ result <"$results_dir/$target"
    [ "$result" = clean ] || failed=1
    awk -F'\t' -v OFS='\t' -v target="$target" -v executions="$executions" \
        -v elapsed="$elapsed" -v result="$result" -v now="$now" '
        NR == 1 { print; next }
        $1 == target { $2 += 1; $3 += elapsed; $4 += executions; $5 = result; $6 = now; found = 1 }
        { print }
        END { if (!found) print target, 1, elapsed, executions, result, now }
    ' "$tally" >"$tally.new" && mv "$tally.new" "$tally"
done
exit "$failed"
