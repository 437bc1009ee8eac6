# Copyright 2026 jgr_ros contributors. MIT License.
"""Message adapters: depth and camera messages in and out, results to HandPose in metres."""
import math

import numpy as np
import pytest

pytest.importorskip('jgr_msgs.msg', reason='jgr_msgs is not built: run ./setup.sh and source '
                                           'tools/env.sh')
from jgr_msgs.msg import HandPose  # noqa: E402, I100
from jgr_ros.camera import CameraModel  # noqa: E402
from jgr_ros.crop import crop_hand  # noqa: E402
from jgr_ros.errors import InputError  # noqa: E402
from jgr_ros.pipeline import HandPoseResult  # noqa: E402
from jgr_ros.ros.conversions import (  # noqa: E402
    camera_from_info_msg,
    camera_info_msg,
    depth_from_image_msg,
    ground_truth_msg,
    hand_pose_msg,
    image_msg_from_depth,
    joints_from_msg,
    stamp_ns,
    wrist_pose,
)
from jgr_ros.skeletons import get_skeleton  # noqa: E402
from sensor_msgs.msg import CameraInfo, Image  # noqa: E402
from std_msgs.msg import Header  # noqa: E402
from transforms3d.quaternions import quat2mat  # noqa: E402

CAMERA = CameraModel(64, 48, fx=50.0, fy=51.0, cx=31.5, cy=23.5,
                     distortion_model='rational_polynomial',
                     distortion=(0.1, -0.05, 0.001, 0.0, 0.01, 0.0, 0.0, 0.0))
PINHOLE = CameraModel(64, 48, fx=50.0, fy=51.0, cx=31.5, cy=23.5)
MANO = get_skeleton('mano21')


def depth_image_mm() -> np.ndarray:
    depth_mm = np.linspace(300.0, 900.0, 64 * 48, dtype=np.float32).reshape(48, 64).round()
    depth_mm[5:9, 10:20] = 0.0
    return depth_mm


def open_hand_m() -> np.ndarray:
    """Return a flat right hand seen from the back: fingers up (-y), thumb left, palm +z."""
    joints = np.zeros((21, 3))
    finger_x_m = {'thumb': -0.05, 'index': -0.025, 'middle': 0.0, 'ring': 0.02, 'pinky': 0.04}
    for joint, name in enumerate(MANO.joint_names[1:], start=1):
        finger, segment = name.split('_')
        level = ('cmc', 'mcp', 'ip', 'pip', 'dip', 'tip').index(segment)
        joints[joint] = (finger_x_m[finger], -0.08 - 0.02 * level, 0.0)
    return joints + (0.1, 0.05, 0.6)


@pytest.mark.parametrize('encoding', ['16UC1', '32FC1'])
def test_depth_round_trips_through_an_image_message(encoding):
    header = Header(frame_id='depth_optical')
    msg = image_msg_from_depth(depth_image_mm(), encoding, header)
    assert (msg.encoding, msg.width, msg.height, msg.header) == (encoding, 64, 48, header)
    np.testing.assert_allclose(depth_from_image_msg(msg), depth_image_mm(), atol=1e-3)


@pytest.mark.parametrize('broken, message', [
    ({'encoding': 'rgb8'}, 'unsupported depth encoding'),
    ({'data': b'\x00' * 100}, 'truncated'),
    ({'width': 0, 'height': 0, 'step': 0, 'data': b''}, 'zero size'),
    ({'data': b'\x00' * 64 * 48 * 2}, 'no valid pixel'),
])
def test_unusable_depth_images_raise_input_error(broken, message):
    msg = image_msg_from_depth(depth_image_mm(), '16UC1', Header())
    for field, value in broken.items():
        setattr(msg, field, value)
    with pytest.raises(InputError, match=message):
        depth_from_image_msg(msg)


def test_camera_info_round_trips_with_distortion():
    msg = camera_info_msg(CAMERA, Header(frame_id='cam'))
    assert list(msg.p) == [50.0, 0.0, 31.5, 0.0, 0.0, 51.0, 23.5, 0.0, 0.0, 0.0, 1.0, 0.0]
    assert camera_from_info_msg(msg) == CAMERA


@pytest.mark.parametrize('k', [[0.0] * 9, [math.nan, 0, 32, 0, 50, 24, 0, 0, 1]])
def test_uncalibrated_or_nan_camera_info_raises_input_error(k):
    msg = CameraInfo(width=64, height=48, k=k)
    with pytest.raises(InputError, match='focal length'):
        camera_from_info_msg(msg)


def test_wrist_pose_is_a_unit_quaternion_of_the_wrist_frame():
    joints_m = open_hand_m()
    pose = wrist_pose(joints_m, MANO)
    quaternion = np.array([pose.orientation.w, pose.orientation.x, pose.orientation.y,
                           pose.orientation.z])
    assert np.linalg.norm(quaternion) == pytest.approx(1.0, abs=1e-12)
    rotation = quat2mat(quaternion)
    np.testing.assert_allclose(rotation[:, 0], [0.0, -1.0, 0.0], atol=1e-9)  # towards fingers
    np.testing.assert_allclose(rotation[:, 2], [0.0, 0.0, 1.0], atol=1e-9)  # out of the palm
    assert (pose.position.x, pose.position.y, pose.position.z) == tuple(joints_m[0])


def test_wrist_pose_is_none_for_a_degenerate_palm_or_a_layout_without_wrist():
    assert wrist_pose(np.zeros((21, 3)), MANO) is None
    assert wrist_pose(np.ones((16, 3)), get_skeleton('icvl16')) is None


def test_hand_pose_message_is_in_metres_with_every_field():
    joints_mm = open_hand_m() * 1000.0
    depth_mm = np.full((48, 64), 620.0, np.float32)
    crop = crop_hand(depth_mm, PINHOLE, (100.0, 50.0, 600.0), 250.0)
    center_mm = np.array([100.0, 50.0, 600.0])
    result = HandPoseResult(joints_mm=joints_mm, joints_uvd=PINHOLE.project_uvd(joints_mm),
                            confidences=np.linspace(0.5, 1.0, 21, dtype=np.float32),
                            center_mm=center_mm, detected_center_mm=center_mm, crop=crop,
                            track_id=7)
    header = Header(frame_id='cam')
    hand = hand_pose_msg(result, MANO, header, wrist_pose(joints_mm / 1000.0, MANO))
    np.testing.assert_allclose(joints_from_msg(hand), joints_mm / 1000.0)
    assert (hand.skeleton, hand.track_id, hand.header) == ('mano21', 7, header)
    assert tuple(hand.joint_names) == MANO.joint_names
    assert hand.score == pytest.approx(0.75)
    assert (hand.center.x, hand.center.y, hand.center.z) == (0.1, 0.05, 0.6)
    assert (hand.roi.x_offset, hand.roi.y_offset, hand.roi.width, hand.roi.height) == crop.roi
    assert (hand.handedness, hand.gesture) == (HandPose.HANDEDNESS_UNKNOWN, '')
    assert hand.wrist.orientation.w != 1.0   # a real frame, not the identity fallback


def test_ground_truth_message_carries_handedness_and_gesture():
    mirrored = open_hand_m() * (-1.0, 1.0, 1.0)
    hand = ground_truth_msg(mirrored, MANO, Header(), 'left', 'open_palm')
    assert (hand.handedness, hand.gesture, hand.score) == (
        HandPose.HANDEDNESS_LEFT, 'open_palm', 1.0)
    rotation = quat2mat([hand.wrist.orientation.w, hand.wrist.orientation.x,
                         hand.wrist.orientation.y, hand.wrist.orientation.z])
    np.testing.assert_allclose(rotation[:, 2], [0.0, 0.0, 1.0], atol=1e-9)  # a left hand's
    np.testing.assert_allclose(joints_from_msg(hand), mirrored)


def test_stamp_ns_is_exact():
    msg = Image()
    msg.header.stamp.sec, msg.header.stamp.nanosec = 1_700_000_000, 999_999_999
    assert stamp_ns(msg.header.stamp) == 1_700_000_000_999_999_999


def test_image_messages_accept_any_row_step():
    msg = image_msg_from_depth(depth_image_mm(), '16UC1', Header())
    padded = np.zeros((48, 64 * 2 + 6), np.uint8)
    padded[:, :128] = np.frombuffer(bytes(msg.data), np.uint8).reshape(48, 128)
    msg.step, msg.data = 134, padded.tobytes()
    np.testing.assert_array_equal(depth_from_image_msg(msg), depth_image_mm())
