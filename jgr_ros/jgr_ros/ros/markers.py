# Copyright 2026 jgr_ros contributors. MIT License.
"""
RViz skeletons: a SPHERE_LIST of joints and a LINE_LIST of bones per hand.

Each track has its own namespace (``hand_<track_id>``) with two fixed marker ids
(:data:`JOINTS_ID`, :data:`BONES_ID`); point ``j`` of the joints marker is joint ``j`` of the
skeleton and points ``2b``, ``2b + 1`` of the bones marker are bone ``b``. A track that ends
gets DELETE markers, and every marker has a lifetime, so stale skeletons vanish even when the
node stops publishing.
"""
from dataclasses import dataclass
from typing import Iterable, Mapping

from geometry_msgs.msg import Vector3
from jgr_ros.drawing import FINGER_COLORS_RGB
from jgr_ros.ros.conversions import point_msg
from jgr_ros.skeletons import Skeleton
import numpy as np
from rclpy.duration import Duration
from std_msgs.msg import ColorRGBA, Header
from visualization_msgs.msg import Marker, MarkerArray

JOINTS_ID = 0
BONES_ID = 1
# One colour per track (cycled by id) when per-finger colours are off.
HAND_COLORS_RGB = ((0.2, 0.9, 1.0), (1.0, 0.8, 0.2), (0.9, 0.4, 0.9))


@dataclass(frozen=True)
class MarkerStyle:
    """How skeletons look in RViz: joint sphere diameter, lifetime (0 = forever), colours."""

    joint_diameter_m: float = 0.012
    lifetime_s: float = 0.5
    finger_colors: bool = True

    @property
    def bone_width_m(self) -> float:
        """Return the line width of bones: half the joint diameter."""
        return self.joint_diameter_m / 2.0


def namespace(track_id: int) -> str:
    """Return the marker namespace of a track."""
    return f'hand_{track_id}'


def skeleton_markers(hands_joints_m: Mapping[int, np.ndarray], skeleton: Skeleton,
                     header: Header, style: MarkerStyle,
                     ended_track_ids: Iterable[int] = ()) -> MarkerArray:
    """
    Markers for this frame's hands, plus DELETE for the markers of tracks that ended.

    ``hands_joints_m`` maps each hand's track id to its (J, 3) joints in metres, in
    ``header.frame_id``.
    """
    markers = []
    for track_id, joints_m in hands_joints_m.items():
        markers += _hand_markers(joints_m, skeleton, header, style, track_id)
    for track_id in ended_track_ids:
        markers += [_delete_marker(header, track_id, marker_id)
                    for marker_id in (JOINTS_ID, BONES_ID)]
    return MarkerArray(markers=markers)


def _hand_markers(joints_m: np.ndarray, skeleton: Skeleton, header: Header, style: MarkerStyle,
                  track_id: int) -> list[Marker]:
    joint_colors = _joint_colors(skeleton, style, track_id)
    joints = _add_marker(header, track_id, JOINTS_ID, Marker.SPHERE_LIST, style)
    joints.scale = Vector3(x=style.joint_diameter_m, y=style.joint_diameter_m,
                           z=style.joint_diameter_m)
    joints.points = [point_msg(joint) for joint in joints_m]
    joints.colors = joint_colors
    bones = _add_marker(header, track_id, BONES_ID, Marker.LINE_LIST, style)
    bones.scale = Vector3(x=style.bone_width_m)
    bone_ends = np.asarray(skeleton.bones).ravel()
    bones.points = [point_msg(joints_m[joint]) for joint in bone_ends]
    # Both ends of a bone take the colour of its child joint (its finger).
    bones.colors = [joint_colors[child] for _, child in skeleton.bones for _ in range(2)]
    return [joints, bones]


def _add_marker(header: Header, track_id: int, marker_id: int, marker_type: int,
                style: MarkerStyle) -> Marker:
    return Marker(header=header, ns=namespace(track_id), id=marker_id, type=marker_type,
                  action=Marker.ADD, color=_hand_color(track_id),
                  lifetime=Duration(seconds=style.lifetime_s).to_msg())


def _delete_marker(header: Header, track_id: int, marker_id: int) -> Marker:
    return Marker(header=header, ns=namespace(track_id), id=marker_id, action=Marker.DELETE)


def _joint_colors(skeleton: Skeleton, style: MarkerStyle, track_id: int) -> list[ColorRGBA]:
    if not style.finger_colors:
        return [_hand_color(track_id)] * skeleton.num_joints
    return [_rgba(FINGER_COLORS_RGB[skeleton.finger_of(joint)])
            for joint in range(skeleton.num_joints)]


def _hand_color(track_id: int) -> ColorRGBA:
    return _rgba(HAND_COLORS_RGB[track_id % len(HAND_COLORS_RGB)])


def _rgba(rgb: tuple[float, float, float]) -> ColorRGBA:
    red, green, blue = rgb
    return ColorRGBA(r=red, g=green, b=blue, a=1.0)
