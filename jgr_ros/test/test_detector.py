# Copyright 2026 jgr_ros contributors. MIT License.
"""The learned localiser: its settings, its peaks (hands, weak and faint ones), wide frames."""
from jgr_ros.detector import DetectorConfig, HandDetector
from jgr_ros.detector_net import detector_input
from jgr_ros.errors import InputError
from jgr_ros.training.detection_eval import MATCH_MM, nearest_mm, SETS
import numpy as np
import pytest


@pytest.mark.parametrize('settings, name', [
    ({'min_score': 1.0}, 'min_score'),
    ({'confirm_score': 0.5}, 'confirm_score'),          # above min_score 0.4
    ({'candidate_score': 0.35}, 'candidate_score'),     # above confirm_score 0.3
    ({'candidate_score': 0.0}, 'candidate_score'),
])
def test_settings_that_cannot_work_are_refused_by_name(settings, name):
    with pytest.raises(InputError, match=name):
        DetectorConfig(**settings)


def test_peaks_are_hands_weak_or_faint_by_score():
    frame = next(SETS['two_hands'](1))
    detector = HandDetector(device='cpu')
    scores = np.sort(detector.detect(frame.depth_mm, 10, 0.01)[:, 3])[::-1]
    assert len(scores) >= 4, scores
    # Thresholds between the frame's four best peaks: one peak in each band, the rest below.
    between = (scores[:3] + scores[1:4]) / 2.0
    detector.config = DetectorConfig(*between)
    found = detector.locate_hands(frame.depth_mm, frame.camera, 10)
    bands = [[detection.score for detection in detections]
             for detections in (found, found.weak, found.faint)]
    np.testing.assert_allclose(bands, [[scores[0]], [scores[1]], [scores[2]]], rtol=1e-6)
    assert found.reason == ''
    detector.config = DetectorConfig(0.99, *between[1:3])
    found = detector.locate_hands(frame.depth_mm, frame.camera, 10)
    assert list(found) == [] and 'no hand scoring at least 0.99' in found.reason
    assert [len(found.weak), len(found.faint)] == [2, 1]


def test_hands_in_the_right_part_of_16_by_9_frames_are_found_where_they_are():
    frames = list(SETS['hard_16x9'](13))
    detector = HandDetector(device='cpu')
    for frame in (frames[1], frames[7], frames[10], frames[12]):   # 848x480 and 1280x720
        height, width = frame.depth_mm.shape
        assert detector_input(frame.depth_mm).shape == (120, 208 if width == 848 else 216)
        assert frame.camera.project(frame.centers_mm)[0, 0] > height * 4 / 3   # past 4:3
        found = detector.locate_hands(frame.depth_mm, frame.camera, 2)
        centers_mm = np.array([hand.center_mm for hand in found]).reshape(-1, 3)
        assert nearest_mm(frame.centers_mm, centers_mm)[0] <= MATCH_MM
