#!/usr/bin/env bash
# Figures of an idle TUI + engine on an environment of 100 deployments on the test cluster:
# apiserver requests over a window (from the apiserver's audit log: start the cluster with
# KTC_AUDIT=1), open watches, TUI CPU ticks and RSS. Bounded: WINDOW seconds (default 300).
#
#   KTC_AUDIT=1 ../shared/tools/kube-test-cluster/up   (then export what it prints)
#   ZOPDECK_FIGURES_DIR=/tmp/zd-fig cargo bench --bench k8s_figures   # leaves 100 deployments
#   benches/k8s_idle.sh /tmp/zd-fig
set -euo pipefail
DIR=${1:?usage: k8s_idle.sh DATA_DIR (left by the k8s_figures bench)}
WINDOW=${WINDOW:-300}
AUDIT=${AUDIT:-$(dirname "$KUBECONFIG")/logs/audit.log}
[ -f "$AUDIT" ] || { echo "no audit log at $AUDIT: start the cluster with KTC_AUDIT=1" >&2; exit 1; }
cd "$(dirname "$0")/.."
cargo build --release -q
BIN=$(pwd)/target/release/zopdeck
tmux kill-session -t zidle 2>/dev/null || true
launch_line=$(wc -l < "$AUDIT")
tmux new-session -d -s zidle -x 200 -y 60 "KUBECONFIG=$KUBECONFIG $BIN --data-dir $DIR"
sleep 5
# Switch to the environment of the 100 deployments (the switcher lists environments by name).
tmux send-keys -t zidle e; sleep 1
tmux send-keys -t zidle figures; sleep 0.5
tmux send-keys -t zidle Enter
sleep 15
tmux capture-pane -p -t zidle > /tmp/zidle-screen.txt
PID=$(pgrep -x zopdeck | head -n1)
ticks() { awk '{print $14 + $15}' "/proc/$PID/stat"; }
start_line=$(wc -l < "$AUDIT")
t0=$(ticks)
sleep "$WINDOW"
t1=$(ticks)
rss=$(awk '/VmRSS/ {print $2 " " $3}' "/proc/$PID/status")
tail -n +"$((start_line + 1))" "$AUDIT" | python3 -c '
import json, sys, collections
verbs = collections.Counter(); watches = 0
for line in sys.stdin:
    try: e = json.loads(line)
    except ValueError: continue
    if not e.get("userAgent", "").startswith("zopdeck/"): continue
    if e.get("verb") == "watch":
        if e.get("stage") == "RequestReceived": watches += 1
        continue
    if e.get("stage") != "ResponseComplete": continue
    verbs[e["verb"]] += 1
print("apiserver requests by zopdeck in the window (not watches):", sum(verbs.values()), dict(verbs))
print("watches (re)started in the window:", watches)
'''
tail -n +"$((launch_line + 1))" "$AUDIT" | python3 -c '
import json, sys
open_ = {}
for line in sys.stdin:
    try: e = json.loads(line)
    except ValueError: continue
    if e.get("verb") != "watch" or not e.get("userAgent", "").startswith("zopdeck/"): continue
    # This apiserver logs the ResponseStarted of a watch only as it ends: open = received, not complete.
    if e.get("stage") == "RequestReceived": open_[e["auditID"]] = e["requestURI"].split("?")[0]
    elif e.get("stage") == "ResponseComplete": open_.pop(e["auditID"], None)
print("watches open at the end (since the TUI started):", len(open_), sorted(set(open_.values())))
'
echo "TUI + engine CPU in ${WINDOW} s: $((t1 - t0)) ticks ($(( (t1 - t0) * 100 / (WINDOW * 100) )).$(( (t1 - t0) * 1000 / (WINDOW * 100) % 10 ))% of a core at 100 ticks/s); RSS $rss"
echo "cards on screen: $(grep -o 'active' /tmp/zidle-screen.txt | wc -l) active ($(head -n1 /tmp/zidle-screen.txt | cut -c1-60))"
tmux send-keys -t zidle q
sleep 1
tmux kill-session -t zidle 2>/dev/null || true
