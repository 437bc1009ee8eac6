# Copyright 2026 jgr_ros contributors. MIT License.
"""
Synthetic depth images of hands with exact ground truth (NumPy and OpenCV only, no ROS).

A kinematic sphere-mesh hand (21 mano21 joints, anatomical limits, per-hand shape, forearm)
is posed as a gesture or a natural random pose, seen from any direction (or egocentrically),
placed in front of a camera with optional held objects, body, wall, table and objects on it,
distractors and hard negatives, ray cast exactly, and passed through a depth-sensor model.

    generator = SyntheticHandGenerator(get_camera_preset('realsense_d435_848x480'))
    frame = generator.frame(seed=7)   # SyntheticFrame: depth_mm, camera, joints_mm, ...
"""

from jgr_ros.synthetic.cameras import CAMERA_PRESETS, get_camera_preset
from jgr_ros.synthetic.generator import SyntheticFrame, SyntheticHandGenerator
from jgr_ros.synthetic.motion import (
    HandMotion,
    motion_frames,
    MotionConfig,
    MotionVideo,
)
from jgr_ros.synthetic.objects import NEGATIVES
from jgr_ros.synthetic.poses import GESTURES
from jgr_ros.synthetic.scene import SyntheticConfig
from jgr_ros.synthetic.sensor import SensorConfig

__all__ = ['CAMERA_PRESETS', 'GESTURES', 'HandMotion', 'MotionConfig', 'MotionVideo',
           'NEGATIVES', 'SensorConfig', 'SyntheticConfig', 'SyntheticFrame',
           'SyntheticHandGenerator', 'get_camera_preset', 'motion_frames']
