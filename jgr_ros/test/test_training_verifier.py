# Copyright 2026 jgr_ros contributors. MIT License.
"""The hand verifier's training: labels, candidates of the pipeline's search, the fit."""
from jgr_ros.training.verifier import (
    candidate_estimator,
    Candidates,
    collect,
    dihedral,
    fit,
    label,
    NEGATIVE_MM,
    probabilities,
    scores,
)
import numpy as np
import torch

SHOWN_MM = np.array([[0.0, 0.0, 500.0]])
HIDDEN_MM = np.array([[200.0, 0.0, 500.0]])


def test_labels_a_hand_within_30_mm_no_hand_beyond_60_and_leaves_out_the_rest():
    assert label(np.array([0.0, 20.0, 500.0]), SHOWN_MM, HIDDEN_MM) == 1.0
    assert np.isnan(label(np.array([0.0, 45.0, 500.0]), SHOWN_MM, HIDDEN_MM))  # off-centre
    assert label(np.array([0.0, NEGATIVE_MM + 1.0, 500.0]), SHOWN_MM, HIDDEN_MM) == 0.0
    assert np.isnan(label(np.array([180.0, 0.0, 500.0]), SHOWN_MM, HIDDEN_MM))  # hidden hand
    assert label(np.array([0.0, 0.0, 500.0]), SHOWN_MM[:0], HIDDEN_MM[:0]) == 0.0  # clutter


def test_collects_the_searchs_final_crops_with_labels_and_detection_scores():
    estimator = candidate_estimator(None, None)
    candidates = collect(estimator, range(9_500_000, 9_500_004))
    assert candidates.crops.shape[1:] == (96, 96) and candidates.crops.dtype == np.float16
    assert len(candidates.labels) == len(candidates.crops) == len(candidates.seeds) > 0
    assert set(np.unique(candidates.labels[~np.isnan(candidates.labels)])) <= {0.0, 1.0}
    assert np.nansum(candidates.labels) >= 1              # a hand is found in 4 frames
    assert np.all(candidates.detector_scores >= 0.1)
    assert set(candidates.seeds) <= set(range(9_500_000, 9_500_004))


def test_dihedral_moves_pixels_but_keeps_them():
    crops = torch.arange(2 * 96 * 96, dtype=torch.float32).reshape(2, 1, 96, 96)
    moved = dihedral(crops, torch.Generator().manual_seed(3))
    assert moved.shape == crops.shape
    torch.testing.assert_close(moved.flatten(1).sort().values, crops.flatten(1).sort().values)


def test_fit_separates_a_surface_at_the_centre_from_clutter_at_the_border(tmp_path):
    rng = np.random.default_rng(0)
    crops = np.ones((64, 96, 96), np.float32)
    for index in range(32):                         # hands: a blob at the centre
        crops[index, 30:66, 30:66] = rng.uniform(-0.3, 0.3)
    for index in range(32, 64):                     # no hand: a thin bar along the border
        crops[index, :, :8] = rng.uniform(-0.3, 0.3)
    labels = np.array([1.0] * 32 + [0.0] * 32, np.float32)
    candidates = Candidates(crops.astype(np.float16), labels, np.full(64, 0.5, np.float32),
                            np.arange(64))
    candidates.save(tmp_path / 'c.npz')
    loaded = Candidates.load(tmp_path / 'c.npz')
    model = fit(loaded, steps=120, batch_size=16, lr=3e-3)
    probability = probabilities(model, loaded.crops)
    assert probability[:32].min() > 0.5 > probability[32:].max()
    result = scores(loaded, probability, thresholds=(0.5,))
    assert result['by_threshold']['0.5'] == {'hands_kept': 1.0, 'non_hands_dropped': 1.0}
