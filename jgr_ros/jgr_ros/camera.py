# Copyright 2026 jgr_ros contributors. MIT License.
"""
Pinhole depth-camera model with optional lens distortion (sensor_msgs/CameraInfo semantics).

Points live in the camera optical frame (x right, y down, z forward; a negative ``fy`` flips y,
as in NYU's y-up labels). Projection is scale-free: back-projection returns points in the unit
of the depth it is given (millimetres in, millimetres out; metres in, metres out).
"""

from dataclasses import dataclass
import math
from typing import Sequence

import cv2
from jgr_ros.errors import InputError
import numpy as np

# Number of distortion coefficients (D) each supported CameraInfo distortion model carries.
DISTORTION_COEFFICIENTS = {'plumb_bob': 5, 'rational_polynomial': 8}
# Below this, |fx| or |fy| in pixels is no lens (and fx * fy could underflow to 0).
MIN_FOCAL_PX = 1e-3
# What a real depth camera's CameraInfo can say (see CameraModel.from_camera_info): image sides,
# focal lengths relative to the larger side (fields of view of about 157 to 3 degrees), pixel
# aspect ratio fx / fy, and distortion coefficient magnitudes (Azure Kinect's rational
# polynomial ones stay below 10).
IMAGE_SIDE_RANGE_PX = (32, 16384)
FOCAL_PER_IMAGE_SIDE_RANGE = (0.1, 20.0)
PIXEL_ASPECT_RANGE = (0.5, 2.0)
MAX_DISTORTION_COEFFICIENT = 100.0
# Tight stopping rule so that undistorting a distorted projection recovers it to ~1e-6 px.
_UNDISTORT_CRITERIA = (cv2.TERM_CRITERIA_COUNT | cv2.TERM_CRITERIA_EPS, 50, 1e-10)


@dataclass(frozen=True)
class CameraModel:
    """
    Intrinsics of one depth camera: image size, pinhole K and distortion D.

    An empty or all-zero ``distortion`` means an ideal pinhole (the model name is then
    irrelevant). Invalid values raise :class:`InputError` at construction.
    """

    width: int
    height: int
    fx: float
    fy: float
    cx: float
    cy: float
    distortion_model: str = 'plumb_bob'
    distortion: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        """Normalise the distortion to a tuple of floats and validate every field."""
        object.__setattr__(self, 'distortion', tuple(float(c) for c in self.distortion))
        if self.width <= 0 or self.height <= 0:
            raise InputError(f'camera image size must be positive, got {self.width}x{self.height}')
        for name in ('fx', 'fy'):
            focal = getattr(self, name)
            if not math.isfinite(focal) or focal == 0.0:
                raise InputError(f'camera focal length {name}={focal} must be finite and non-zero '
                                 '(an all-zero K means the camera is not calibrated)')
            if abs(focal) < MIN_FOCAL_PX:
                raise InputError(f'camera focal length {name}={focal} is below {MIN_FOCAL_PX} px')
        if not (0.0 <= self.cx <= self.width and 0.0 <= self.cy <= self.height):
            raise InputError(f'principal point ({self.cx}, {self.cy}) lies outside the '
                             f'{self.width}x{self.height} image')
        if not all(math.isfinite(c) for c in self.distortion):
            raise InputError(f'distortion coefficients must be finite, got {self.distortion}')
        if self.has_distortion:
            self._check_distortion_model()

    def _check_distortion_model(self) -> None:
        expected = DISTORTION_COEFFICIENTS.get(self.distortion_model)
        if expected is None:
            raise InputError(f'unsupported distortion model {self.distortion_model!r}; supported: '
                             f'{", ".join(DISTORTION_COEFFICIENTS)} (or an all-zero D)')
        if len(self.distortion) != expected:
            raise InputError(f'distortion model {self.distortion_model!r} needs {expected} '
                             f'coefficients, got {len(self.distortion)}')

    @classmethod
    def from_camera_info(cls, width: int, height: int, k: Sequence[float], d: Sequence[float],
                         distortion_model: str) -> 'CameraModel':
        """
        Build from sensor_msgs/CameraInfo fields; ``k`` is the 3x3 K matrix, row-major.

        Beyond the checks of any camera, a CameraInfo must describe a plausible depth camera
        (positive focal lengths for its image size, near-square pixels, sane distortion): a
        driver's garbage must not turn into a hand. Violations raise InputError.
        """
        k = [float(value) for value in k]
        if len(k) != 9:
            raise InputError(f'camera matrix K must have 9 elements (3x3 row-major), got {len(k)}')
        camera = cls(width=int(width), height=int(height), fx=k[0], fy=k[4], cx=k[2], cy=k[5],
                     distortion_model=distortion_model, distortion=tuple(d))
        camera.check_plausible()
        return camera

    def check_plausible(self) -> None:
        """Raise :class:`InputError` unless this could be a real depth camera's calibration."""
        low_px, high_px = IMAGE_SIDE_RANGE_PX
        side_px = max(self.width, self.height)
        if not (low_px <= min(self.width, self.height) and side_px <= high_px):
            raise InputError(f'image size {self.width}x{self.height} is implausible for a depth '
                             f'camera (sides {low_px} to {high_px} px)')
        low, high = FOCAL_PER_IMAGE_SIDE_RANGE
        for name in ('fx', 'fy'):
            focal = getattr(self, name)
            if not low * side_px <= focal <= high * side_px:
                raise InputError(f'camera focal length {name}={focal} px is implausible for a '
                                 f'{self.width}x{self.height} image (expected {low * side_px:g} '
                                 f'to {high * side_px:g})')
        if not PIXEL_ASPECT_RANGE[0] <= self.fx / self.fy <= PIXEL_ASPECT_RANGE[1]:
            raise InputError(f'pixel aspect fx / fy = {self.fx / self.fy:g} is implausible '
                             f'(expected {PIXEL_ASPECT_RANGE[0]} to {PIXEL_ASPECT_RANGE[1]})')
        if any(abs(c) > MAX_DISTORTION_COEFFICIENT for c in self.distortion):
            raise InputError(f'distortion coefficients {self.distortion} are implausible (at most '
                             f'{MAX_DISTORTION_COEFFICIENT:g} in magnitude)')

    @property
    def has_distortion(self) -> bool:
        """Whether D has any non-zero coefficient."""
        return any(c != 0.0 for c in self.distortion)

    @property
    def matrix(self) -> np.ndarray:
        """Return the 3x3 camera matrix K (float64)."""
        return np.array([[self.fx, 0.0, self.cx], [0.0, self.fy, self.cy], [0.0, 0.0, 1.0]])

    def check_image_size(self, height: int, width: int) -> None:
        """Raise :class:`InputError` when an image's size differs from the calibrated one."""
        if (height, width) != (self.height, self.width):
            raise InputError(f'image is {width}x{height} but the camera info says '
                             f'{self.width}x{self.height}')

    def project(self, points: np.ndarray) -> np.ndarray:
        """
        Project (..., 3) points (any length unit, z > 0) to (..., 2) distorted pixel coordinates.

        The result is scale-free: the unit of the points does not matter.
        """
        points = np.asarray(points, dtype=np.float64)
        _check_last_axis(points, 3, 'points')
        if not self.has_distortion:
            uv_norm = points[..., :2] / points[..., 2:3]
            return uv_norm * (self.fx, self.fy) + (self.cx, self.cy)
        uv, _ = cv2.projectPoints(points.reshape(-1, 1, 3), np.zeros(3), np.zeros(3),
                                  self.matrix, self._distortion_array())
        return uv.reshape(points.shape[:-1] + (2,))

    def back_project(self, uv: np.ndarray, depth: np.ndarray) -> np.ndarray:
        """
        Lift (..., 2) pixels with (...) depths along z to (..., 3) points.

        The points come back in the unit of ``depth`` (mm in, mm out; m in, m out).
        Distorted pixels are undistorted first.
        """
        uv = np.asarray(uv, dtype=np.float64)
        depth = np.asarray(depth, dtype=np.float64)
        _check_last_axis(uv, 2, 'uv')
        if depth.shape != uv.shape[:-1]:
            raise InputError(f'depth shape {depth.shape} does not match uv shape {uv.shape}')
        if self.has_distortion:
            uv = self._undistort_pixels(uv)
        xy_over_z = (uv - (self.cx, self.cy)) / (self.fx, self.fy)
        return np.concatenate([xy_over_z * depth[..., None], depth[..., None]], axis=-1)

    def project_uvd(self, points: np.ndarray) -> np.ndarray:
        """Project (..., 3) points to (..., 3) = u, v (pixels), z (unit of the points)."""
        points = np.asarray(points, dtype=np.float64)
        return np.concatenate([self.project(points), points[..., 2:3]], axis=-1)

    def back_project_uvd(self, uvd: np.ndarray) -> np.ndarray:
        """Lift (..., 3) = u, v (pixels), depth to (..., 3) points in the unit of the depth."""
        uvd = np.asarray(uvd, dtype=np.float64)
        _check_last_axis(uvd, 3, 'uvd')
        return self.back_project(uvd[..., :2], uvd[..., 2])

    def _distortion_array(self) -> np.ndarray:
        return np.asarray(self.distortion, dtype=np.float64)

    def _undistort_pixels(self, uv: np.ndarray) -> np.ndarray:
        undistorted = cv2.undistortPoints(uv.reshape(-1, 1, 2), self.matrix,
                                          self._distortion_array(), R=None, P=self.matrix,
                                          criteria=_UNDISTORT_CRITERIA)
        return undistorted.reshape(uv.shape)


def _check_last_axis(array: np.ndarray, size: int, name: str) -> None:
    if array.ndim == 0 or array.shape[-1] != size:
        raise InputError(f'{name} must have shape (..., {size}), got {array.shape}')
