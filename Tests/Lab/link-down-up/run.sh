#!/usr/bin/env bash
# Lab scenario: a link goes down with `ip link` and comes back; every FIB
# follows the reference. Run by Tests/Lab/run-all.sh (root); removes its lab on any exit.
source "$(dirname "$0")/../lib.sh"
index=$(expected link.index)
a=$(expected link.a)
poll fibs
ip -n "damc-$a" link set "dl${index}a" down
poll fibs fibs_after_failure
ip -n "damc-$a" link set "dl${index}a" up
poll fibs
echo "link-down-up: FIBs followed links[$index] down (after-failure reference) and up (back to the first)"
