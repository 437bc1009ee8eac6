# Copyright 2026 jgr_ros contributors. MIT License.
"""
The wrist frame of a hand skeleton, for teleoperation (e.g. MoveIt Servo, dex-retargeting).

Origin at the wrist; x from the wrist towards the middle-finger root; z the palm normal,
pointing out of the palm (for a right hand, (index_mcp - wrist) x (pinky_mcp - wrist) points
out of the palm; a left hand flips it); y = z x x completes a right-handed frame.
"""
from jgr_ros.skeletons import Skeleton
import numpy as np


def wrist_frame(joints: np.ndarray, skeleton: Skeleton,
                right_hand: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """
    Return (position (3,), rotation (3, 3)) of the wrist frame; columns of R are x, y, z.

    Needs a layout with wrist, index_mcp, middle_mcp and pinky_mcp joints (mano21, msra21).
    Raises ValueError for degenerate (collinear) palms.
    """
    wrist, index, middle, pinky = (
        joints[skeleton.index(name)] for name in ('wrist', 'index_mcp', 'middle_mcp', 'pinky_mcp'))
    x_axis = middle - wrist
    z_axis = np.cross(index - wrist, pinky - wrist) * (1.0 if right_hand else -1.0)
    y_axis = np.cross(z_axis, x_axis)
    norms = np.linalg.norm([x_axis, y_axis], axis=1)
    if not np.all(norms > 1e-9):
        raise ValueError('degenerate palm: wrist and finger roots are collinear')
    x_axis, y_axis = x_axis / norms[0], y_axis / norms[1]
    rotation = np.stack([x_axis, y_axis, np.cross(x_axis, y_axis)], axis=1)
    return wrist.copy(), rotation
