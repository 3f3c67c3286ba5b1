# Shell functions the desktop benchmarks share (bench/startup, bench/side-by-side): a process
# tree, its memory by kind, min and median, MiB, and stopping a tree. Sourced, not run.

# PID and its descendants (the app's WebKit processes are its children), one a line.
tree() {
    local pids=("$1") i=0
    while ((i < ${#pids[@]})); do
        mapfile -t -O "${#pids[@]}" pids < <(pgrep -P "${pids[i]}" || true)
        i=$((i + 1))
    done
    printf '%s\n' "${pids[@]}"
}

# Sums Pss (else RSS) in KiB of PID and its descendants, by kind: "app web network total count source".
memory() {
    local pids pid kib comm app=0 web=0 net=0 source=Pss
    mapfile -t pids < <(tree "$1")
    for pid in "${pids[@]}"; do
        if [[ -r /proc/$pid/smaps_rollup ]]; then
            kib=$(awk '/^Pss:/ { print $2; exit }' "/proc/$pid/smaps_rollup" 2>/dev/null || true)
        else
            source=RSS
            kib=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || true)
        fi
        comm=$(cat "/proc/$pid/comm" 2>/dev/null || true)
        case "$comm" in
            WebKitWebProces*) web=$((web + ${kib:-0})) ;;
            WebKitNetworkPr*) net=$((net + ${kib:-0})) ;;
            *) app=$((app + ${kib:-0})) ;;
        esac
    done
    echo "$app $web $net $((app + web + net)) ${#pids[@]} $source"
}

# min / median of the numbers on stdin.
min_median() {
    sort -n | awk '{ v[NR] = $1 } END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%d %d\n", v[1], m }'
}

mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

# Stops PID and every descendant, waiting (with a deadline) until all are gone.
stop_tree() {
    local pids pid deadline
    mapfile -t pids < <(tree "$1")
    kill "${pids[@]}" 2>/dev/null || true
    deadline=$((SECONDS + 10))
    for pid in "${pids[@]}"; do
        while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.05; done
    done
    kill -9 "${pids[@]}" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}
