#!/usr/bin/env bash
# Lab scenario: the SCSC is killed while its policy steers calls; the
# policy expires on every node of its path, calls go on, and the FIB's
# route takes over (RFC 8735 §6). Run by Tests/Lab/run-all.sh (root);
# removes its lab on any exit.
source "$(dirname "$0")/../lib.sh"
poll fibs
poll call fib-call
ctl -n scsc policy install "$(expected policy.prefix)" "$(expected policy.path)" "$(expected policy.lifetime_s)"
poll policies steered
poll call steered-call
for pid in $(ip netns pids damc-scsc); do kill -KILL "$pid"; done
python3 "$repo/Tests/Lab/check.py" "$here/expected.json" call steered-call   # calls flow right after the kill
poll policies expired
poll call fib-call
echo "scsc-stopped: with the SCSC killed, calls went on; its policy expired everywhere and the FIB route took over"
