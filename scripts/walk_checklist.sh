#!/bin/bash
# Walk the go-live checklist on the demo store in tmux (120x40) with the keys the screens show, as a
# consultant would: time each step and capture each screen to OUT. usage: scripts/walk_checklist.sh REPO OUT
REPO=$1; OUT=$2; mkdir -p $OUT; S=walk
t0=$(date +%s.%N)
stamp() { printf '%6.1f s  %s\n' "$(echo "$(date +%s.%N) - $t0" | bc)" "$1" | tee -a $OUT/times.txt; }
cap() { tmux capture-pane -p -t $S > $OUT/$1.txt; }
wait_for() { for i in $(seq 1 ${3:-600}); do tmux capture-pane -p -t $S | grep -q "$1" && return 0; sleep 0.1; done; echo "TIMEOUT waiting for $1" | tee -a $OUT/times.txt; return 1; }
keys() { for k in "$@"; do tmux send-keys -t $S "$k"; sleep ${PACE:-0.3}; done; }
: > $OUT/times.txt
tmux kill-session -t $S 2>/dev/null
rm -rf /tmp/walk-home
tmux new -d -s $S -x 120 -y 40 "cd $REPO && CIN7_SHOPIFY_HOME=/tmp/walk-home make demo"
stamp "make demo started"
wait_for "Go-live checklist" 100 9000 && stamp "home painted"; wait_for "Orders since go-live" 100 && wait_for "Read with" 200; stamp "home: both sides counted"; cap 01-home
keys m; wait_for "mapping blocker" 300; stamp "m: mapping shown"; cap 02-mapping
PACE=0.8 keys j j f j Enter Enter j Enter Enter j Enter Down Down Down Enter Tab j Enter Down Enter j Enter Down Enter
sleep 0.5; stamp "mapping: 5 rows chosen (f, Enter and the picker)"; cap 03-mapping-chosen; keys C-s; wait_for "saved: the sync uses" 50; stamp "mapping saved (ctrl+s)"; cap 04-mapping-saved
keys Escape; wait_for "4. Mapping approved" 50; sleep 0.5; stamp "back home: step 4"; cap 05-home-mapped
keys a; wait_for "shown ·" 300; stamp "a: SKU review shown"; cap 06-sku-review
keys Escape; sleep 0.5; keys p; wait_for "No pilot yet" 100; stamp "p: pilot screen"; cap 07-pilot
keys n; wait_for "of 4 passed" 600; stamp "n: 4 test orders placed and traced"; cap 08-pilot-placed
keys Escape; wait_for "Pilot passed" 50; sleep 1; stamp "back home"; cap 09-home-pilot-passed
keys p i; wait_for "passed every step ·" 600; stamp "i: store orders traced"; cap 10-pilot-store
keys Escape; sleep 1; cap 11-home-after-trace
keys q; sleep 1; tmux kill-session -t $S 2>/dev/null
stamp "done"
