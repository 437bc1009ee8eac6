# Copyright 2026 jgr_ros contributors. MIT License.
"""The small classifier: fit, NumPy forward pass, and its file."""
from jgr_ros.errors import InputError
from jgr_ros.mlp import fit_ensemble, fit_mlp, FitConfig, load_mlps, Mlp, MlpEnsemble, save_mlps
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


def test_an_ensemble_averages_its_members_probabilities():
    rng = np.random.default_rng(2)
    features, labels = rings(rng, 100)
    config = FitConfig(hidden_units=8, steps=50)
    ensemble = fit_ensemble(features, labels, ('inner', 'outer'), config, members=3)
    assert isinstance(ensemble, MlpEnsemble) and len(ensemble.members) == 3
    members = [fit_mlp(features, labels, ('inner', 'outer'), FitConfig(8, 50, seed=seed))
               for seed in range(3)]   # seeds 0, 1, 2: the same fits
    expected = np.mean([member.probabilities(features) for member in members], axis=0)
    np.testing.assert_allclose(ensemble.probabilities(features), expected)
    np.testing.assert_allclose(np.exp(ensemble.logits(features)), expected)
    assert ensemble.labels == ('inner', 'outer')
    assert isinstance(fit_ensemble(features, labels, ('inner', 'outer'), config), Mlp)


def test_an_ensemble_needs_members_with_the_same_labels():
    rng = np.random.default_rng(3)
    features, labels = rings(rng, 50)
    first = fit_mlp(features, labels, ('inner', 'outer'), FitConfig(steps=5))
    other = fit_mlp(features, labels, ('a', 'b'), FitConfig(steps=5))
    with pytest.raises(InputError, match='same labels'):
        MlpEnsemble((first, other))
    with pytest.raises(InputError):
        MlpEnsemble(())


def test_an_ensemble_round_trips_through_the_file_beside_a_plain_classifier(tmp_path):
    rng = np.random.default_rng(4)
    features, labels = rings(rng, 100)
    ensemble = fit_ensemble(features, labels, ('inner', 'outer'), FitConfig(steps=20), 3)
    plain = fit_mlp(features, labels, ('inner', 'outer'), FitConfig(steps=20))
    save_mlps(tmp_path / 'c.npz', {'gesture': ensemble, 'handedness': plain}, {})
    loaded, _ = load_mlps(tmp_path / 'c.npz')
    assert isinstance(loaded['handedness'], Mlp) and len(loaded['gesture'].members) == 3
    for original, member in zip(ensemble.members, loaded['gesture'].members):   # in order
        np.testing.assert_array_equal(member.logits(features), original.logits(features))


def test_a_broken_file_raises_input_error(tmp_path):
    path = tmp_path / 'broken.npz'
    path.write_bytes(b'not a zip')
    with pytest.raises(InputError, match='broken.npz'):
        load_mlps(path)
    with pytest.raises(InputError):
        load_mlps(tmp_path / 'missing.npz')
