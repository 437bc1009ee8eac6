# Copyright 2026 jgr_ros contributors. MIT License.
"""The teleoperation logic: stop, fist strokes, pointing, limits and the deadman."""
from jgr_ros.errors import InputError
from jgr_ros.teleop import GestureTeleop, TeleopConfig, TeleopHand
import numpy as np
import pytest

INDEX_MCP, INDEX_TIP = np.array([0.0, 0.0, 0.5]), np.array([0.0, -0.08, 0.5])


def hand(gesture: str, wrist=(0.0, 0.0, 0.5)) -> TeleopHand:
    return TeleopHand(gesture, np.array(wrist, dtype=float), INDEX_MCP, INDEX_TIP)


def test_open_palm_and_other_gestures_stop():
    teleop = GestureTeleop()
    for gesture in ('open_palm', 'victory', 'none', ''):
        np.testing.assert_array_equal(teleop.on_hand(hand(gesture), 0.0), np.zeros(3))


def test_a_fist_commands_its_displacement_since_it_closed_times_the_gain():
    teleop = GestureTeleop(TeleopConfig(gain_per_s=2.0, max_speed_m_s=1.0))
    np.testing.assert_array_equal(teleop.on_hand(hand('fist', (0.1, 0.0, 0.5)), 0.0),
                                  np.zeros(3))
    np.testing.assert_allclose(teleop.on_hand(hand('fist', (0.15, 0.0, 0.48)), 0.1),
                               [0.1, 0.0, -0.04])
    teleop.on_hand(hand('open_palm', (0.15, 0.0, 0.48)), 0.2)    # the stroke ends
    np.testing.assert_array_equal(teleop.on_hand(hand('fist', (0.15, 0.0, 0.48)), 0.3),
                                  np.zeros(3))


def test_small_displacements_are_ignored_and_speed_is_limited():
    teleop = GestureTeleop(TeleopConfig(gain_per_s=2.0, max_speed_m_s=0.25, deadband_m=0.01))
    teleop.on_hand(hand('fist'), 0.0)
    np.testing.assert_array_equal(teleop.on_hand(hand('fist', (0.005, 0.0, 0.5)), 0.1),
                                  np.zeros(3))
    fast = teleop.on_hand(hand('fist', (0.5, 0.0, 0.5)), 0.2)
    assert np.linalg.norm(fast) == pytest.approx(0.25) and fast[0] > 0.0


def test_pointing_moves_along_the_index_finger():
    velocity = GestureTeleop(TeleopConfig(point_speed_m_s=0.1)).on_hand(hand('point'), 0.0)
    np.testing.assert_allclose(velocity, [0.0, -0.1, 0.0])


def test_the_deadman_sends_one_zero_after_the_timeout_then_nothing():
    teleop = GestureTeleop(TeleopConfig(timeout_s=0.5))
    assert teleop.on_tick(0.0) is None                       # never started: silent
    teleop.on_hand(hand('point'), 1.0)
    assert teleop.on_tick(1.4) is None
    np.testing.assert_array_equal(teleop.on_tick(1.5), np.zeros(3))
    assert teleop.on_tick(1.6) is None and teleop.on_tick(5.0) is None


@pytest.mark.parametrize('values', [{'timeout_s': 0.0}, {'max_speed_m_s': -1.0},
                                    {'gain_per_s': float('inf')}])
def test_bad_settings_are_refused(values):
    with pytest.raises(InputError):
        TeleopConfig(**values)
