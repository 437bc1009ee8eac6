# Copyright 2026 jgr_ros contributors. MIT License.
"""Pinch and grab from the renderer's exact gesture skeletons."""
from jgr_ros.controls import ControlsConfig, finger_curl_rad, hand_controls
from jgr_ros.errors import InputError
from jgr_ros.skeletons import get_skeleton
from jgr_ros.synthetic.hand_model import HandShape, pose_hand
from jgr_ros.synthetic.poses import gesture_pose
import numpy as np
import pytest

MANO = get_skeleton('mano21')


def gesture_joints_m(name: str) -> np.ndarray:
    """Return the renderer's exact gesture template on the average hand, metres."""
    return pose_hand(gesture_pose(name, HandShape()), HandShape()).joints_m


def test_pinch_touching_is_full_strength_and_an_open_hand_none():
    pinch = hand_controls(gesture_joints_m('pinch'), MANO)
    open_palm = hand_controls(gesture_joints_m('open_palm'), MANO)
    assert pinch.pinch_distance_m < 0.005 and pinch.pinch_strength == 1.0
    assert open_palm.pinch_distance_m > 0.06 and open_palm.pinch_strength == 0.0


def test_grab_is_zero_flat_one_in_a_fist_and_between_for_a_relaxed_pinch():
    grabs = {name: hand_controls(gesture_joints_m(name), MANO).grab_strength
             for name in ('open_palm', 'fist', 'pinch')}
    assert grabs['open_palm'] < 0.1
    assert grabs['fist'] == 1.0
    assert 0.2 < grabs['pinch'] < 0.8


def test_controls_do_not_depend_on_position_rotation_or_mirroring():
    joints_m = gesture_joints_m('pinch')
    rotation, _ = np.linalg.qr(np.random.default_rng(1).normal(size=(3, 3)))  # any, mirrored
    moved = joints_m @ rotation.T + [0.1, -0.2, 0.6]
    np.testing.assert_allclose(finger_curl_rad(moved, MANO), finger_curl_rad(joints_m, MANO))
    a, b = hand_controls(moved, MANO), hand_controls(joints_m, MANO)
    assert a.pinch_distance_m == pytest.approx(b.pinch_distance_m)
    assert a.grab_strength == pytest.approx(b.grab_strength)


def test_bad_settings_are_refused():
    with pytest.raises(InputError):
        ControlsConfig(pinch_closed_palms=1.0, pinch_open_palms=0.5)
