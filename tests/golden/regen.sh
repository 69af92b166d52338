#!/usr/bin/env bash
# Regenerates the expected outputs of tests/golden/TESTLIST (tests/golden/out)
# after a reviewed change of pktlens's output, from the committed captures;
# then read `git diff tests/golden/out` before committing it.
#   tests/golden/regen.sh [--captures]
# --captures first rewrites tests/golden/pcaps with mkcaptures.py (a change of
# the crafted frames); the captures of ../shared are referenced, never copied.
set -euo pipefail
cd "$(dirname "$0")/../.."
make -s all
if [ "${1:-}" = --captures ]; then
	/usr/bin/python3 tests/golden/mkcaptures.py tests/golden/pcaps
fi
python3 tests/golden/testlist.py --regen build/pktlens
git status --short tests/golden
