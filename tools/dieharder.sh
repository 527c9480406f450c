#!/bin/sh
# dieharder on fastinit's raw Philox4x32-10 stream (results table: docs/quality.rst).
#   tools/dieharder.sh [MODE ...] [-- DIEHARDER OPTIONS]
# MODE: seq (one stream), streams (adjacent streams interleaved word by word),
#       seeds (adjacent seeds interleaved).  Default: all three, full battery (-a),
#       which takes a long time; e.g. `tools/dieharder.sh seq -- -d 0` runs one test.
# Needs dieharder (Debian/Ubuntu: apt-get install dieharder) and fastinit installed.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
py=${PYTHON:-python}
modes=""
while [ $# -gt 0 ] && [ "$1" != "--" ]; do modes="$modes $1"; shift; done
[ $# -gt 0 ] && shift
[ -z "$modes" ] && modes="seq streams seeds"
[ $# -eq 0 ] && set -- -a
for m in $modes; do
    echo "=== fastinit raw stream: $m; dieharder -g 200 $*"
    "$py" "$here/fastinit_raw.py" "$m" | dieharder -g 200 "$@"
done
