#!/usr/bin/env bash
# Set up jgr_ros on a machine with no ROS install: a virtual environment at .venv/ with ROS 2
# (from the ros-* Python wheels), PyTorch CPU, OpenCV and the test tools, then `colcon build`
# of jgr_msgs and jgr_ros into install/, and, where ../shared/ros2-launch is present, the
# upstream launch stack (ros2 launch, launch_testing, ros2 param / lifecycle: no wheels exist)
# into build/ros2-launch/install for the launch tests. Idempotent: a second run only checks
# and rebuilds.
#
# Needs CPython 3.11 or 3.12 (the versions the ros-* wheels are published for); set PYTHON
# to choose the interpreter. No root needed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
ROOT=$PWD
VENV=$ROOT/.venv
REQUIREMENTS=$ROOT/tools/requirements.txt

find_python() {
  local candidate
  for candidate in "${PYTHON:-}" python3.12 python3.11 python3; do
    [ -n "$candidate" ] || continue
    command -v "$candidate" >/dev/null 2>&1 || continue
    if "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] not in ((3, 11), (3, 12)))' \
        2>/dev/null; then
      echo "$candidate"
      return 0
    fi
  done
  echo "setup.sh: need CPython 3.11 or 3.12 (the ros-* wheels exist only for those); set PYTHON=..." >&2
  return 1
}

if [ ! -x "$VENV/bin/python" ]; then
  PY=$(find_python)
  echo "setup.sh: creating $VENV with $("$PY" --version)"
  "$PY" -m venv "$VENV"
fi

# Install the pinned requirements when they changed since the last successful install.
stamp=$VENV/.requirements.sha256
want=$(sha256sum "$REQUIREMENTS" | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "setup.sh: installing pinned requirements (ROS 2 wheels, PyTorch CPU, OpenCV, test tools)"
  pip_install() { "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "$@"; }
  # PyTorch must be the CPU build (torch==X+cpu): plain PyPI only has the CUDA build (gigabytes
  # of libraries). Take it from pip's configured indexes if one has it (a local wheel), else
  # from PyTorch's CPU index.
  torch_pin=$(grep -E '^torch==' "$REQUIREMENTS")
  pip_install "$torch_pin" 2>/dev/null \
    || pip_install --extra-index-url "${JGR_TORCH_INDEX:-https://download.pytorch.org/whl/cpu}" \
      "$torch_pin"
  pip_install -r "$REQUIREMENTS"
  pip_install --no-deps --no-build-isolation -e "$ROOT/jgr_ros"
  echo "$want" > "$stamp"
fi

# The wheels' CMake exports name the build machine's include paths; point them at ours.
"$VENV/bin/python" "$ROOT/tools/fix_ros_cmake_paths.py"

# colcon build of both packages (install space at ./install), with the venv as the ROS prefix.
export PATH=$VENV/bin:$PATH
export CMAKE_PREFIX_PATH=$VENV${CMAKE_PREFIX_PATH:+:$CMAKE_PREFIX_PATH}
export AMENT_PREFIX_PATH=$VENV${AMENT_PREFIX_PATH:+:$AMENT_PREFIX_PATH}
export Python3_EXECUTABLE=$VENV/bin/python
colcon --log-base "$ROOT/log" build --base-paths "$ROOT/jgr_msgs" "$ROOT/jgr_ros" \
  --build-base "$ROOT/build" --install-base "$ROOT/install" --symlink-install \
  --event-handlers console_direct- console_cohesion- summary+ status- \
  --cmake-args -DPython3_EXECUTABLE="$VENV/bin/python" -DBUILD_TESTING=OFF

# The upstream launch stack, rebuilt only when its sources or the venv changed (~1 min).
LAUNCH_STACK=$ROOT/../shared/ros2-launch
LAUNCH_INSTALL=$ROOT/build/ros2-launch/install
if [ -x "$LAUNCH_STACK/build.sh" ]; then
  launch_stamp=$ROOT/build/ros2-launch/sources.sha256
  launch_want=$( (cd "$LAUNCH_STACK" && find . -type f -printf '%p %s %T@\n' | sort; \
    echo "$VENV") | sha256sum | cut -d' ' -f1)
  if [ "$(cat "$launch_stamp" 2>/dev/null)" != "$launch_want" ] \
      || [ ! -f "$LAUNCH_INSTALL/local_setup.bash" ]; then
    echo "setup.sh: building the ROS 2 launch stack from $LAUNCH_STACK"
    "$LAUNCH_STACK/build.sh" "$VENV" "$LAUNCH_INSTALL"
    echo "$launch_want" > "$launch_stamp"
  fi
fi
