#!/usr/bin/env bash
# Lab scenario: a router killed with kill -9 is routed around; started
# again, every FIB is as before. Run by Tests/Lab/run-all.sh (root);
# removes its lab on any exit.
source "$(dirname "$0")/../lib.sh"
node=$(expected node)
poll fibs
for pid in $(ip netns pids "damc-$node"); do kill -KILL "$pid"; done
poll avoid "$node"
"$lab" start "$node"
poll fibs
echo "router-killed: $node killed with kill -9 was routed around, and every FIB is back once it restarted"
