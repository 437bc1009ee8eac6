# Copyright 2026 jgr_ros contributors. MIT License.
"""
Gestures to velocity commands: the logic of ``gesture_teleop_node``, free of ROS.

Per hand message (the first hand of a frame):

- ``fist``: translate proportionally to the wrist's displacement since the fist closed
  (``gain_per_s`` metres per second per metre), a joystick whose centre is where the fist
  closed; opening the hand ends the stroke, the next fist starts a new one;
- ``point``: move at ``point_speed_m_s`` along the index finger (root to tip);
- ``open_palm``, any other gesture and ``none``: stop (zero velocity).

Velocities are in the hand message's frame (the depth camera's optical frame: x right, y down,
z forward), limited to ``max_speed_m_s``; displacements within ``deadband_m`` of the fist's
start count as none. Deadman: when no hand has been seen for ``timeout_s`` the command is one
zero velocity, then nothing until a hand comes back.
"""
from dataclasses import dataclass
import math

from jgr_ros.errors import InputError
import numpy as np

STOP_GESTURE, MOVE_GESTURE, POINT_GESTURE = 'open_palm', 'fist', 'point'


@dataclass(frozen=True)
class TeleopConfig:
    """Gains, limits and the deadman's timeout."""

    gain_per_s: float = 2.0        # velocity per wrist displacement of a fist, (m/s) / m
    point_speed_m_s: float = 0.1   # speed along a pointing index finger
    max_speed_m_s: float = 0.25    # no command is faster
    deadband_m: float = 0.01       # fist displacements shorter than this command nothing
    timeout_s: float = 0.5         # no hand for this long: one zero command, then silence

    def __post_init__(self) -> None:
        """Reject settings that cannot work (InputError)."""
        for name in ('gain_per_s', 'point_speed_m_s', 'max_speed_m_s', 'deadband_m'):
            if not (math.isfinite(getattr(self, name)) and getattr(self, name) >= 0.0):
                raise InputError(f'teleop {name} must be >= 0, got {getattr(self, name)}')
        if not (math.isfinite(self.timeout_s) and self.timeout_s > 0.0):
            raise InputError(f'teleop timeout_s must be > 0, got {self.timeout_s}')


@dataclass(frozen=True)
class TeleopHand:
    """What the teleoperation needs of a hand (metres, one frame for all)."""

    gesture: str
    wrist_m: np.ndarray       # (3,)
    index_mcp_m: np.ndarray   # (3,)
    index_tip_m: np.ndarray   # (3,)


class GestureTeleop:
    """Turns a stream of hands (or their absence) into velocity commands (m/s, (3,))."""

    def __init__(self, config: TeleopConfig = TeleopConfig()):
        """Start idle: nothing commanded, no fist held."""
        self.config = config
        self._fist_start_m: np.ndarray | None = None
        self._last_hand_s: float | None = None   # None: idle (stopped, or never started)

    def on_hand(self, hand: TeleopHand, time_s: float) -> np.ndarray:
        """Return the velocity command for a frame showing ``hand``."""
        self._last_hand_s = time_s
        if hand.gesture == MOVE_GESTURE:
            return self._fist_velocity(hand.wrist_m)
        self._fist_start_m = None   # the hand opened: the next fist starts a new stroke
        if hand.gesture == POINT_GESTURE:
            direction = hand.index_tip_m - hand.index_mcp_m
            length_m = np.linalg.norm(direction)
            if length_m > 1e-6:
                return self._limited(self.config.point_speed_m_s * direction / length_m)
        return np.zeros(3)

    def on_tick(self, time_s: float) -> np.ndarray | None:
        """Return one zero command once no hand came for ``timeout_s``, else None (send none)."""
        if self._last_hand_s is None or time_s - self._last_hand_s < self.config.timeout_s:
            return None
        self._last_hand_s, self._fist_start_m = None, None
        return np.zeros(3)

    def _fist_velocity(self, wrist_m: np.ndarray) -> np.ndarray:
        if self._fist_start_m is None:
            self._fist_start_m = wrist_m.copy()
        displacement_m = wrist_m - self._fist_start_m
        if np.linalg.norm(displacement_m) < self.config.deadband_m:
            return np.zeros(3)
        return self._limited(self.config.gain_per_s * displacement_m)

    def _limited(self, velocity_m_s: np.ndarray) -> np.ndarray:
        speed = float(np.linalg.norm(velocity_m_s))
        if speed > self.config.max_speed_m_s:
            return velocity_m_s * (self.config.max_speed_m_s / speed)
        return velocity_m_s
