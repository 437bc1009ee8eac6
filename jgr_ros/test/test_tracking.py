# Copyright 2026 jgr_ros contributors. MIT License.
"""HandTracker on sequences of 3-D hand centres (mm): ids across frames."""
from jgr_ros.errors import InputError
from jgr_ros.tracking import HandTracker
import numpy as np
import pytest


def run(tracker: HandTracker, frames: list[list[tuple[float, float, float]]]) -> list[list[int]]:
    return [tracker.update([np.array(center) for center in centers]) for centers in frames]


def test_a_moving_hand_keeps_its_id_and_a_new_one_gets_the_next():
    steps = [[(x, 0.0, 600.0)] for x in np.arange(0.0, 400.0, 40.0)]
    ids = run(HandTracker(), steps + [[(360.0, 0.0, 600.0), (-300.0, 0.0, 500.0)]])
    assert ids == [[1]] * 10 + [[1, 2]]


def test_crossing_hands_keep_their_ids():
    # Two hands pass each other in x, 150 mm apart in depth, 30 mm a frame each.
    frames = [[(-300.0 + 30.0 * step, 0.0, 500.0), (300.0 - 30.0 * step, 0.0, 650.0)]
              for step in range(21)]
    tracker = HandTracker()
    assert run(tracker, frames) == [[1, 2]] * 21
    # In either order of the centres.
    assert run(tracker, [list(reversed(frames[-1]))]) == [[2, 1]]


def test_hands_crossing_at_one_depth_keep_their_ids_by_their_motion():
    # 40 mm a frame each, side by side in x: at the crossing each hand is where the other
    # was a frame ago, so only the predicted centres (constant velocity) tell them apart.
    frames = [[(-100.0 + 40.0 * step, 0.0, 600.0), (100.0 - 40.0 * step, 30.0, 600.0)]
              for step in range(6)]
    assert run(HandTracker(), frames) == [[1, 2]] * 6


def test_a_hand_that_leaves_and_returns_gets_a_new_id():
    tracker = HandTracker()
    hand = [(0.0, 0.0, 600.0)]
    assert run(tracker, [hand, hand, [], hand]) == [[1], [1], [], [2]]
    # A jump beyond the gate is another hand, and ids never come back.
    assert run(tracker, [[(500.0, 0.0, 600.0)], hand]) == [[3], [4]]


def test_empty_frames_give_no_hands_and_end_every_track():
    tracker = HandTracker()
    run(tracker, [[(0.0, 0.0, 600.0), (200.0, 0.0, 600.0)]])
    assert run(tracker, [[], []]) == [[], []]
    assert tracker.tracks == []
    assert run(tracker, [[(0.0, 0.0, 600.0)]]) == [[3]]


def test_reset_ends_the_tracks():
    tracker = HandTracker()
    run(tracker, [[(0.0, 0.0, 600.0)]])
    tracker.reset()
    assert run(tracker, [[(0.0, 0.0, 600.0)]]) == [[2]]


def test_a_track_knows_its_motion():
    tracker = HandTracker()
    run(tracker, [[(0.0, 0.0, 600.0)], [(10.0, -5.0, 610.0)]])
    (track,) = tracker.tracks
    np.testing.assert_allclose(track.velocity_mm, [10.0, -5.0, 10.0])
    np.testing.assert_allclose(track.predicted_mm, [20.0, -10.0, 620.0])


def test_a_gate_must_be_positive():
    with pytest.raises(InputError, match='gate'):
        HandTracker(gate_mm=0.0)
