# Copyright 2026 jgr_ros contributors. MIT License.
"""Gesture features, the shipped classifier on exact skeletons, and debouncing."""
from jgr_ros.errors import InputError
from jgr_ros.gestures import (
    DebounceConfig,
    gesture_features,
    GestureClassifier,
    GestureDebouncer,
    NO_GESTURE,
)
from jgr_ros.hand_state import HandClassifiers
from jgr_ros.mlp import fit_mlp, FitConfig
from jgr_ros.skeletons import get_skeleton
from jgr_ros.synthetic import GESTURES
from jgr_ros.synthetic.hand_model import HandShape, pose_hand
from jgr_ros.synthetic.poses import gesture_pose
import numpy as np
import pytest

MANO = get_skeleton('mano21')
LABELS = ('fist', 'open_palm', NO_GESTURE)


def test_features_ignore_position_rotation_size_and_mirroring():
    joints_m = pose_hand(gesture_pose('rock')).joints_m
    rotation, _ = np.linalg.qr(np.random.default_rng(3).normal(size=(3, 3)))
    mirrored_moved = 1.1 * joints_m @ rotation.T @ np.diag([-1.0, 1.0, 1.0]) + [0.2, 0.1, 0.7]
    features = gesture_features(joints_m, MANO)
    assert features.shape == (210,)
    np.testing.assert_allclose(gesture_features(mirrored_moved, MANO), features, atol=1e-9)


def test_the_shipped_classifier_names_exact_gesture_skeletons_of_random_hands():
    classifier = HandClassifiers.load(None, MANO).gesture
    assert set(GESTURES) | {NO_GESTURE} == set(classifier.labels)
    rng = np.random.default_rng(11)
    wrong = []
    for gesture in GESTURES:
        for _ in range(5):
            shape = HandShape.sample(rng, (0.8, 1.2))
            guess = classifier.guess(pose_hand(gesture_pose(gesture, shape, rng), shape).joints_m)
            if guess.label != gesture:
                wrong.append((gesture, guess))
    assert len(wrong) <= 2, wrong      # of 55


def test_a_classifier_without_a_none_class_is_refused():
    mlp = fit_mlp(np.eye(4), np.array([0, 1, 0, 1]), ('a', 'b'), FitConfig(steps=1))
    with pytest.raises(InputError, match='none'):
        GestureClassifier(mlp, MANO)


def probabilities(label: str, confidence: float) -> np.ndarray:
    values = np.full(len(LABELS), (1.0 - confidence) / (len(LABELS) - 1))
    values[LABELS.index(label)] = confidence
    return values


def reported(debouncer: GestureDebouncer, frames) -> list[str]:
    return [debouncer.update(probabilities(*frame)).label for frame in frames]


def test_a_gesture_is_reported_once_it_held_min_frames():
    debouncer = GestureDebouncer(LABELS, DebounceConfig(min_frames=3))
    assert reported(debouncer, [('fist', 0.9)] * 4) == ['none', 'none', 'fist', 'fist']
    assert debouncer.reported.confidence == pytest.approx(0.9)


def test_hysteresis_keeps_a_fading_gesture_and_drops_a_gone_one():
    debouncer = GestureDebouncer(LABELS, DebounceConfig(min_frames=2, min_confidence=0.6,
                                                        keep_confidence=0.3))
    reported(debouncer, [('fist', 0.9)] * 2)
    # Below min_confidence but above keep_confidence: kept.
    assert reported(debouncer, [('fist', 0.45)] * 5) == ['fist'] * 5
    # Another gesture wins confidently while the fist keeps 0.35 > 0.3: the fist stays until
    # the new one's average over min_frames frames reaches min_confidence.
    mixed = np.array([0.35, 0.65, 0.0])
    assert [debouncer.update(mixed).label for _ in range(2)] == ['fist', 'open_palm']
    # No confident guess and the open palm below keep_confidence: 'none' after min_frames.
    assert reported(debouncer, [('fist', 0.5)] * 2) == ['open_palm', 'none']


def test_one_noisy_frame_is_outvoted_not_a_veto():
    debouncer = GestureDebouncer(LABELS, DebounceConfig(min_frames=3))
    frames = [('fist', 0.9), ('open_palm', 0.7), ('fist', 0.9), ('fist', 0.9)]
    assert reported(debouncer, frames) == ['none', 'none', 'fist', 'fist']


def test_one_stray_frame_does_not_switch():
    debouncer = GestureDebouncer(LABELS, DebounceConfig(min_frames=3))
    frames = [('fist', 0.9)] * 3 + [('open_palm', 0.9)] + [('fist', 0.9)] * 2
    assert reported(debouncer, frames)[2:] == ['fist'] * 4


def test_bad_debounce_settings_are_refused():
    with pytest.raises(InputError):
        DebounceConfig(min_frames=0)
    with pytest.raises(InputError):
        DebounceConfig(min_confidence=0.3, keep_confidence=0.5)
