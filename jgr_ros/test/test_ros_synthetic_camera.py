# Copyright 2026 jgr_ros contributors. MIT License.
"""The synthetic depth camera node over real DDS: frames, camera_info and ground truth."""
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
    SyntheticConfig,
    SyntheticHandGenerator,  # noqa: E402
)
from rclpy.parameter import Parameter  # noqa: E402
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


@pytest.mark.parametrize('encoding', ['16UC1', '32FC1'])
def test_frames_camera_info_and_ground_truth_share_one_stamp(ros, encoding):  # noqa: F811
    camera = start_camera(ros, seed=SEED, rate_hz=20.0, encoding=encoding, max_frames=3,
                          camera='kinect_v2')
    images, infos, truths = [], [], []
    io = ros.node('test_io')
    io.create_subscription(Image, ros.topic('depth/image_raw'), images.append, 10)
    io.create_subscription(CameraInfo, ros.topic('depth/camera_info'), infos.append, 10)
    io.create_subscription(HandPoseArray, ros.topic('ground_truth/hand_poses'), truths.append, 10)
    assert ros.spin_until(lambda: len(images) == len(infos) == len(truths) == 3), (
        f'got {len(images)} images, {len(infos)} camera_infos, {len(truths)} truths')
    assert camera.finished and camera.frames_published == 3
    generator = SyntheticHandGenerator(get_camera_preset('kinect_v2'),
                                       SyntheticConfig(distance_range_m=(0.35, 0.9),
                                                       distractor_probability=0.0))
    for index, (image, info, truth) in enumerate(zip(images, infos, truths)):
        expected = generator.frame(SEED + index)
        assert image.header == info.header == truth.header
        assert image.header.frame_id == 'camera_depth_optical_frame'
        assert image.encoding == encoding and (image.width, image.height) == (512, 424)
        np.testing.assert_allclose(depth_from_image_msg(image), expected.depth_mm, atol=1e-3)
        assert camera_from_info_msg(info) == expected.camera
        (hand,) = truth.hands
        np.testing.assert_allclose(joints_from_msg(hand), expected.joints_m, atol=1e-6)
        assert (hand.skeleton, hand.gesture) == ('mano21', expected.gesture)
        assert hand.handedness == HANDEDNESS[expected.handedness]
        again = camera.frame_at(stamp_ns(image.header.stamp))
        np.testing.assert_array_equal(again.depth_mm, expected.depth_mm)


def test_no_frame_is_rendered_before_anyone_listens(ros):  # noqa: F811
    camera = start_camera(ros, rate_hz=50.0)
    ros.spin_until(lambda: False, timeout_s=0.3)
    assert camera.frames_published == 0


@pytest.mark.parametrize('parameters, message', [
    ({'encoding': 'mono8'}, 'encoding'),
    ({'camera': 'webcam'}, 'unknown camera preset'),
    ({'min_distance_m': 1.0, 'max_distance_m': 0.5}, 'distance_range_m'),
])
def test_bad_settings_stop_start_up_with_a_message(ros, parameters, message):  # noqa: F811
    with pytest.raises(InputError, match=message):
        start_camera(ros, **parameters)
