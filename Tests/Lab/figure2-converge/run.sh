#!/usr/bin/env bash
# Lab scenario: Figure 2 converges in namespaces, and a call by name crosses it.
# Run by Tests/Lab/run-all.sh (root); removes its lab on any exit.
source "$(dirname "$0")/../lib.sh"
poll fibs
poll call
echo "figure2-converge: every FIB equals the reference; /D answered by sg3 through sr1"
