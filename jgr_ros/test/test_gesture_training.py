# Copyright 2026 jgr_ros contributors. MIT License.
"""The classifier fit and its scores, on exact renderer skeletons with noise added."""
from jgr_ros.gesture_training import (
    confusion_matrix,
    fit_classifiers,
    GESTURE_LABELS,
    GESTURE_SHARE,
    plot_confusion,
    PredictedFrames,
    render_and_predict,
    render_worlds,
    score_frames,
)
from jgr_ros.pipeline import EstimatorConfig, HandPoseEstimator
from jgr_ros.skeletons import get_skeleton
from jgr_ros.synthetic import GESTURES
from jgr_ros.synthetic.hand_model import HandShape, pose_hand
from jgr_ros.synthetic.poses import gesture_pose, natural_pose
from jgr_ros.synthetic.scene import SyntheticConfig
import numpy as np
import pytest

MANO = get_skeleton('mano21')


def skeletons(rng: np.random.Generator, per_class: int, noise_m: float) -> PredictedFrames:
    """Exact gesture and natural-pose skeletons of both sides, 'predicted' with noise."""
    truth, gestures, sides = [], [], []
    for label in GESTURE_LABELS:
        for index in range(per_class):
            shape = HandShape.sample(rng, (0.8, 1.2))
            pose = natural_pose(rng) if label == 'none' else gesture_pose(label, shape, rng)
            geometry = pose_hand(pose, shape)
            side = ('left', 'right')[index % 2]
            truth.append((geometry.mirrored() if side == 'left' else geometry).joints_m)
            gestures.append(label)
            sides.append(side)
    truth_m = np.array(truth)
    predicted_m = truth_m + rng.normal(0.0, noise_m, truth_m.shape)
    predicted_m[0] = np.nan                       # one frame where no hand was found
    return PredictedFrames(predicted_m, truth_m, np.array(gestures), np.array(sides))


def test_classifiers_fitted_on_noisy_skeletons_score_high_on_new_ones():
    rng = np.random.default_rng(0)
    train, held_out = skeletons(rng, 16, 0.002), skeletons(rng, 8, 0.002)
    mlps = fit_classifiers(train, MANO, members=2)
    assert all(len(mlps[name].members) == 2 for name in ('gesture', 'handedness'))
    results = score_frames(held_out, mlps, MANO)
    assert results['hands_found'] == results['frames'] - 1
    assert results['gesture_accuracy_named'] > 0.9
    assert results['handedness']['accuracy_found'] > 0.95
    assert np.sum(results['confusion']) == results['frames']
    assert results['confusion'][0][-1] == 1        # the missed frame: 'no hand'
    assert set(results['per_gesture_accuracy']) == set(GESTURES) | {'none'}


def test_confusion_matrix_counts_and_picture(tmp_path):
    labels = ('a', 'b', 'none')
    matrix = confusion_matrix(np.array(['a', 'a', 'b', 'none']), np.array(['a', 'b', '', 'none']),
                              labels)
    np.testing.assert_array_equal(matrix, [[1, 1, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0]])
    plot_confusion(matrix, labels, tmp_path / 'confusion.png', 'test')
    assert (tmp_path / 'confusion.png').stat().st_size > 0


@pytest.mark.slow
def test_frames_of_two_worlds_are_split_evenly_on_consecutive_seeds():
    estimator = HandPoseEstimator.from_files(device='cpu', config=EstimatorConfig(
        tracking=False, max_hands=1))
    pooled = render_worlds(5_000_000, 4, estimator, ['narrow', 'wide'])
    wide = render_and_predict(range(5_000_002, 5_000_004), estimator,
                              SyntheticConfig(gesture_probability=GESTURE_SHARE))
    assert pooled.truth_m.shape == (4, 21, 3) and len(pooled.sides) == 4
    np.testing.assert_array_equal(pooled.truth_m[2:], wide.truth_m)
    np.testing.assert_array_equal(pooled.gestures[2:], wide.gestures)
    assert not np.array_equal(pooled.truth_m[:2], render_and_predict(
        range(5_000_000, 5_000_002), estimator, SyntheticConfig(
            gesture_probability=GESTURE_SHARE)).truth_m)   # the first two: the narrow world
