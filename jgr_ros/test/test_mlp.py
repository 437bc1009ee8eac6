# Copyright 2026 jgr_ros contributors. MIT License.
"""The small classifier: fit, NumPy forward pass, and its file."""
from jgr_ros.errors import InputError
from jgr_ros.mlp import fit_mlp, FitConfig, load_mlps, save_mlps
import numpy as np
import pytest


def rings(rng: np.random.Generator, count: int) -> tuple[np.ndarray, np.ndarray]:
    """Two concentric noisy rings in 2-D: not linearly separable."""
    labels = rng.integers(0, 2, count)
    angles = rng.uniform(0.0, 2.0 * np.pi, count)
    radii = 1.0 + 2.0 * labels + rng.normal(0.0, 0.2, count)
    return np.stack([radii * np.cos(angles), radii * np.sin(angles)], axis=1), labels


def test_fits_a_nonlinear_boundary_and_generalises():
    rng = np.random.default_rng(0)
    features, labels = rings(rng, 400)
    mlp = fit_mlp(features, labels, ('inner', 'outer'), FitConfig(hidden_units=16, steps=400))
    test_features, test_labels = rings(rng, 400)
    probabilities = mlp.probabilities(test_features)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0)
    assert np.mean(probabilities.argmax(axis=1) == test_labels) > 0.97


def test_file_round_trip_keeps_every_classifier_and_the_provenance(tmp_path):
    rng = np.random.default_rng(1)
    features, labels = rings(rng, 100)
    first = fit_mlp(features, labels, ('inner', 'outer'), FitConfig(steps=20))
    second = fit_mlp(features[:, ::-1], 1 - labels, ('a', 'b'), FitConfig(steps=20, seed=2))
    path = tmp_path / 'new_folder' / 'classifiers.npz'   # made on the way
    save_mlps(path, {'first': first, 'second': second}, {'skeleton': 'mano21', 'n': 3})
    loaded, provenance = load_mlps(path)
    assert provenance == {'skeleton': 'mano21', 'n': 3}
    assert loaded['second'].labels == ('a', 'b')
    np.testing.assert_array_equal(loaded['first'].logits(features), first.logits(features))


def test_a_broken_file_raises_input_error(tmp_path):
    path = tmp_path / 'broken.npz'
    path.write_bytes(b'not a zip')
    with pytest.raises(InputError, match='broken.npz'):
        load_mlps(path)
    with pytest.raises(InputError):
        load_mlps(tmp_path / 'missing.npz')
