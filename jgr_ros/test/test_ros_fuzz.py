# Copyright 2026 jgr_ros contributors. MIT License.
"""
A bounded fuzz of hand_pose_node over DDS (jgr_ros.ros.fuzz; the 10,000-message run is a script).

Every kind of bad input, a few hundred messages: no traceback, no hand from them, and the valid
frames after each burst are read right.
"""
import pytest

pytest.importorskip('rclpy', reason='rclpy is not importable: run ./setup.sh and source '
                                    'tools/env.sh')
pytest.importorskip('jgr_msgs.msg', reason='jgr_msgs is not built: run ./setup.sh and source '
                                           'tools/env.sh')
from jgr_ros.ros.fuzz import BAD_KINDS, run_fuzz  # noqa: E402, I100

pytestmark = [pytest.mark.ros, pytest.mark.slow]


def test_bad_input_never_kills_the_node_nor_makes_a_hand_and_valid_frames_stay_right():
    report = run_fuzz(messages=300, seed=3, burst_messages=(5, 9))
    assert report.bursts >= len(BAD_KINDS)   # every kind at least once
    assert report.tracebacks == 0
    assert report.hands_from_bad_input == []
    assert report.wrong_valid_frames == []
    assert report.camera_infos_kept <= 16    # made-up frame_ids do not grow the node's memory
    assert report.warning_lines < report.bad_messages / 4   # throttled by kind
