# Copyright 2026 jgr_ros contributors. MIT License.
"""
Thin adapters between ROS messages and the NumPy types of the core.

Depth decoding and encoding live in :mod:`jgr_ros.depth` (REP-118); this module only moves
message fields in and out. The core works in millimetres, messages carry metres (REP-103).
"""
from typing import Sequence

from builtin_interfaces.msg import Time
from geometry_msgs.msg import Point, Pose, Quaternion
from jgr_msgs.msg import HandPose
from jgr_ros.camera import CameraModel
from jgr_ros.depth import decode_depth, encode_depth
from jgr_ros.errors import InputError
from jgr_ros.gestures import NO_GESTURE
from jgr_ros.hand_frame import wrist_frame
from jgr_ros.hand_state import HandReport
from jgr_ros.pipeline import HandPoseResult
from jgr_ros.skeletons import Skeleton
from jgr_ros.units import MM_PER_M
import numpy as np
from sensor_msgs.msg import CameraInfo, Image, RegionOfInterest
from std_msgs.msg import Header
from transforms3d.quaternions import mat2quat

HANDEDNESS = {'left': HandPose.HANDEDNESS_LEFT, 'right': HandPose.HANDEDNESS_RIGHT}


def depth_from_image_msg(msg: Image) -> np.ndarray:
    """
    Decode a depth image message to (H, W) float32 millimetres, 0 = invalid.

    Raises :class:`InputError` for anything the pipeline cannot use: an unsupported encoding,
    an ``is_bigendian`` other than 0 or 1, a zero-size image, truncated data, or an image
    without a single valid depth.
    """
    if msg.is_bigendian not in (0, 1):
        raise InputError(f'is_bigendian must be 0 or 1, got {msg.is_bigendian}')
    depth_mm = decode_depth(msg.data, msg.width, msg.height, msg.encoding, msg.step,
                            bool(msg.is_bigendian))
    if not depth_mm.any():   # decoded invalid pixels are 0
        raise InputError(f'depth image {msg.width}x{msg.height} ({msg.encoding}) has no valid '
                         'pixel (all 0 / NaN): is the camera covered or still starting?')
    return depth_mm


def image_msg_from_depth(depth_mm: np.ndarray, encoding: str, header: Header) -> Image:
    """Encode (H, W) millimetres (0 = invalid) as a 16UC1 (mm) or 32FC1 (m) image message."""
    data, step = encode_depth(depth_mm, encoding)
    height, width = np.shape(depth_mm)
    return Image(header=header, height=height, width=width, encoding=encoding,
                 is_bigendian=0, step=step, data=data)


def rgb_image_msg(image_rgb: np.ndarray, header: Header) -> Image:
    """Wrap an (H, W, 3) uint8 RGB array as an rgb8 image message."""
    image_rgb = np.ascontiguousarray(image_rgb, dtype=np.uint8)
    height, width, _ = image_rgb.shape
    return Image(header=header, height=height, width=width, encoding='rgb8', is_bigendian=0,
                 step=width * 3, data=image_rgb.tobytes())


def camera_from_info_msg(msg: CameraInfo) -> CameraModel:
    """Build a validated :class:`CameraModel`; NaN or zero intrinsics raise InputError."""
    return CameraModel.from_camera_info(msg.width, msg.height, msg.k, msg.d,
                                        msg.distortion_model)


def camera_info_msg(camera: CameraModel, header: Header) -> CameraInfo:
    """Describe a camera as a CameraInfo message (rectification R = identity, P = [K | 0])."""
    projection = np.hstack([camera.matrix, np.zeros((3, 1))])
    return CameraInfo(header=header, width=camera.width, height=camera.height,
                      distortion_model=camera.distortion_model, d=list(camera.distortion),
                      k=camera.matrix.ravel(), r=np.eye(3).ravel(), p=projection.ravel())


def stamp_ns(stamp: Time) -> int:
    """Return a builtin_interfaces/Time as integer nanoseconds (a dictionary key for matching)."""
    return stamp.sec * 1_000_000_000 + stamp.nanosec


def point_msg(xyz_m: Sequence[float]) -> Point:
    """Return a geometry_msgs/Point from three coordinates in metres."""
    x, y, z = (float(value) for value in xyz_m)
    return Point(x=x, y=y, z=z)


def pose_msg(position_m: np.ndarray, rotation: np.ndarray) -> Pose:
    """Return a Pose from a position (metres) and a 3x3 rotation matrix (unit quaternion)."""
    quaternion_wxyz = mat2quat(rotation)
    w, x, y, z = (float(value) for value in quaternion_wxyz / np.linalg.norm(quaternion_wxyz))
    return Pose(position=point_msg(position_m), orientation=Quaternion(x=x, y=y, z=z, w=w))


def wrist_pose(joints_m: np.ndarray, skeleton: Skeleton, right_hand: bool = True) -> Pose | None:
    """
    Return the wrist frame (see :mod:`jgr_ros.hand_frame`) as a Pose, or None.

    The orientation assumes a right hand unless told otherwise. None when the layout has no
    wrist frame (it lacks the wrist or finger-root joints) or the palm is degenerate (collinear
    joints), so callers can skip publishing it.
    """
    try:
        position_m, rotation = wrist_frame(joints_m, skeleton, right_hand=right_hand)
    except ValueError:
        return None
    return pose_msg(position_m, rotation)


def hand_pose_msg(result: HandPoseResult, skeleton: Skeleton, header: Header,
                  wrist: Pose | None, report: HandReport | None = None) -> HandPose:
    """
    Convert a found hand (millimetres, camera optical frame) to a HandPose in metres.

    The message carries the hand's ``track_id`` (see :class:`~jgr_ros.tracking.HandTracker`).
    ``wrist`` comes from :func:`wrist_pose`; None (no wrist frame) leaves the orientation
    identity at joint 0. ``report`` (the track's :class:`~jgr_ros.hand_state.HandState`) gives
    the joints (filtered or raw), gesture, handedness, pinch and grab; without it the joints
    are the raw ones, handedness UNKNOWN and the gesture empty.
    """
    joints_m = result.joints_mm / MM_PER_M if report is None else report.joints_m
    x, y, width, height = (int(value) for value in result.roi)
    msg = HandPose(
        header=header, skeleton=skeleton.name, joint_names=list(skeleton.joint_names),
        joints=[point_msg(joint) for joint in joints_m],
        joint_confidences=result.confidences.tolist(), score=result.score,
        wrist=wrist or Pose(position=point_msg(joints_m[0])),
        center=point_msg(result.center_mm / MM_PER_M),
        roi=RegionOfInterest(x_offset=x, y_offset=y, width=width, height=height),
        handedness=HandPose.HANDEDNESS_UNKNOWN, gesture='', track_id=result.track_id)
    if report is not None:
        msg.handedness = HANDEDNESS[report.handedness.side]
        msg.handedness_confidence = report.handedness.confidence
        msg.gesture = '' if report.gesture.label == NO_GESTURE else report.gesture.label
        msg.gesture_confidence = report.gesture.confidence
        msg.pinch_distance = report.controls.pinch_distance_m
        msg.pinch_strength = report.controls.pinch_strength
        msg.grab_strength = report.controls.grab_strength
    return msg


def ground_truth_msg(joints_m: np.ndarray, skeleton: Skeleton, header: Header,
                     handedness: str, gesture: str) -> HandPose:
    """Describe known joints (metres) as a HandPose with full confidence."""
    right_hand = handedness != 'left'
    return HandPose(
        header=header, skeleton=skeleton.name, joint_names=list(skeleton.joint_names),
        joints=[point_msg(joint) for joint in joints_m],
        joint_confidences=[1.0] * skeleton.num_joints, score=1.0,
        wrist=wrist_pose(joints_m, skeleton, right_hand) or Pose(position=point_msg(joints_m[0])),
        center=point_msg(skeleton.hand_center(joints_m)),
        handedness=HANDEDNESS.get(handedness, HandPose.HANDEDNESS_UNKNOWN),
        handedness_confidence=1.0, gesture=gesture, gesture_confidence=1.0)


def joints_from_msg(hand: HandPose) -> np.ndarray:
    """Return a HandPose's joints as a (J, 3) float64 array in metres."""
    return np.array([(joint.x, joint.y, joint.z) for joint in hand.joints], dtype=np.float64)
