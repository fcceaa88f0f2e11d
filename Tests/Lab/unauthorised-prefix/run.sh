#!/usr/bin/env bash
# Lab scenario: a prefix that the SPA does not grant is refused. sg2 claims
# /admin beside /C; policy.json grants it nothing for /admin. Run by
# Tests/Lab/run-all.sh (root); removes its lab on any exit.
source "$(dirname "$0")/../lib.sh"
poll pods pods
poll fibs
poll call granted-call
poll call refused-call
echo "unauthorised-prefix: /admin denied by the SPA, in no FIB, a call to it refused with no-route; /C granted and reached"
