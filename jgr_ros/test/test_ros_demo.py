# Copyright 2026 jgr_ros contributors. MIT License.
"""The demo (./demo.sh) end to end: both nodes in one process, summary and picture written."""
import json
import random

import cv2
import pytest

pytest.importorskip('jgr_msgs.msg', reason='jgr_msgs is not built: run ./setup.sh and source '
                                           'tools/env.sh')
from jgr_ros.ros import demo  # noqa: E402, I100
from ros_fixtures import write_tiny_models  # noqa: E402

pytestmark = pytest.mark.ros


@pytest.fixture(autouse=True)
def isolated_domain(monkeypatch):
    """Put the demo, which joins the default domain, on one that no other run uses."""
    monkeypatch.setenv('ROS_DOMAIN_ID', str(random.randint(101, 200)))
    monkeypatch.setenv('ROS_AUTOMATIC_DISCOVERY_RANGE', 'LOCALHOST')


def test_demo_answers_every_frame_and_writes_summary_and_picture(tmp_path, capsys):
    pose_path, center_path = write_tiny_models(tmp_path)
    output = tmp_path / 'demo'
    status = demo.main(['--frames', '6', '--rate', '5', '--encoding', '32FC1',
                        '--output', str(output), '--model', str(pose_path),
                        '--center-model', str(center_path)])
    assert status == 0
    summary = json.loads((output / 'summary.json').read_text())
    # A frame overtaken by the next one while the network is busy is dropped, never queued;
    # the first may come before its camera_info and be skipped.
    assert summary['frames_published'] == 6
    assert summary['frames_answered'] + summary['frames_dropped'] + summary['frames_skipped'] == 6
    assert summary['frames_answered'] >= 3
    # The tiny pose network is untrained: the hand verifier doubts some of the crops it centres
    # (here 3 of 6 frames kept their hand), so only "hands reach the summary" is checked.
    assert summary['frames_with_hand'] >= 1
    assert summary['mean_error_mm'] > 0.0 and summary['latency_p50_ms'] > 0.0
    assert (summary['encoding'], summary['model']) == ('32FC1', str(pose_path))
    picture = cv2.imread(summary['picture'])
    assert picture.shape == (480 + 30, 640 + 480, 3)   # frame, square zoom, caption band
    printed = capsys.readouterr().out
    assert 'mean error' in printed and 'mean_error_mm' in printed


def test_demo_without_a_model_file_exits_non_zero_naming_the_path(tmp_path, capsys):
    missing = tmp_path / 'nowhere' / 'jgr_p2o_mano21.pt'
    assert demo.main(['--frames', '1', '--model', str(missing),
                      '--output', str(tmp_path)]) == 1
    assert str(missing) in capsys.readouterr().err
