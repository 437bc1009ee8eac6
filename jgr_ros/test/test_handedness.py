# Copyright 2026 jgr_ros contributors. MIT License.
"""Handedness: chirality features, the shipped classifier on exact hands, evidence over a track."""
from jgr_ros.errors import InputError
from jgr_ros.hand_state import HandClassifiers
from jgr_ros.handedness import (
    chirality_features,
    EvidenceConfig,
    HandednessEvidence,
    LEFT,
    RIGHT,
)
from jgr_ros.skeletons import get_skeleton
from jgr_ros.synthetic import GESTURES
from jgr_ros.synthetic.hand_model import HandShape, pose_hand
from jgr_ros.synthetic.poses import gesture_pose
import numpy as np
import pytest

MANO = get_skeleton('mano21')


def random_rotation(rng: np.random.Generator) -> np.ndarray:
    q, r = np.linalg.qr(rng.normal(size=(3, 3)))
    q *= np.sign(np.diag(r))
    return q * np.linalg.det(q)        # a proper rotation: no mirroring


def test_a_mirrored_hand_has_the_same_features_with_z_negated():
    geometry = pose_hand(gesture_pose('point'))
    right = chirality_features(geometry.joints_m, MANO).reshape(-1, 3)
    left = chirality_features(geometry.mirrored().joints_m, MANO).reshape(-1, 3)
    np.testing.assert_allclose(left, right * [1.0, 1.0, -1.0], atol=1e-9)
    assert np.all(chirality_features(np.zeros((21, 3)), MANO) == 0.0)   # degenerate palm


def test_the_shipped_classifier_tells_exact_left_and_right_hands_in_any_orientation():
    classifier = HandClassifiers.load(None, MANO).handedness
    rng = np.random.default_rng(5)
    wrong = 0
    for gesture in GESTURES:
        for side in (LEFT, RIGHT):
            shape = HandShape.sample(rng, (0.8, 1.2))
            geometry = pose_hand(gesture_pose(gesture, shape, rng), shape)
            if side == LEFT:
                geometry = geometry.mirrored()
            joints_m = geometry.joints_m @ random_rotation(rng).T + [0.0, 0.0, 0.5]
            log_odds = classifier.right_log_odds(joints_m)
            wrong += (log_odds > 0.0) != (side == RIGHT)
    assert wrong <= 1     # of 22


def test_evidence_adds_up_is_bounded_and_can_be_outvoted():
    evidence = HandednessEvidence(EvidenceConfig(frame_log_odds_limit=2.0,
                                                 total_log_odds_limit=6.0))
    assert evidence.update(10.0).side == RIGHT          # counted as 2
    guess = evidence.update(1.0)
    assert guess.side == RIGHT and guess.confidence == pytest.approx(1 / (1 + np.exp(-3.0)))
    for _ in range(10):
        evidence.update(5.0)
    assert evidence.right_log_odds == 6.0
    sides = [evidence.update(-5.0).side for _ in range(4)]
    assert sides == [RIGHT, RIGHT, RIGHT, LEFT]          # 6 -> 4 -> 2 -> 0 -> -2
    assert evidence.update(0.0).confidence == pytest.approx(1 / (1 + np.exp(-2.0)))


def test_bad_evidence_settings_are_refused():
    with pytest.raises(InputError):
        EvidenceConfig(frame_log_odds_limit=5.0, total_log_odds_limit=2.0)
