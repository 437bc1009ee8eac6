#!/usr/bin/env bash
# Set up everything (idempotent, see setup.sh) and run the main job on the built-in default:
# the synthetic depth camera and the hand-pose node, as real ROS 2 nodes, with the shipped model.
# Extra arguments go to the demo (python -m jgr_ros.ros.demo --help).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
./setup.sh
# shellcheck disable=SC1091
source tools/env.sh
exec python -m jgr_ros.ros.demo "$@"
