#!/usr/bin/env bash
# Set up everything (idempotent, see setup.sh) and run the whole test suite with real ROS 2.
# Extra arguments go to pytest, e.g. ./test.sh -k crop
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
./setup.sh
# shellcheck disable=SC1091
source tools/env.sh
cd jgr_ros
exec python -m pytest -ra --durations=15 "$@"
