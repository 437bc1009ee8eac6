# Copyright 2026 jgr_ros contributors. MIT License.
"""
The hand-pose node over real DDS: outputs, markers, bad input, parameters, diagnostics.

Accuracy does not matter here, so the node runs small untrained models written to a tmp dir;
test_ros_accuracy.py runs the shipped model.
"""
import math
import signal

import numpy as np
import pytest
import torch
from ros_harness import ros  # noqa: F401, I100  (fixture)

pytest.importorskip('jgr_msgs.msg', reason='jgr_msgs is not built: run ./setup.sh and source '
                                           'tools/env.sh')
from diagnostic_msgs.msg import DiagnosticArray  # noqa: E402, I100
from jgr_ros.errors import InputError  # noqa: E402
from jgr_ros.ros.camera_infos import CameraInfoCache  # noqa: E402
from jgr_ros.ros.conversions import (  # noqa: E402
    camera_info_msg,
    image_msg_from_depth,
    joints_from_msg,
)
from jgr_ros.ros.entry_point import STOP_SIGNALS  # noqa: E402
from jgr_ros.ros.hand_pose_node import HandPoseNode, main, warning_kind  # noqa: E402
from jgr_ros.ros.markers import BONES_ID, JOINTS_ID  # noqa: E402
from jgr_ros.ros.parameters import HAND_POSE_PARAMETERS  # noqa: E402
from rcl_interfaces.msg import Parameter as ParameterMsg  # noqa: E402
from rcl_interfaces.srv import SetParameters  # noqa: E402
from rclpy.parameter import Parameter  # noqa: E402
from ros_fixtures import node_on_models, NodeRig, synthetic_frame, write_tiny_models  # noqa: E402,E501
from sensor_msgs.msg import CameraInfo, Image  # noqa: E402
from std_msgs.msg import Header  # noqa: E402
from visualization_msgs.msg import Marker  # noqa: E402

pytestmark = pytest.mark.ros


@pytest.fixture(scope='module')
def tiny_models(tmp_path_factory):
    return write_tiny_models(tmp_path_factory.mktemp('models'))


start = node_on_models


def quaternion_norm(orientation) -> float:
    return math.sqrt(orientation.x ** 2 + orientation.y ** 2 + orientation.z ** 2
                     + orientation.w ** 2)


def test_every_frame_gets_hand_poses_in_metres_with_its_stamp_and_frame_id(ros, tiny_models):  # noqa: F811,E501
    rig = start(ros, tiny_models, tracking=False)   # independent frames: no tracking prior
    for seed in (1, 2, 12):
        frame = synthetic_frame(seed)
        answer = rig.send_frame(frame)
        assert answer is not None, f'no hand_poses for frame {seed}'
        assert answer.header.frame_id == 'camera_depth_optical_frame'
        (hand,) = answer.hands
        assert hand.header == answer.header
        assert (hand.skeleton, len(hand.joint_names), len(hand.joints)) == ('mano21', 21, 21)
        center_m = np.array([hand.center.x, hand.center.y, hand.center.z])
        # The centre comes from the (model-free) localiser: near the hand, in metres.
        assert np.linalg.norm(center_m - frame.joints_mm.mean(axis=0) / 1000.0) < 0.1
        assert np.all(np.abs(joints_from_msg(hand) - center_m) < 0.2)
        assert hand.track_id >= 1
        assert quaternion_norm(hand.wrist.orientation) == pytest.approx(1.0, abs=1e-9)
        assert 0.0 <= hand.score <= 1.0 and len(hand.joint_confidences) == 21
    assert ros.spin_until(lambda: len(rig.wrists) == 3), 'a wrist_pose is missing'
    assert [msg.header.stamp for msg in rig.poses] == [msg.header.stamp for msg in rig.wrists]
    assert all(quaternion_norm(wrist.pose.orientation) == pytest.approx(1.0, abs=1e-9)
               for wrist in rig.wrists)


def test_16uc1_and_32fc1_give_the_same_joints(ros, tiny_models):  # noqa: F811
    rig = start(ros, tiny_models, tracking=False)
    frame = synthetic_frame(4)
    millimetres = rig.send_frame(frame, '16UC1')
    metres = rig.send_frame(frame, '32FC1')
    np.testing.assert_allclose(joints_from_msg(metres.hands[0]),
                               joints_from_msg(millimetres.hands[0]), atol=1e-3)


def test_markers_follow_the_hand_and_vanish_with_it(ros, tiny_models):  # noqa: F811
    rig = start(ros, tiny_models)
    frame = synthetic_frame(5)
    first = rig.send_frame(frame)
    assert ros.spin_until(lambda: len(rig.markers) == 1)
    joints, bones = rig.markers[-1].markers
    namespace = f'hand_{first.hands[0].track_id}'   # one per track
    assert [(m.ns, m.id, m.type, m.action) for m in (joints, bones)] == [
        (namespace, JOINTS_ID, Marker.SPHERE_LIST, Marker.ADD),
        (namespace, BONES_ID, Marker.LINE_LIST, Marker.ADD)]
    assert joints.header == first.header and len(joints.points) == 21
    assert joints.lifetime.sec + joints.lifetime.nanosec > 0

    wall = image_msg_from_depth(np.full(frame.depth_mm.shape, 3000.0), '16UC1', rig.header())
    empty = rig.answer_to(wall)        # only a wall beyond the working range: no hand
    assert empty is not None and empty.hands == []
    assert ros.spin_until(lambda: len(rig.markers) == 2)
    assert [(m.ns, m.id, m.action) for m in rig.markers[-1].markers] == [
        (namespace, JOINTS_ID, Marker.DELETE), (namespace, BONES_ID, Marker.DELETE)]
    assert rig.wrists[-1].header.stamp == first.header.stamp   # no wrist without a hand

    again = rig.send_frame(frame)
    assert again.hands[0].track_id == first.hands[0].track_id + 1  # found again: a new track
    assert ros.spin_until(lambda: len(rig.markers) == 3)
    namespace = f'hand_{again.hands[0].track_id}'
    assert [(m.ns, m.id, m.action) for m in rig.markers[-1].markers] == [
        (namespace, JOINTS_ID, Marker.ADD), (namespace, BONES_ID, Marker.ADD)]


def bad_inputs(rig: NodeRig):
    """Return (what, expected warning, image, camera_info to send first or None) tuples."""
    frame = synthetic_frame(2)

    def image(frame_id='camera_depth_optical_frame', depth_mm=frame.depth_mm):
        return image_msg_from_depth(depth_mm, '16UC1', rig.header(frame_id))

    def camera_info(frame_id, k):
        return CameraInfo(header=rig.header(frame_id), width=frame.camera.width,
                          height=frame.camera.height, k=k)

    wrong_encoding, truncated, zero_size = image(), image(), image()
    wrong_encoding.encoding = 'rgb8'
    truncated.data = bytes(truncated.data)[:1000]
    zero_size.width = zero_size.height = zero_size.step = 0
    zero_size.data = b''
    half = frame.depth_mm[::2, ::2]
    nan_k = [math.nan, 0.0, 320.0, 0.0, math.nan, 240.0, 0.0, 0.0, 1.0]
    return [
        ('wrong encoding', 'unsupported depth encoding', wrong_encoding, None),
        ('truncated data', 'truncated', truncated, None),
        ('zero-size image', 'zero size', zero_size, None),
        ('all-invalid depth', 'no valid pixel', image(depth_mm=np.zeros_like(frame.depth_mm)),
         None),
        ('camera_info missing', 'no camera_info', image('never_calibrated'), None),
        ('NaN intrinsics', 'is invalid', image('nan_camera'), camera_info('nan_camera', nan_k)),
        ('zero intrinsics', 'not calibrated', image('zero_camera'),
         camera_info('zero_camera', [0.0] * 9)),
        ('size mismatch', 'camera info says', image(depth_mm=half), None),
    ]


def test_bad_input_is_skipped_with_a_throttled_warning_and_the_node_stays_alive(ros, tiny_models):  # noqa: F811,E501
    rig = start(ros, tiny_models)
    good = synthetic_frame(2)
    assert rig.send_frame(good).hands
    for what, warning, image, camera_info in bad_inputs(rig):
        skipped = rig.node.stats.snapshot().frames_skipped
        if camera_info is not None:
            rig.send_camera_info(camera_info, camera_info.header)
        rig.depth_pub.publish(image)
        assert ros.spin_until(lambda: rig.node.stats.snapshot().frames_skipped == skipped + 1), (
            f'{what}: the frame was not skipped')
        assert ros.spin_until(lambda: any(warning in line for line in rig.warnings())), (
            f'{what}: no warning containing {warning!r}; got {rig.warnings()}')
        assert rig.send_frame(good) is not None, f'{what}: the node stopped answering'
        assert rig.find(image.header) is None, f'{what}: published results for a bad frame'

    wrong_encoding = bad_inputs(rig)[0][2]
    rig.depth_pub.publish(wrong_encoding)
    ros.spin_until(lambda: rig.node.stats.snapshot().last_error.startswith('unsupported'))
    assert rig.send_frame(good) is not None
    assert sum('unsupported depth encoding' in line for line in rig.warnings()) == 1  # throttled
    assert rig.node.stats.snapshot().frames_failed == 0


def test_a_camera_becomes_usable_once_its_camera_info_is_valid(ros, tiny_models):  # noqa: F811
    rig = start(ros, tiny_models)
    frame = synthetic_frame(7)
    broken = CameraInfo(header=rig.header('flaky_camera'), width=640, height=480, k=[0.0] * 9)
    rig.send_camera_info(broken, broken.header)
    image = image_msg_from_depth(frame.depth_mm, '16UC1', rig.header('flaky_camera'))
    assert rig.answer_to(image, timeout_s=1.0) is None
    assert rig.send_frame(frame, frame_id='flaky_camera') is not None


def test_a_missing_model_file_stops_start_up_naming_the_path(ros, tmp_path, capfd):  # noqa: F811
    missing = tmp_path / 'no_such_model.pt'
    with pytest.raises(InputError, match=str(missing)):
        HandPoseNode(context=ros.context, parameter_overrides=[
            Parameter('model', value=str(missing))])
    handlers = {number: signal.getsignal(number) for number in STOP_SIGNALS}
    try:
        assert main(['--ros-args', '-p', f'model:={missing}']) == 1
    finally:   # main() keeps its stop handlers (for a process's exit); pytest wants its own
        for number, handler in handlers.items():
            signal.signal(number, handler)
    assert str(missing) in capfd.readouterr().err


def test_parameters_are_described_with_ranges_and_read_only_flags(ros, tiny_models):  # noqa: F811
    rig = start(ros, tiny_models)
    for spec in HAND_POSE_PARAMETERS:
        descriptor = rig.node.describe_parameter(spec.name)
        assert descriptor.description and descriptor.read_only == spec.read_only, spec.name
        is_number = isinstance(spec.default, (int, float)) and not isinstance(spec.default, bool)
        has_range = bool(descriptor.integer_range or descriptor.floating_point_range)
        assert has_range == is_number, spec.name
    assert rig.node.get_parameter('model').value == str(tiny_models[0])


def set_parameter(rig: NodeRig, name: str, value) -> tuple[bool, str]:
    """Set one parameter through the node's service, as `ros2 param set` does."""
    service = f'{rig.node.get_fully_qualified_name()}/set_parameters'
    client = rig.io.create_client(SetParameters, service)
    assert rig.ros.spin_until(client.service_is_ready), 'no parameter service'
    future = client.call_async(SetParameters.Request(
        parameters=[ParameterMsg(name=name, value=Parameter(name, value=value)
                                 .get_parameter_value())]))
    assert rig.ros.spin_until(future.done), 'no parameter service reply'
    (result,) = future.result().results
    return result.successful, result.reason


def test_run_time_parameter_changes_take_effect_without_restart(ros, tiny_models):  # noqa: F811
    rig = start(ros, tiny_models)
    frame = synthetic_frame(8)
    assert rig.send_frame(frame).hands
    nearest_mm = float(frame.depth_mm[frame.depth_mm > 0].min())
    assert set_parameter(rig, 'max_depth_mm', nearest_mm - 20.0) == (True, '')
    assert rig.send_frame(frame).hands == []       # everything is now beyond the range
    assert set_parameter(rig, 'max_depth_mm', 1500.0) == (True, '')
    assert rig.send_frame(frame).hands

    successful, reason = set_parameter(rig, 'min_depth_mm', 1600.0)
    assert not successful and 'min_depth_mm' in reason
    assert not set_parameter(rig, 'refine_iterations', 99)[0]          # out of its range
    assert not set_parameter(rig, 'model', '/elsewhere.pt')[0]         # read-only
    assert not set_parameter(rig, 'arm_enters_from', 'behind')[0]
    assert rig.node.get_parameter('min_depth_mm').value == 150.0


def test_diagnostics_report_rates_latency_and_model(ros, tiny_models):  # noqa: F811
    rig = start(ros, tiny_models, diagnostics_period_s=0.2)
    arrays = []
    rig.io.create_subscription(DiagnosticArray, '/diagnostics', arrays.append, 10)
    for seed in (9, 10, 11):
        assert rig.send_frame(synthetic_frame(seed)) is not None

    def latest():
        statuses = [status for array in arrays for status in array.status
                    if 'hand_pose_node' in status.name]
        return {value.key: value.value for value in statuses[-1].values} if statuses else {}

    assert ros.spin_until(lambda: latest().get('frames_processed') == '3')
    values = latest()
    assert float(values['latency_p50_ms']) > 0.0
    assert float(values['latency_p99_ms']) >= float(values['latency_p50_ms'])
    assert float(values['input_rate_hz']) > 0.0 and float(values['processing_rate_hz']) > 0.0
    assert values['device'] == 'cpu' and values['model'] == str(tiny_models[0])
    assert (values['frames_dropped'], values['frames_failed'], values['last_error']) == (
        '0', '0', '')
    assert values['cpu_threads'] == str(torch.get_num_threads())


def test_debug_image_shows_the_network_input_when_asked(ros, tiny_models):  # noqa: F811
    rig = start(ros, tiny_models, publish_debug_image=True)
    crops = []
    rig.io.create_subscription(Image, ros.topic('debug/crop'), crops.append, 10)
    answer = rig.send_frame(synthetic_frame(12))
    assert ros.spin_until(lambda: crops)
    crop = crops[0]
    assert (crop.header, crop.encoding, crop.width, crop.height) == (
        answer.header, 'rgb8', 384, 384)
    pixels = np.frombuffer(bytes(crop.data), np.uint8).reshape(384, 384, 3)
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 10   # a hand and a skeleton


def test_a_failing_cuda_device_falls_back_to_the_cpu_with_one_warning(  # noqa: F811
        ros, tiny_models, monkeypatch, capfd):  # noqa: F811
    # No GPU here: torch is told there is one, so the real CUDA set-up of device 'auto' fails
    # (this CPU build of torch cannot initialise CUDA), as a driver mismatch would.
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)
    rig = start(ros, tiny_models)
    assert rig.node.static_info['device'] == 'cpu'
    assert 'CUDA failed' in rig.node.static_info['slower_than_possible']
    assert rig.send_frame(synthetic_frame(1)).hands
    warnings = [line for line in capfd.readouterr().err.splitlines()
                if '[WARN]' in line and 'CUDA failed' in line]
    assert len(warnings) == 1, warnings


def test_warnings_are_throttled_by_kind_not_by_text():
    assert warning_kind("no camera_info for frame 'a' yet") == warning_kind(
        "no camera_info for frame 'b_longer' yet")
    assert warning_kind('image is 320x240 but the camera info says 640x480') == warning_kind(
        'image is 1x1 but the camera info says 64x48')
    assert warning_kind('depth data truncated') != warning_kind('unsupported depth encoding')


def test_camera_infos_of_many_frame_ids_take_bounded_memory():
    cache = CameraInfoCache(max_cameras=4)
    frame = synthetic_frame(1)
    for index in range(100):
        cache.update(camera_info_msg(frame.camera, Header(frame_id=f'made_up_{index}')))
    assert len(cache) == 4
    assert cache.camera('made_up_99', 'depth/camera_info') == frame.camera
    with pytest.raises(InputError, match='no camera_info'):
        cache.camera('made_up_0', 'depth/camera_info')
