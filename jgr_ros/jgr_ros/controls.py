# Copyright 2026 jgr_ros contributors. MIT License.
"""
Continuous hand controls for grippers and teleoperation: pinch and grab.

- Pinch distance: thumb tip to index tip, metres.
- Pinch strength: 0 (thumb and index apart) .. 1 (touching), the pinch distance over the palm
  length (wrist to middle-finger root) mapped linearly between ``pinch_open_palms`` and
  ``pinch_closed_palms``, so large and small hands pinch alike.
- Grab strength: 0 (flat hand) .. 1 (fist), how far the four fingers curl: the angles between
  consecutive bones of each finger (metacarpal, proximal, middle, distal), summed per finger,
  averaged over the fingers and divided by ``fist_curl_rad``.

Leap Motion publishes the same two strengths; teleoperation prefers them to discrete labels for
a gripper's opening.
"""
from dataclasses import dataclass

from jgr_ros.errors import InputError
from jgr_ros.skeletons import Skeleton
import numpy as np

_FINGERS = ('index', 'middle', 'ring', 'pinky')
_FINGER_JOINTS = ('mcp', 'pip', 'dip', 'tip')


@dataclass(frozen=True)
class ControlsConfig:
    """Where the strengths reach 0 and 1."""

    pinch_closed_palms: float = 0.25   # pinch distance / palm length at strength 1
    pinch_open_palms: float = 0.9      # ... at strength 0
    fist_curl_rad: float = 4.5         # mean summed finger curl at grab strength 1 (fist: 4.8)

    def __post_init__(self) -> None:
        """Reject settings that cannot work (InputError)."""
        if not 0.0 <= self.pinch_closed_palms < self.pinch_open_palms:
            raise InputError('pinch_closed_palms must be >= 0 and below pinch_open_palms, got '
                             f'{self.pinch_closed_palms}, {self.pinch_open_palms}')
        if self.fist_curl_rad <= 0.0:
            raise InputError(f'fist_curl_rad must be > 0, got {self.fist_curl_rad}')


@dataclass(frozen=True)
class HandControls:
    """One hand's continuous controls."""

    pinch_distance_m: float
    pinch_strength: float   # 0 .. 1
    grab_strength: float    # 0 .. 1


def hand_controls(joints_m: np.ndarray, skeleton: Skeleton,
                  config: ControlsConfig = ControlsConfig()) -> HandControls:
    """Return the pinch and grab of one hand (J, 3) in metres (mano21 or msra21 layouts)."""
    joint = lambda name: joints_m[skeleton.index(name)]  # noqa: E731
    palm_m = max(float(np.linalg.norm(joint('middle_mcp') - joint('wrist'))), 1e-6)
    pinch_m = float(np.linalg.norm(joint('thumb_tip') - joint('index_tip')))
    pinch = (config.pinch_open_palms - pinch_m / palm_m) / (
        config.pinch_open_palms - config.pinch_closed_palms)
    return HandControls(pinch_m, _unit(pinch), _unit(finger_curl_rad(joints_m, skeleton)
                                                     / config.fist_curl_rad))


def finger_curl_rad(joints_m: np.ndarray, skeleton: Skeleton) -> float:
    """Return the mean over the four fingers of the summed angles between consecutive bones."""
    chains = np.stack([
        np.stack([joints_m[skeleton.index('wrist')]]
                 + [joints_m[skeleton.index(f'{finger}_{joint}')] for joint in _FINGER_JOINTS])
        for finger in _FINGERS])                                 # (4 fingers, 5 points, 3)
    bones = np.diff(chains, axis=1)                              # (4, 4 bones, 3)
    bones /= np.maximum(np.linalg.norm(bones, axis=2, keepdims=True), 1e-9)
    cosines = np.clip(np.sum(bones[:, 1:] * bones[:, :-1], axis=2), -1.0, 1.0)
    return float(np.arccos(cosines).sum(axis=1).mean())


def _unit(value: float) -> float:
    return float(min(max(value, 0.0), 1.0))
