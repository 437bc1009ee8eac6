# Copyright 2026 jgr_ros contributors. MIT License.
"""
The hand-pose benchmarks' evaluation protocol and their per-frame "u v d" result files.

A result file has one line per frame: J joints x (u v d), space separated, where u, v are
pixels in the full image and d is depth in millimetres. Points are compared in 3-D after
back-projection with the dataset's intrinsics (x = (u - cx) d / fx, y = (v - cy) d / fy, z = d):

- mean 3-D error: mean over all frames and joints of ||xyz_pred - xyz_gt|| (mm);
- success rate at t: fraction of frames whose WORST joint error is <= t mm.

Joints that are NaN (in either array) are ignored, so layouts that lack a joint can be scored.
"""
import os
from pathlib import Path
from typing import Sequence, Union

from jgr_ros.camera import CameraModel
from jgr_ros.errors import InputError
import numpy as np

PathLike = Union[str, os.PathLike]

# Intrinsics the published results were computed with (NYU's fy < 0: its labels have y up).
DATASET_CAMERAS: dict[str, CameraModel] = {
    'nyu': CameraModel(640, 480, fx=588.03, fy=-587.07, cx=320.0, cy=240.0),
    'icvl': CameraModel(320, 240, fx=240.99, fy=240.96, cx=160.0, cy=120.0),
    'msra': CameraModel(320, 240, fx=241.42, fy=241.42, cx=160.0, cy=120.0),
    'hands2017': CameraModel(640, 480, fx=475.065948, fy=475.065857, cx=315.944855,
                             cy=245.287079),
}
# Joint layout (jgr_ros.skeletons) of each benchmark's ground truth.
DATASET_SKELETONS: dict[str, str] = {'nyu': 'nyu14', 'icvl': 'icvl16', 'msra': 'msra21'}


def read_uvd_file(path: PathLike, num_joints: int) -> np.ndarray:
    """Read a per-frame "u v d" result file as (N, num_joints, 3) float64."""
    try:
        lines = [line for line in Path(path).read_text().splitlines() if line.strip()]
        values = np.loadtxt(lines, dtype=np.float64, ndmin=2) if lines else None
    except (OSError, ValueError) as error:
        raise InputError(f'cannot read {path} as a "u v d" file: {error}') from None
    if values is None:
        raise InputError(f'{path} holds no frames')
    if values.shape[1] != num_joints * 3:
        raise InputError(f'{path} has {values.shape[1]} values per line, expected '
                         f'{num_joints} joints x 3 = {num_joints * 3}')
    return values.reshape(len(values), num_joints, 3)


def write_uvd_file(path: PathLike, uvd: np.ndarray) -> None:
    """Write (N, J, 3) u, v (pixels), d (mm) as one line per frame, 3 decimals."""
    uvd = np.asarray(uvd, dtype=np.float64)
    if uvd.ndim != 3 or uvd.shape[-1] != 3:
        raise InputError(f'uvd must have shape (frames, joints, 3), got {uvd.shape}')
    np.savetxt(path, uvd.reshape(len(uvd), -1), fmt='%.3f')


def uvd_to_xyz(uvd: np.ndarray, camera: CameraModel) -> np.ndarray:
    """Back-project (..., 3) u, v, d to (..., 3) x, y, z in the unit of d (the protocol's)."""
    return camera.back_project_uvd(uvd)


def joint_errors_mm(pred_xyz: np.ndarray, gt_xyz: np.ndarray) -> np.ndarray:
    """Return the (N, J) Euclidean joint errors; NaN where either joint is NaN."""
    pred_xyz, gt_xyz = np.asarray(pred_xyz, np.float64), np.asarray(gt_xyz, np.float64)
    if pred_xyz.shape != gt_xyz.shape or pred_xyz.ndim != 3 or pred_xyz.shape[-1] != 3:
        raise InputError(f'predictions {pred_xyz.shape} and ground truth {gt_xyz.shape} must '
                         'both have shape (frames, joints, 3)')
    return np.linalg.norm(pred_xyz - gt_xyz, axis=-1)


def mean_error_mm(pred_xyz: np.ndarray, gt_xyz: np.ndarray) -> float:
    """Return the mean 3-D error over all frames and (non-NaN) joints."""
    return float(_nan_mean(joint_errors_mm(pred_xyz, gt_xyz).ravel(), axis=0))


def per_joint_error_mm(pred_xyz: np.ndarray, gt_xyz: np.ndarray) -> np.ndarray:
    """Return the (J,) mean error of each joint over frames; NaN for a joint never scored."""
    return _nan_mean(joint_errors_mm(pred_xyz, gt_xyz), axis=0)


def success_rate(pred_xyz: np.ndarray, gt_xyz: np.ndarray,
                 thresholds_mm: Union[float, Sequence[float], np.ndarray]) -> np.ndarray:
    """
    Return the fraction of frames whose worst joint error is <= each threshold (mm).

    The result has the shape of ``thresholds_mm``; frames without any scored joint are left
    out of the count.
    """
    worst_mm = np.fmax.reduce(joint_errors_mm(pred_xyz, gt_xyz), axis=1)  # fmax skips NaN
    worst_mm = worst_mm[~np.isnan(worst_mm)]
    if worst_mm.size == 0:
        raise InputError('no frame has a joint present in both predictions and ground truth')
    thresholds_mm = np.asarray(thresholds_mm, dtype=np.float64)
    return (worst_mm[:, None] <= thresholds_mm.ravel()[None]).mean(axis=0).reshape(
        thresholds_mm.shape)


def _nan_mean(errors_mm: np.ndarray, axis: int) -> np.ndarray:
    """Mean over ``axis`` ignoring NaN; NaN (without a warning) where nothing is left."""
    valid = ~np.isnan(errors_mm)
    counts = valid.sum(axis=axis)
    if not counts.any():
        raise InputError('no joint is present in both predictions and ground truth')
    totals = np.where(valid, errors_mm, 0.0).sum(axis=axis)
    return np.divide(totals, counts, out=np.full(np.shape(totals), np.nan), where=counts > 0)
