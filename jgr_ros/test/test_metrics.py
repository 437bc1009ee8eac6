# Copyright 2026 jgr_ros contributors. MIT License.
"""The evaluation protocol's metrics and "u v d" files (jgr_ros.training.metrics)."""
from jgr_ros.errors import InputError
from jgr_ros.training.metrics import (
    DATASET_CAMERAS,
    mean_error_mm,
    per_joint_error_mm,
    read_uvd_file,
    success_rate,
    uvd_to_xyz,
    write_uvd_file,
)
import numpy as np
import pytest


def _frames_with_errors(errors_mm: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (pred, gt) (N, J, 3) whose joint errors are ``errors_mm`` (N, J), along z."""
    gt = np.random.default_rng(0).uniform(-100.0, 100.0, errors_mm.shape + (3,)) + (0, 0, 600)
    pred = gt.copy()
    pred[..., 2] += errors_mm
    return pred, gt


def test_dataset_intrinsics_are_the_published_ones():
    nyu = DATASET_CAMERAS['nyu']
    assert (nyu.width, nyu.height, nyu.fx, nyu.fy, nyu.cx, nyu.cy) == (
        640, 480, 588.03, -587.07, 320.0, 240.0)
    icvl, msra = DATASET_CAMERAS['icvl'], DATASET_CAMERAS['msra']
    assert (icvl.fx, icvl.fy, icvl.cx, icvl.cy) == (240.99, 240.96, 160.0, 120.0)
    assert (msra.fx, msra.fy, msra.cx, msra.cy) == (241.42, 241.42, 160.0, 120.0)
    assert DATASET_CAMERAS['hands2017'].fx == 475.065948


def test_uvd_to_xyz_follows_the_protocol_formula_with_nyu_y_up():
    uvd = np.array([[320.0 + 588.03, 240.0 - 587.07, 1000.0],   # right of and above centre
                    [320.0, 240.0, 500.0]])
    np.testing.assert_allclose(uvd_to_xyz(uvd, DATASET_CAMERAS['nyu']),
                               [[1000.0, 1000.0, 1000.0], [0.0, 0.0, 500.0]])
    icvl_xyz = uvd_to_xyz(np.array([200.0, 100.0, 400.0]), DATASET_CAMERAS['icvl'])
    np.testing.assert_allclose(icvl_xyz, [40 * 400 / 240.99, -20 * 400 / 240.96, 400.0])


def test_uvd_file_round_trip(tmp_path):
    uvd = np.random.default_rng(1).uniform(0.0, 900.0, (3, 14, 3))
    path = tmp_path / 'pred.txt'
    write_uvd_file(path, uvd)
    assert len(path.read_text().splitlines()) == 3
    assert len(path.read_text().splitlines()[0].split()) == 42
    np.testing.assert_allclose(read_uvd_file(path, 14), uvd, atol=5e-4)


@pytest.mark.parametrize('text, message', [
    ('1 2 3 4 5 6\n', '6 values per line, expected 14 joints'),
    ('', 'no frames'),
    ('1 2 x\n', 'cannot read'),
])
def test_read_uvd_file_rejects_bad_files(tmp_path, text, message):
    path = tmp_path / 'bad.txt'
    path.write_text(text)
    with pytest.raises(InputError, match=message):
        read_uvd_file(path, 14)


def test_mean_and_per_joint_errors():
    errors = np.array([[1.0, 2.0, 3.0], [3.0, 4.0, 5.0]])
    pred, gt = _frames_with_errors(errors)
    assert mean_error_mm(pred, gt) == pytest.approx(3.0)
    np.testing.assert_allclose(per_joint_error_mm(pred, gt), [2.0, 3.0, 4.0])


def test_error_is_euclidean_in_3d():
    gt = np.zeros((1, 1, 3))
    assert mean_error_mm(gt + (3.0, 4.0, 0.0), gt) == pytest.approx(5.0)


def test_success_rate_counts_the_worst_joint_of_each_frame():
    errors = np.array([[5.0, 0.0], [1.0, 15.0], [25.0, 2.0]])  # worst: 5, 15, 25
    pred, gt = _frames_with_errors(errors)
    np.testing.assert_allclose(success_rate(pred, gt, [0, 4.9, 5, 10, 20, 30]),
                               [0, 0, 1 / 3, 1 / 3, 2 / 3, 1])
    assert success_rate(pred, gt, 15.0) == pytest.approx(2 / 3)


@pytest.mark.filterwarnings('error')
def test_nan_joints_are_ignored_without_warnings():
    errors = np.array([[10.0, 1.0, 7.0], [20.0, 3.0, 9.0]])
    pred, gt = _frames_with_errors(errors)
    gt[:, 0] = np.nan            # a joint this layout lacks
    pred[1, 2] = np.nan          # one missing prediction
    assert mean_error_mm(pred, gt) == pytest.approx((1 + 7 + 3) / 3)
    per_joint = per_joint_error_mm(pred, gt)
    assert np.isnan(per_joint[0])
    np.testing.assert_allclose(per_joint[1:], [2.0, 7.0])
    np.testing.assert_allclose(success_rate(pred, gt, [2, 5, 8]), [0, 0.5, 1])


def test_mismatched_or_empty_comparisons_are_errors():
    pred, gt = _frames_with_errors(np.ones((4, 14)))
    with pytest.raises(InputError, match='must both have shape'):
        mean_error_mm(pred[:3], gt)
    with pytest.raises(InputError, match='no joint'):
        mean_error_mm(np.full_like(gt, np.nan), gt)
    with pytest.raises(InputError, match='no frame'):
        success_rate(np.full_like(gt, np.nan), gt, [10])
