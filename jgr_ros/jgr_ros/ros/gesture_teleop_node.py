# Copyright 2026 jgr_ros contributors. MIT License.
"""
Gesture teleoperation: ``hand_poses`` (jgr_msgs/HandPoseArray) in, ``cmd_vel`` (Twist) out.

An example consumer of hand_pose_node; the logic is :class:`jgr_ros.teleop.GestureTeleop`.
Open palm (or any gesture but fist and point) stops; a fist held and moved translates
proportionally to the wrist's displacement since the fist closed; pointing moves along the
index finger. Linear velocities are in the hand message's frame (the depth camera's optical
frame); angular ones are always zero. A frame with a hand gets one Twist; once no hand has
been seen for ``timeout_s`` (hand lost, or hand_poses stopped), one zero Twist is sent, then
nothing until a hand comes back.
"""
import sys

from geometry_msgs.msg import Twist, Vector3
from jgr_msgs.msg import HandPoseArray
from jgr_ros.errors import InputError
from jgr_ros.ros.conversions import joints_from_msg
from jgr_ros.ros.entry_point import run_node
from jgr_ros.ros.parameters import declare_parameters, ParameterSpec
from jgr_ros.teleop import GestureTeleop, TeleopConfig, TeleopHand
import numpy as np
from rcl_interfaces.msg import SetParametersResult
from rclpy.node import Node
from rclpy.parameter import Parameter

_DEFAULTS = TeleopConfig()
TELEOP_PARAMETERS = (
    ParameterSpec('gain_per_s', _DEFAULTS.gain_per_s, 'fist: velocity per metre of wrist '
                  'displacement since the fist closed, (m/s)/m', (0.0, 100.0)),
    ParameterSpec('point_speed_m_s', _DEFAULTS.point_speed_m_s, 'point: speed along the '
                  'index finger, m/s', (0.0, 10.0)),
    ParameterSpec('max_speed_m_s', _DEFAULTS.max_speed_m_s, 'no command is faster, m/s',
                  (0.0, 10.0)),
    ParameterSpec('deadband_m', _DEFAULTS.deadband_m, 'fist displacements shorter than this '
                  'command nothing, m', (0.0, 1.0)),
    ParameterSpec('timeout_s', _DEFAULTS.timeout_s, 'no hand for this long: one zero Twist, '
                  'then silence, s', (0.01, 60.0)),
)
# How often the deadman is checked, as a share of timeout_s.
_DEADMAN_CHECKS_PER_TIMEOUT = 10


class GestureTeleopNode(Node):
    """Publishes a Twist per hand frame and one zero Twist when the hand is gone."""

    def __init__(self, **kwargs):
        """Declare parameters, subscribe hand_poses, publish cmd_vel."""
        super().__init__('gesture_teleop_node', **kwargs)
        values = declare_parameters(self, TELEOP_PARAMETERS)
        try:
            self._teleop = GestureTeleop(_config(values))
        except InputError as error:
            self.destroy_node()
            raise InputError(f'gesture_teleop_node cannot start: {error}') from error
        self._cmd_pub = self.create_publisher(Twist, 'cmd_vel', 10)
        self.create_subscription(HandPoseArray, 'hand_poses', self._on_hands, 10)
        self.create_timer(values['timeout_s'] / _DEADMAN_CHECKS_PER_TIMEOUT, self._on_tick)
        self.add_on_set_parameters_callback(self._on_set_parameters)

    def _now_s(self) -> float:
        return self.get_clock().now().nanoseconds / 1e9

    def _on_hands(self, msg: HandPoseArray) -> None:
        if not msg.hands:
            return     # the deadman decides when an absent hand means stop
        hand = msg.hands[0]
        joints_m = joints_from_msg(hand)
        joints = dict(zip(hand.joint_names, joints_m))   # by name: any layout with these
        wrist = hand.wrist.position
        velocity = self._teleop.on_hand(TeleopHand(
            hand.gesture, np.array([wrist.x, wrist.y, wrist.z]), joints['index_mcp'],
            joints['index_tip']), self._now_s())
        self._publish(velocity)

    def _on_tick(self) -> None:
        velocity = self._teleop.on_tick(self._now_s())
        if velocity is not None:
            self._publish(velocity)

    def _publish(self, velocity_m_s: np.ndarray) -> None:
        x, y, z = (float(value) for value in velocity_m_s)
        self._cmd_pub.publish(Twist(linear=Vector3(x=x, y=y, z=z)))

    def _on_set_parameters(self, parameters: list[Parameter]) -> SetParametersResult:
        values = {spec.name: self.get_parameter(spec.name).value for spec in TELEOP_PARAMETERS}
        values.update({parameter.name: parameter.value for parameter in parameters})
        try:
            self._teleop.config = _config(values)
        except InputError as error:
            return SetParametersResult(successful=False, reason=str(error))
        return SetParametersResult(successful=True)


def _config(values: dict) -> TeleopConfig:
    return TeleopConfig(**{spec.name: values[spec.name] for spec in TELEOP_PARAMETERS})


def main(args: list[str] | None = None) -> int:
    """Run the node; return non-zero (message logged) when it cannot start."""
    return run_node(GestureTeleopNode, 'gesture_teleop_node', args)


if __name__ == '__main__':
    sys.exit(main())
