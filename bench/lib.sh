# Shell functions the desktop benchmarks share (bench/startup, bench/side-by-side, bench/memory):
# a process tree, its memory by kind, min and median, MiB, a ratio, stopping a tree, one idle
# launch, and the blank window's two launches. Sourced, not run.

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

# A / B to two decimals (the benchmarks' ratios against the blank window).
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

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

# Launches COMMAND... once (run RUN of NAME, in a fresh data dir under DIR), waits for its ready
# file, idles IDLE seconds, prints "cold_ms total_kib" on stdout and a line about it on stderr, and
# stops it. COMMAND may start with `env` (it execs, keeping the pid). Exits if it never gets ready.
launch_idle() {
    local name=$1 run=$2 dir=$3/$1$2 idle=$4 start pid deadline ready cold app web net total count source
    shift 4
    mkdir -p "$dir/data"
    start=$(date +%s%N)
    PAYDESK_DATA_DIR="$dir/data" PAYDESK_READY_FILE="$dir/ready" PAYDESK_KEYRING_SERVICE="dev.paydesk.idle.$$.$name.$run" \
        "$@" >"$dir/app.log" 2>&1 &
    pid=$!
    deadline=$((SECONDS + 30))
    until [[ -s "$dir/ready" ]]; do
        if ! kill -0 "$pid" 2>/dev/null || ((SECONDS >= deadline)); then
            echo "$name run $run did not get ready within 30 s; its log:" >&2
            cat "$dir/app.log" >&2
            stop_tree "$pid"
            exit 1
        fi
        sleep 0.005
    done
    ready=$(head -n1 "$dir/ready")
    cold=$((ready - start / 1000000))
    sleep "$idle"
    read -r app web net total count source < <(memory "$pid")
    echo "$cold $total"
    printf '%-13s run %2d: ready after %4d ms; idle %s MiB (%s: app %s, web %s, network %s; %d processes)\n' \
        "$name" "$run" "$cold" "$(mib "$total")" "$source" "$(mib "$app")" "$(mib "$web")" "$(mib "$net")" "$count" >&2
    stop_tree "$pid"
}

# The blank window launched two ways, each line "NAME COMMAND...": as Tauri leaves it (WebKit's
# compositing on unless the caller set the variable), and with the compositing Paydesk chooses for
# itself (src-tauri/lib.rs: off where there is no GPU render node). Without a GPU the first draws
# through Mesa's software GL and holds 30-90 MiB more, so the second is the fair reference; both
# are printed.
blank_variants() {
    local blank=$1
    echo "blank-default env -u WEBKIT_DISABLE_COMPOSITING_MODE $blank"
    if [[ -n "${WEBKIT_DISABLE_COMPOSITING_MODE+set}" ]]; then
        echo "blank-same env WEBKIT_DISABLE_COMPOSITING_MODE=$WEBKIT_DISABLE_COMPOSITING_MODE $blank"
    elif compgen -G '/dev/dri/renderD*' >/dev/null; then
        echo "blank-same env -u WEBKIT_DISABLE_COMPOSITING_MODE $blank"
    else
        echo "blank-same env WEBKIT_DISABLE_COMPOSITING_MODE=1 $blank"
    fi
}
