# Copyright 2026 jgr_ros contributors. MIT License.
"""The detector evaluation: matching, the sets, and a short run with the shipped networks."""
from dataclasses import replace

from jgr_ros.detector import HandDetector
from jgr_ros.networks import CenterRefiner, PoseModel
from jgr_ros.pipeline import EstimatorConfig, HandPoseEstimator
from jgr_ros.training.detection import detector_world, HandFrames
from jgr_ros.training.detection_eval import (
    detection_frame,
    evaluate_set,
    match,
    MATCH_MM,
    miss_causes,
    nearest_mm,
    SEEN_JOINT_BINS,
    SETS,
    SetTally,
    summary,
    tally_frame,
)
import numpy as np
import pytest


def test_matching_pairs_nearest_first_within_the_threshold_each_once():
    hands_mm = np.array([[0.0, 0.0, 500.0], [100.0, 0.0, 500.0]])
    found_mm = np.array([[5.0, 0.0, 500.0], [12.0, 0.0, 500.0], [100.0, 0.0, 560.0]])
    assert match(hands_mm, found_mm) == [(0, 0)]   # the second hand's detection is 60 mm off
    assert match(hands_mm, found_mm[1:2]) == [(0, 0)]
    assert match(hands_mm, np.zeros((0, 3))) == []
    np.testing.assert_allclose(nearest_mm(hands_mm, found_mm), [5.0, 60.0])
    assert np.all(np.isinf(nearest_mm(hands_mm, np.zeros((0, 3)))))
    assert MATCH_MM == 30.0


def test_sets_label_their_hands():
    (hard,) = list(SETS['hard'](1))
    assert hard.centers_mm.shape == (1, 3) and hard.unlabelled_mm.shape[1] == 3
    two = list(SETS['two_hands'](8))
    assert all(len(frame.centers_mm) + frame.hidden in (1, 2) for frame in two)
    assert any(len(frame.centers_mm) == 2 for frame in two)
    (empty,) = list(SETS['no_hands'](1))
    assert empty.centers_mm.shape == (0, 3)


def test_a_hidden_hand_is_neither_found_nor_missed():
    frames = HandFrames(range(20_000, 20_010), config=detector_world(1.0),
                        no_hand_probability=0.0)
    two = next(frame for frame in frames if len(frame.centers_mm) == 2)
    hidden = detection_frame(replace(two, depth_mm=np.full_like(two.depth_mm, 150.0)),
                             np.zeros((0, 3)))   # a board right in front of the camera
    assert hidden.centers_mm.shape == (0, 3) and hidden.hidden == 2
    np.testing.assert_allclose(hidden.unlabelled_mm, two.centers_mm)
    detections = np.column_stack([two.camera.project_uvd(two.centers_mm).reshape(-1, 3),
                                  [0.9, 0.9]]).astype(np.float32)
    tally = SetTally()
    tally_frame(tally, hidden, detections, 0.5)
    numbers = summary(tally, 0.5)
    assert numbers['hands'] == 0 and numbers['hidden_hands'] == 2
    assert numbers['detections'] == 0 and numbers['two_hand_frames'] == 0


def test_recall_is_broken_down_by_the_view_and_the_seen_joints_of_each_shown_hand():
    frames = HandFrames(range(20_000, 20_010), config=detector_world(1.0),
                        no_hand_probability=0.0)
    two = detection_frame(next(frame for frame in frames if len(frame.centers_mm) == 2),
                          np.zeros((0, 3)))
    assert len(two.views) == 2
    first_only = np.column_stack([two.camera.project_uvd(two.centers_mm[:1]).reshape(-1, 3),
                                  [0.9]]).astype(np.float32)
    tally = SetTally()
    tally_frame(tally, two, first_only, 0.5)
    by_view = summary(tally, 0.5)['recall_by_view']
    assert sum(row['hands'] for name, row in by_view.items() if name.startswith('palm=')) == 2
    first, second = (f'fingers={view.fingers}' for view in two.views)
    assert by_view[first]['recall'] == (1.0 if first != second else 0.5)
    by_seen = summary(tally, 0.5)['recall_by_seen_joints']
    assert list(by_seen) == [f'seen_joints={low}-{high}' for low, high in SEEN_JOINT_BINS]
    assert sum(row['hands'] for row in by_seen.values()) == 2
    first, second = (next(name for name, (low, high) in zip(by_seen, SEEN_JOINT_BINS)
                          if low <= seen <= high) for seen in two.seen_joints)
    assert by_seen[first]['recall'] == (1.0 if first != second else 0.5)


def test_each_missed_hand_is_put_down_to_the_first_stage_that_lost_it():
    frames = HandFrames(range(20_000, 20_010), config=detector_world(1.0),
                        no_hand_probability=0.0)
    two = detection_frame(next(frame for frame in frames if len(frame.centers_mm) == 2),
                          np.zeros((0, 3)))
    first, second = two.camera.project_uvd(two.centers_mm).reshape(-1, 3)

    def hands(*uvd):
        return np.array([[*point, 0.9] for point in uvd], np.float32).reshape(-1, 4)

    deeper = first + [0.0, 0.0, 2 * MATCH_MM]        # on the hand in the image, 60 mm behind it
    off = first + [0.0, 0.0, 1.5 * MATCH_MM]
    assert miss_causes(two, hands(), hands(), 0.1) == ['no_peak', 'no_peak']
    assert miss_causes(two, hands(deeper, second), hands(second), 0.1) == ['peak_depth_off']
    assert miss_causes(two, hands(first, second), hands(second), 0.1) == ['dropped']
    assert miss_causes(two, hands(first, second), hands(off, second), 0.1) == ['reported_off']
    assert miss_causes(two, hands(first, second), hands(first, second), 0.1) == []
    assert miss_causes(two, hands(first, second), hands(first, second), 0.95) == ['dropped'] * 2


@pytest.mark.slow
def test_a_short_run_scores_detector_and_pipeline():
    detector = HandDetector(device='cpu')
    estimator = HandPoseEstimator(PoseModel(device='cpu'), CenterRefiner(device='cpu'),
                                  EstimatorConfig(tracking=False), detector)
    # 8 frames: the pipeline finds 6 (7 with the detector in fp32), so the median is a found one
    tallies = evaluate_set(detector, estimator, SETS['synthetic'](8))
    for stage, threshold in (('detector', 0.5), ('pipeline', 0.1)):
        numbers = summary(tallies[stage], threshold)
        assert numbers['frames'] == numbers['hands'] == 8
        assert 0.0 <= numbers['recall'] <= 1.0 and numbers['detections'] >= 1
        assert set(numbers['sweep']) == {'0.1', '0.2', '0.3', '0.4', '0.5', '0.6', '0.7'}
    pipeline = summary(tallies['pipeline'], 0.1)
    assert pipeline['median_center_error_mm'] < 30.0
    missed = pipeline['hands'] - round(pipeline['recall'] * pipeline['hands'])
    assert sum(pipeline['missed_by_cause'].values()) == missed
    assert 'missed_by_cause' not in summary(tallies['detector'], 0.5)
