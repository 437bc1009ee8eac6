# Copyright 2026 jgr_ros contributors. MIT License.
"""The synthetic depth camera node over real DDS: frames, camera_info and ground truth."""
import os
import pathlib
import signal
import subprocess
import sys

import numpy as np
import pytest
from ros_harness import ros  # noqa: F401, I100  (fixture)

pytest.importorskip('jgr_msgs.msg', reason='jgr_msgs is not built: run ./setup.sh and source '
                                           'tools/env.sh')
from jgr_msgs.msg import HandPose, HandPoseArray  # noqa: E402, I100
from jgr_ros.errors import InputError  # noqa: E402
from jgr_ros.ros.conversions import (  # noqa: E402
    camera_from_info_msg,
    depth_from_image_msg,
    joints_from_msg,
    stamp_ns,
)
from jgr_ros.ros.synthetic_camera_node import SyntheticCameraNode  # noqa: E402
from jgr_ros.synthetic import (  # noqa: E402
    get_camera_preset,
    MotionConfig,
    MotionVideo,
    SyntheticConfig,
    SyntheticHandGenerator,  # noqa: E402
)
from rclpy.parameter import Parameter  # noqa: E402
from rclpy.qos import qos_profile_sensor_data  # noqa: E402
from sensor_msgs.msg import CameraInfo, Image  # noqa: E402

pytestmark = pytest.mark.ros
SEED = 3
HANDEDNESS = {'left': HandPose.HANDEDNESS_LEFT, 'right': HandPose.HANDEDNESS_RIGHT}


def start_camera(ros, **parameters) -> SyntheticCameraNode:  # noqa: F811
    node = SyntheticCameraNode(context=ros.context, namespace=ros.prefix, parameter_overrides=[
        Parameter(name, value=value) for name, value in parameters.items()])
    ros.executor.add_node(node)
    ros.nodes.append(node)
    return node


@pytest.mark.parametrize('encoding, motion_speed_m_s', [('16UC1', 0.0), ('32FC1', 0.3)])
def test_frames_camera_info_and_ground_truth_share_one_stamp(ros, encoding,  # noqa: F811
                                                             motion_speed_m_s):
    camera = start_camera(ros, seed=SEED, rate_hz=20.0, encoding=encoding, max_frames=3,
                          camera='kinect_v2', motion_speed_m_s=motion_speed_m_s)
    images, infos, truths = [], [], []
    io = ros.node('test_io')
    io.create_subscription(Image, ros.topic('depth/image_raw'), images.append, 10)
    io.create_subscription(CameraInfo, ros.topic('depth/camera_info'), infos.append, 10)
    io.create_subscription(HandPoseArray, ros.topic('ground_truth/hand_poses'), truths.append, 10)
    assert ros.spin_until(lambda: len(images) == len(infos) == len(truths) == 3), (
        f'got {len(images)} images, {len(infos)} camera_infos, {len(truths)} truths')
    assert camera.finished and camera.frames_published == 3
    config = SyntheticConfig.narrow(distance_range_m=(0.35, 0.9), distractor_probability=0.0)
    if motion_speed_m_s:   # one hand moving: frame i of the seed's video
        expected_frame = MotionVideo(get_camera_preset('kinect_v2'), SEED, 20.0, config,
                                     MotionConfig(speed_m_s=motion_speed_m_s)).frame
    else:                  # a new hand every frame: seed + i
        generator = SyntheticHandGenerator(get_camera_preset('kinect_v2'), config)
        expected_frame = lambda index: generator.frame(SEED + index)   # noqa: E731
    for index, (image, info, truth) in enumerate(zip(images, infos, truths)):
        expected = expected_frame(index)
        assert image.header == info.header == truth.header
        assert image.header.frame_id == 'camera_depth_optical_frame'
        assert image.encoding == encoding and (image.width, image.height) == (512, 424)
        np.testing.assert_allclose(depth_from_image_msg(image), expected.depth_mm, atol=1e-3)
        assert camera_from_info_msg(info) == expected.camera
        (hand,) = truth.hands
        np.testing.assert_allclose(joints_from_msg(hand), expected.joints_mm / 1000.0, atol=1e-6)
        assert (hand.skeleton, hand.gesture) == ('mano21', expected.gesture)
        assert hand.handedness == HANDEDNESS[expected.handedness]
        again = camera.frame_at(stamp_ns(image.header.stamp))
        np.testing.assert_array_equal(again.depth_mm, expected.depth_mm)


@pytest.mark.parametrize('crossing', [False, True])
def test_two_moving_hands_come_with_both_ground_truths(ros, crossing):  # noqa: F811
    start_camera(ros, seed=SEED, rate_hz=20.0, max_frames=2, hands=2, crossing=crossing)
    images, truths = [], []
    io = ros.node('test_io')
    io.create_subscription(Image, ros.topic('depth/image_raw'), images.append, 10)
    io.create_subscription(CameraInfo, ros.topic('depth/camera_info'), lambda msg: None, 10)
    io.create_subscription(HandPoseArray, ros.topic('ground_truth/hand_poses'), truths.append, 10)
    assert ros.spin_until(lambda: len(images) == len(truths) == 2)
    config = SyntheticConfig.narrow(distance_range_m=(0.35, 0.9), distractor_probability=0.0,
                                    two_hand_probability=1.0)
    video = MotionVideo(get_camera_preset('realsense_d435_640x480'), SEED, 20.0, config,
                        MotionConfig(), hands=2, crossing=crossing)
    for index, (image, truth) in enumerate(zip(images, truths)):
        expected = video.frame(index)
        np.testing.assert_allclose(depth_from_image_msg(image), expected.depth_mm, atol=1e-3)
        assert len(truth.hands) == 2
        for hand, joints_mm in zip(truth.hands, expected.all_joints_mm):
            np.testing.assert_allclose(joints_from_msg(hand), joints_mm / 1000.0, atol=1e-6)
        assert truth.hands[1].handedness == HANDEDNESS[expected.more_hands[0].handedness]


def test_no_frame_is_rendered_before_anyone_listens(ros):  # noqa: F811
    camera = start_camera(ros, rate_hz=50.0)
    ros.spin_until(lambda: False, timeout_s=0.3)
    assert camera.frames_published == 0


@pytest.mark.parametrize('parameters, message', [
    ({'encoding': 'mono8'}, 'encoding'),
    ({'camera': 'webcam'}, 'unknown camera preset'),
    ({'min_distance_m': 1.0, 'max_distance_m': 0.5}, 'distance_range_m'),
    ({'hands': 1, 'crossing': True}, '1 or 2 hands'),
])
def test_bad_settings_stop_start_up_with_a_message(ros, parameters, message):  # noqa: F811
    with pytest.raises(InputError, match=message):
        start_camera(ros, **parameters)


def test_frames_cross_processes_with_the_large_frames_profile(ros, tmp_path):  # noqa: F811
    # A 640x480 16UC1 frame (614 KB) exceeds Fast DDS's default 512 KB shared-memory segment:
    # without the shipped profile in the publishing process, best-effort frames between
    # processes were mostly lost (40-53 of 300 at 30 fps, 23 of these 40 at 20 Hz here).
    profile = pathlib.Path(__file__).parents[1] / 'config' / 'fastdds_large_frames.xml'
    env = dict(os.environ, ROS_DOMAIN_ID=str(ros.domain_id),
               FASTDDS_DEFAULT_PROFILES_FILE=str(profile))
    command = [sys.executable, '-m', 'jgr_ros.ros.synthetic_camera_node', '--ros-args',
               '-r', f'__ns:={ros.prefix}', '-p', 'rate_hz:=20.0']
    camera = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                              stderr=open(tmp_path / 'camera.log', 'w'))
    try:
        listener = ros.node('listener')
        depth_stamps, truth_stamps = set(), []
        listener.create_subscription(Image, ros.topic('depth/image_raw'),
                                     lambda msg: depth_stamps.add(stamp_ns(msg.header.stamp)),
                                     qos_profile_sensor_data)
        listener.create_subscription(CameraInfo, ros.topic('depth/camera_info'),
                                     lambda msg: None, qos_profile_sensor_data)
        listener.create_subscription(   # small and reliable: every frame's stamp arrives
            HandPoseArray, ros.topic('ground_truth/hand_poses'),
            lambda msg: truth_stamps.append(stamp_ns(msg.header.stamp)), 10)
        assert ros.spin_until(lambda: depth_stamps, timeout_s=30.0), \
            (tmp_path / 'camera.log').read_text()
        warm = len(truth_stamps)
        ros.spin_until(lambda: len(truth_stamps) >= warm + 40, timeout_s=10.0)
        sent = truth_stamps[warm:warm + 40]
        assert len(sent) == 40
        assert sum(stamp in depth_stamps for stamp in sent) >= 36
    finally:
        camera.send_signal(signal.SIGINT)   # SIGKILL would leave /dev/shm/fastdds_* behind
        camera.wait(timeout=10.0)
