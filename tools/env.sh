# Source this file (bash) to use the environment that setup.sh built: the venv, the colcon
# install space, and isolated ROS 2 discovery on this machine.
_jgr_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PATH=$_jgr_root/.venv/bin:$PATH
export VIRTUAL_ENV=$_jgr_root/.venv
export AMENT_PREFIX_PATH=$_jgr_root/.venv${AMENT_PREFIX_PATH:+:$AMENT_PREFIX_PATH}
export RMW_IMPLEMENTATION=${RMW_IMPLEMENTATION:-rmw_fastrtps_cpp}
export ROS_AUTOMATIC_DISCOVERY_RANGE=${ROS_AUTOMATIC_DISCOVERY_RANGE:-LOCALHOST}
# colcon's setup.bash reads unset variables (COLCON_TRACE): allow that while sourcing it.
_jgr_nounset=$(set -o | awk '$1 == "nounset" {print $2}')
set +u
# shellcheck disable=SC1091
source "$_jgr_root/install/setup.bash"
# The launch stack setup.sh built from ../shared/ros2-launch, where it did (ros2 launch, ...).
if [ -f "$_jgr_root/build/ros2-launch/install/local_setup.bash" ]; then
  # shellcheck disable=SC1091
  source "$_jgr_root/build/ros2-launch/install/local_setup.bash"
fi
[ "$_jgr_nounset" = on ] && set -u
# ament_python installs console scripts (jgr-train, jgr-eval, ...) under lib/<package>, where
# `ros2 run jgr_ros jgr-train` finds them; put them on PATH as plain commands too.
export PATH=$_jgr_root/install/jgr_ros/lib/jgr_ros:$PATH
unset _jgr_root _jgr_nounset
# PyTorch's OpenMP threads spin while waiting by default; on a shared few-core machine that
# collapses throughput (docs/performance.md). Passive waiting costs nothing measurable here.
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
