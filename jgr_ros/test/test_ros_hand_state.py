# Copyright 2026 jgr_ros contributors. MIT License.
"""
hand_pose_node's per-track outputs over real DDS: gesture, handedness, pinch, grab, smoothing.

The node runs small untrained pose models (see test_ros_hand_pose_node.py) with the shipped
classifiers: the joints are meaningless, the plumbing is what is tested.
"""
import functools

import numpy as np
import pytest
from ros_harness import ros  # noqa: F401, I100  (fixture)

pytest.importorskip('jgr_msgs.msg', reason='jgr_msgs is not built: run ./setup.sh and source '
                                           'tools/env.sh')
from jgr_msgs.msg import HandPose  # noqa: E402, I100
from jgr_ros.gestures import NO_GESTURE  # noqa: E402
from jgr_ros.hand_state import HandClassifiers  # noqa: E402
from jgr_ros.ros.conversions import joints_from_msg  # noqa: E402
from jgr_ros.skeletons import get_skeleton  # noqa: E402
from rclpy.parameter import Parameter  # noqa: E402
from ros_fixtures import (  # noqa: E402
    moving_hand,
    node_on_models,
    synthetic_frame,
    write_tiny_models,
)

pytestmark = pytest.mark.ros
MANO = get_skeleton('mano21')


@pytest.fixture(scope='module')
def tiny_models(tmp_path_factory):
    return write_tiny_models(tmp_path_factory.mktemp('models'))


start = functools.partial(node_on_models, tracking=False)   # independent frames


def position(pose) -> np.ndarray:
    return np.array([pose.position.x, pose.position.y, pose.position.z])


def test_a_hand_carries_its_gesture_handedness_pinch_and_grab(ros, tiny_models):  # noqa: F811
    rig = start(ros, tiny_models, gesture_min_frames=1)
    classifier = HandClassifiers.load(None, MANO).gesture
    for seed in (1, 2):
        (hand,) = rig.send_frame(synthetic_frame(seed)).hands
        joints_m = joints_from_msg(hand)
        guess = classifier.guess(joints_m)
        assert hand.gesture == ('' if guess.label == NO_GESTURE or guess.confidence < 0.6
                                else guess.label)
        assert 0.0 <= hand.gesture_confidence <= 1.0
        assert hand.handedness in (HandPose.HANDEDNESS_LEFT, HandPose.HANDEDNESS_RIGHT)
        assert 0.5 <= hand.handedness_confidence <= 1.0
        thumb, index = (joints_m[MANO.index(name)] for name in ('thumb_tip', 'index_tip'))
        assert hand.pinch_distance == pytest.approx(np.linalg.norm(thumb - index), abs=1e-6)
        assert 0.0 <= hand.pinch_strength <= 1.0 and 0.0 <= hand.grab_strength <= 1.0


def test_a_gesture_waits_for_gesture_min_frames(ros, tiny_models):  # noqa: F811
    rig = start(ros, tiny_models, gesture_min_frames=3, gesture_min_confidence=0.0,
                gesture_keep_confidence=0.0)   # every guess counts
    classifier = HandClassifiers.load(None, MANO).gesture
    label = NO_GESTURE
    for seed in (1, 2, 3, 4, 5, 6):   # a hand found, which the classifier does not call 'none'
        frame = synthetic_frame(seed)
        hands = rig.send_frame(frame).hands
        label = classifier.guess(joints_from_msg(hands[0])).label if hands else NO_GESTURE
        if label != NO_GESTURE:
            first = hands[0]
            break
        assert rig.send_depth(np.full(frame.depth_mm.shape, 2500, np.uint16),
                              frame.camera).hands == []   # no hand: the next is a new track
    assert label != NO_GESTURE, 'no test frame shows a gesture to the classifier'
    gestures = [first.gesture] + [rig.send_frame(frame).hands[0].gesture for _ in range(2)]
    assert gestures == ['', '', label]


def test_wrist_pose_is_smoothed_by_default_and_raw_on_request(ros, tiny_models):  # noqa: F811
    rig = start(ros, tiny_models)
    video = moving_hand(1, 3)   # one track
    first = rig.send_frame(video[0]).hands[0]
    second = rig.send_frame(video[1]).hands[0]
    assert second.track_id == first.track_id
    raw_first, raw_second = joints_from_msg(first)[0], joints_from_msg(second)[0]
    np.testing.assert_allclose(position(first.wrist), raw_first, atol=1e-9)   # first: as is
    # One Euro moves from the last filtered wrist towards the new one, part of the way.
    step = raw_second - raw_first
    share = np.dot(position(second.wrist) - raw_first, step) / np.dot(step, step)
    np.testing.assert_allclose(position(second.wrist), raw_first + share * step, atol=1e-6)
    assert 0.0 < share < 1.0
    assert ros.spin_until(lambda: len(rig.wrists) == 2)
    np.testing.assert_allclose(position(rig.wrists[1].pose), position(second.wrist))
    assert rig.node.set_parameters([Parameter('smooth_wrist', value=False)])[0].successful
    third = rig.send_frame(video[2]).hands[0]
    np.testing.assert_allclose(position(third.wrist), joints_from_msg(third)[0], atol=1e-9)


def test_smooth_joints_publishes_the_filtered_joints(ros, tiny_models):  # noqa: F811
    rig = start(ros, tiny_models)
    video = moving_hand(1, 2)   # one track
    raw_first = joints_from_msg(rig.send_frame(video[0]).hands[0])
    raw_second = joints_from_msg(rig.send_frame(video[1]).hands[0])
    assert rig.node.set_parameters([Parameter('smooth_joints', value=True)])[0].successful
    smoothed = rig.send_frame(video[0]).hands[0]
    joints_m = joints_from_msg(smoothed)
    # The filter has followed every frame: its joints lie between the two raw hands it saw,
    # each joint on the segment joining them, short of frame 1's raw joints.
    step = raw_second - raw_first
    shares = np.sum((joints_m - raw_first) * step, axis=1) / np.sum(step * step, axis=1)
    np.testing.assert_allclose(joints_m, raw_first + shares[:, None] * step, atol=1e-6)
    assert np.all((shares > 0.0) & (shares < 1.0))
    np.testing.assert_allclose(position(smoothed.wrist), joints_m[0], atol=1e-6)


def test_inconsistent_gesture_thresholds_are_refused_at_run_time(ros, tiny_models):  # noqa: F811,E501
    rig = start(ros, tiny_models)
    result = rig.node.set_parameters([Parameter('gesture_keep_confidence', value=0.9)])[0]
    assert not result.successful and 'keep_confidence' in result.reason
    result = rig.node.set_parameters([Parameter('one_euro_beta', value=5.0)])[0]
    assert result.successful
