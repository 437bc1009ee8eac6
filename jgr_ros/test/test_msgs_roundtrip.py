# Copyright 2026 jgr_ros contributors. MIT License.
"""jgr_msgs/HandPoseArray built by colcon round-trips over real DDS with every field intact."""
import math
import pathlib

import pytest
from ros_harness import ros  # noqa: F401, I100  (fixture)

msg_module = pytest.importorskip(
    'jgr_msgs.msg', reason='jgr_msgs is not built: run ./setup.sh and source tools/env.sh')
from geometry_msgs.msg import Point  # noqa: E402, I100

pytestmark = pytest.mark.ros
REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]


def make_hand_pose_array():
    hand = msg_module.HandPose()
    hand.header.stamp.sec, hand.header.stamp.nanosec = 1_700_000_000, 123_456_789
    hand.header.frame_id = 'camera_depth_optical_frame'
    hand.skeleton = 'mano21'
    hand.joint_names = [f'joint_{i}' for i in range(21)]
    hand.joints = [Point(x=0.01 * i, y=-0.02 * i, z=0.5 + 0.001 * i) for i in range(21)]
    hand.joint_confidences = [i / 21.0 for i in range(21)]
    hand.score = 0.875
    hand.wrist.position = Point(x=0.1, y=0.2, z=0.6)
    hand.wrist.orientation.x, hand.wrist.orientation.w = math.sqrt(0.5), math.sqrt(0.5)
    hand.center = Point(x=0.05, y=0.06, z=0.55)
    hand.roi.x_offset, hand.roi.y_offset, hand.roi.width, hand.roi.height = 200, 120, 96, 97
    hand.handedness = msg_module.HandPose.HANDEDNESS_RIGHT
    hand.gesture = 'victory'
    hand.track_id = 42
    array = msg_module.HandPoseArray()
    array.header = hand.header
    array.hands = [hand, msg_module.HandPose(skeleton='nyu14')]
    return array


def test_jgr_msgs_comes_from_the_colcon_install_space():
    installed = pathlib.Path(msg_module.__file__).absolute()  # not resolved: symlink install
    assert installed.is_relative_to(REPO_ROOT / 'install'), installed


def test_hand_pose_array_round_trips_over_dds(ros):  # noqa: F811
    sent = make_hand_pose_array()
    received = []
    topic = ros.topic('hand_poses')
    publisher = ros.node('sender').create_publisher(msg_module.HandPoseArray, topic, 10)
    ros.node('receiver').create_subscription(msg_module.HandPoseArray, topic, received.append, 10)
    assert ros.spin_until(lambda: publisher.get_subscription_count() == 1), 'no discovery'
    assert ros.spin_until(lambda: publisher.publish(sent) or bool(received)), 'nothing received'
    assert received[0] == sent  # generated __eq__ compares every field, nested ones included
    assert received[0].hands[0].joints[20].z == pytest.approx(0.52)
    assert received[0].hands[0].gesture == 'victory'
