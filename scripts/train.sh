#!/usr/bin/env bash
# Sets up (scripts/setup.sh, building only the `ledgfn` program: the tests
# are scripts/test.sh's), then runs embedded training. Any flag is passed
# to `ledgfn train`; without flags this is the default run: task bag,
# objective led-subtb, output in runs/default/ (metrics.csv, summary.txt,
# metrics.png).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh ledgfn
exec build/launcher/ledgfn train --output_dir=runs/default "$@"
