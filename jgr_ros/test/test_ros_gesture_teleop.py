# Copyright 2026 jgr_ros contributors. MIT License.
"""
gesture_teleop_node behind the live hand_pose_node (shipped models) over real DDS.

A scripted depth camera shows rendered hands: an open palm held still, then a fist moved to the
camera's right, then no hand. The teleop node must stop on the palm, move on the fist (towards
+x, the way the fist went), and send exactly one zero Twist after the hand is lost.
"""
from dataclasses import replace

import numpy as np
import pytest
from ros_harness import ros  # noqa: F401, I100  (fixture)

pytest.importorskip('jgr_msgs.msg', reason='jgr_msgs is not built: run ./setup.sh and source '
                                           'tools/env.sh')
from geometry_msgs.msg import Twist  # noqa: E402, I100
from jgr_ros import networks  # noqa: E402
from jgr_ros.ros.gesture_teleop_node import GestureTeleopNode  # noqa: E402
from jgr_ros.synthetic import get_camera_preset, SyntheticConfig  # noqa: E402
from jgr_ros.synthetic import SyntheticHandGenerator  # noqa: E402
from jgr_ros.synthetic.scene import sample_scene, Scene  # noqa: E402
from rclpy.parameter import Parameter  # noqa: E402
from ros_fixtures import CAMERA_PRESET, NodeRig  # noqa: E402

pytestmark = [pytest.mark.ros, pytest.mark.slow]
TIMEOUT_S = 0.5
# A right hand facing the camera half a metre away, nothing around it, with sensor noise.
EASY_WORLD = SyntheticConfig.narrow(
    distance_range_m=(0.45, 0.55), gesture_probability=1.0, left_hand_probability=0.0,
    any_rotation_probability=0.0, body_probability=0.0, wall_probability=0.0,
    table_probability=0.0, distractor_probability=0.0, sensor_probability=1.0)
# Seeds whose scenes the shipped pipeline classifies right (checked when they were chosen; the
# classifiers of the eighth session call 8,000,001's fist a fist only from its 7th frame, too
# late for the motion below, and 8,000,002-8,000,004's from the 3rd, 2nd and 3rd).
PALM_SEED, FIST_SEED = 8_000_000, 8_000_002
FIST_STEP_M = 0.01
FAR_WALL_MM = 2500   # beyond the working range: no hand


@pytest.fixture(scope='module')
def generator():
    for name in (networks.DEFAULT_POSE_MODEL, networks.DEFAULT_CENTER_MODEL):
        if not networks.shipped_model_path(name).is_file():
            pytest.skip(f'shipped model not there yet: {name}')
    return SyntheticHandGenerator(get_camera_preset(CAMERA_PRESET))


def scene(generator, gesture: str, seed: int) -> Scene:
    return sample_scene(np.random.default_rng(seed), generator.camera,
                        replace(EASY_WORLD, gestures=(gesture,)))


def moved(scene_: Scene, shift_m: np.ndarray) -> Scene:
    return replace(scene_, hand=scene_.hand.transformed(np.eye(3), shift_m),
                   joints_m=scene_.joints_m + shift_m.astype(np.float32))


def show(rig: NodeRig, generator, scene_: Scene, seed: int, frame: int):
    rendered = generator.render(scene_, np.random.default_rng((seed, frame)))
    answer = rig.send_depth(rendered.depth_mm, rendered.camera)
    assert answer is not None and answer.hands, f'no hand found in frame {frame} of {seed}'
    return answer.hands[0]


def test_palm_stops_fist_moves_and_a_lost_hand_gets_one_zero_twist(ros, generator):  # noqa: F811,E501
    rig = NodeRig(ros, device='cpu')
    teleop = GestureTeleopNode(context=ros.context, namespace=ros.prefix, parameter_overrides=[
        Parameter('timeout_s', value=TIMEOUT_S)])
    ros.executor.add_node(teleop)
    ros.nodes.append(teleop)
    twists: list[Twist] = []
    rig.io.create_subscription(Twist, ros.topic('cmd_vel'), twists.append, 50)
    assert ros.spin_until(lambda: teleop.count_publishers(ros.topic('hand_poses')) == 1
                          and rig.io.count_publishers(ros.topic('cmd_vel')) == 1)

    palm = scene(generator, 'open_palm', PALM_SEED)
    hands = [show(rig, generator, palm, PALM_SEED, frame) for frame in range(5)]
    assert hands[-1].gesture == 'open_palm'
    assert ros.spin_until(lambda: len(twists) >= 5)
    assert all(twist == Twist() for twist in twists), 'open palm must command zero'

    fist = scene(generator, 'fist', FIST_SEED)
    shifts = [np.array([FIST_STEP_M * frame, 0.0, 0.0]) for frame in range(8)]
    hands = [show(rig, generator, moved(fist, shift), FIST_SEED, frame)
             for frame, shift in enumerate(shifts)]
    assert hands[-1].gesture == 'fist'
    assert ros.spin_until(lambda: len(twists) >= 13)
    last = twists[-1].linear
    assert last.x > 0.05 and abs(last.x) > 2 * max(abs(last.y), abs(last.z)), last

    count = len(twists)
    assert rig.send_depth(np.full((480, 640), FAR_WALL_MM, np.uint16),
                          generator.camera).hands == []
    ros.spin_until(lambda: False, timeout_s=4 * TIMEOUT_S)
    assert twists[count:] == [Twist()], 'one zero Twist after the hand is lost, then nothing'
