# Copyright 2026 jgr_ros contributors. MIT License.
"""
Depth-sensor artefacts applied to an ideal z-buffer, ending in a uint16 millimetre image.

Two sensor families are simulated, each frame drawing its own parameters from the ranges in
:class:`SensorConfig` (domain randomisation over Kinect v1 / RealSense / ToF cameras):

- disparity sensors (structured light, active stereo): Gaussian noise in disparity
  d = f b / z, so depth noise grows as z^2 (Khoshelham and Elberink 2012), and subpixel
  disparity quantisation, so depth steps grow as z^2 too; occlusion shadows where the
  projector (or second imager), a baseline b to the right, cannot see what the camera sees;
- time of flight: noise sigma = a + c z^2 and millimetre quantisation only.

Both lose pixels at depth discontinuities, at grazing incidence, in random blobs (specular or
dark surfaces) and as isolated speckle; of the edge pixels they keep, some are flying pixels
(a depth between the foreground and the background, as ToF and stereo matching report).
"""

from dataclasses import dataclass
import functools
from statistics import NormalDist

import cv2
from jgr_ros.camera import CameraModel
from jgr_ros.errors import InputError
from jgr_ros.units import MM_PER_M
import numpy as np

_UINT16_MAX = np.iinfo(np.uint16).max
Range = tuple[float, float]


@dataclass(frozen=True)
class SensorConfig:
    """Ranges (uniform) of the per-frame sensor parameters; probabilities in [0, 1]."""

    disparity_sensor_probability: float = 0.7   # else time of flight
    baseline_m: Range = (0.05, 0.075)           # D4xx 50-55 mm, Kinect v1 75 mm
    disparity_step_px: Range = (1.0 / 32.0, 1.0 / 8.0)
    disparity_noise_px: Range = (0.02, 0.08)
    shadow_probability: float = 0.8
    edge_fattening_px: tuple[int, int] = (0, 2)  # block matching grows near surfaces
    tof_noise_mm: Range = (0.5, 1.5)            # constant part
    tof_noise_mm_per_m2: Range = (0.5, 2.5)     # part growing as z^2
    correlated_noise_probability: float = 0.5   # blur the noise over ~3 px (block matching)
    edge_dropout: Range = (0.1, 0.6)            # chance to lose a pixel on a depth jump
    edge_jump_fraction: float = 0.03            # a jump is > 3 % of the depth
    grazing_cos: Range = (0.05, 0.3)            # lose pixels seen at cos(incidence) below
    dropout_blobs_mean: float = 1.0             # Poisson mean of missing blobs per frame
    blob_radius_mm: Range = (2.0, 10.0)
    speckle: Range = (0.0, 0.004)               # fraction of isolated missing pixels
    flying_pixels: Range = (0.0, 0.5)           # share of kept edge pixels between surfaces
    max_range_m: float = 4.0

    def __post_init__(self) -> None:
        """Make ranges tuples (YAML gives lists); reject bad probabilities and ranges."""
        for name, value in vars(self).items():
            if isinstance(value, list):
                object.__setattr__(self, name, tuple(value))
        for name in ('disparity_sensor_probability', 'shadow_probability',
                     'correlated_noise_probability'):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise InputError(f'SensorConfig.{name} must be in [0, 1], got '
                                 f'{getattr(self, name)}')
        for name, value in vars(self).items():
            if isinstance(value, tuple) and not (len(value) == 2 and 0 <= value[0] <= value[1]):
                raise InputError(f'SensorConfig.{name} must be a range (low, high) with '
                                 f'0 <= low <= high, got {value}')
        if not 0.0 < self.max_range_m <= 65.0:
            raise InputError(f'SensorConfig.max_range_m must be in (0, 65] metres (uint16 mm), '
                             f'got {self.max_range_m}')


def ideal_depth_mm(depth_m: np.ndarray, max_range_m: float = SensorConfig.max_range_m
                   ) -> np.ndarray:
    """Round an (H, W) z-buffer in metres (inf or NaN = nothing) to uint16 mm, 0 = invalid."""
    output = np.zeros(depth_m.shape, dtype=np.uint16)
    box = _valid_box(depth_m, max_range_m)
    if box is not None:
        output[box] = _to_mm(depth_m[box], max_range_m)
    return output


def simulate_sensor(depth_m: np.ndarray, camera: CameraModel, rng: np.random.Generator,
                    config: SensorConfig = SensorConfig(),
                    detail: tuple[slice, slice] | None = None) -> np.ndarray:
    """
    Return what a depth sensor reports for the ideal z-buffer ``depth_m``: uint16 mm, 0 invalid.

    Noise and quantisation apply to every valid pixel; missing pixels (edges, grazing
    incidence, blobs, speckle, shadows) are simulated inside ``detail`` only, a (rows,
    columns) box around the objects that matter (default: all valid pixels).
    """
    output = np.zeros(depth_m.shape, dtype=np.uint16)
    box = _valid_box(depth_m, config.max_range_m)
    if box is None:
        return output
    depth = depth_m[box].copy()
    depth[~(depth <= config.max_range_m)] = np.nan
    detail = box if detail is None else detail
    detail_in_box = tuple(slice(max(d.start - b.start, 0), max(d.stop - b.start, 0))
                          for d, b in zip(detail, box))
    focal_baseline = None  # f b in pixel metres for a disparity sensor, None for time of flight
    if rng.random() < config.disparity_sensor_probability:
        focal_baseline = camera.fx * rng.uniform(*config.baseline_m)
        radius_px = rng.integers(config.edge_fattening_px[0], config.edge_fattening_px[1] + 1)
        _fatten_edges(depth[detail_in_box], radius_px, config)
    lost = np.zeros(depth.shape, bool)
    jumps = _depth_jumps(depth[detail_in_box], config.edge_jump_fraction)
    lost[detail_in_box] = _missing_pixels(depth[detail_in_box], jumps, camera, rng, config,
                                          focal_baseline)
    if config.flying_pixels[1] > 0.0:
        _fly_edge_pixels(depth[detail_in_box], jumps & ~lost[detail_in_box],
                         rng.uniform(*config.flying_pixels), rng, config)
    if focal_baseline is None:
        noisy = _tof_noise(depth, rng, config)
    else:
        noisy = _disparity_noise(depth, focal_baseline, rng, config)
    noisy[lost] = np.nan
    output[box] = _to_mm(noisy, config.max_range_m)
    return output


def _valid_box(depth_m: np.ndarray, max_range_m: float) -> tuple[slice, slice] | None:
    """Bounding box (rows, columns) of the pixels with a surface within range, None if none."""
    u0, v0, width, height = cv2.boundingRect((depth_m <= max_range_m).view(np.uint8))
    return (slice(v0, v0 + height), slice(u0, u0 + width)) if width else None


def _to_mm(depth_m: np.ndarray, max_range_m: float) -> np.ndarray:
    """Metres (NaN, inf or beyond range = invalid) to rounded uint16 millimetres, 0 = invalid."""
    depth_mm = depth_m * np.float32(MM_PER_M)
    depth_mm += np.float32(0.5)
    depth_mm[~(depth_m <= max_range_m)] = 0.0
    return depth_mm.astype(np.uint16)


def _missing_pixels(depth: np.ndarray, jumps: np.ndarray, camera: CameraModel,
                    rng: np.random.Generator, config: SensorConfig,
                    focal_baseline: float | None) -> np.ndarray:
    """
    Return the pixels lost at depth jumps, grazing incidence, in blobs, speckle and shadows.

    Shadows are cast only for a disparity sensor (``focal_baseline`` = f b, not None).
    """
    bank = _noise_bank()
    lost = jumps & bank.bernoulli(depth.shape, rng.uniform(*config.edge_dropout), rng)
    lost |= _grazing(depth, camera, rng.uniform(*config.grazing_cos))
    lost |= bank.bernoulli(depth.shape, rng.uniform(*config.speckle), rng)
    lost |= _dropout_blobs(depth, camera, rng, config)
    if focal_baseline is not None and rng.random() < config.shadow_probability:
        lost |= _stereo_shadow(depth, focal_baseline, np.flatnonzero(jumps.any(axis=1)))
    return lost


def _depth_jumps(depth: np.ndarray, jump_fraction: float) -> np.ndarray:
    """Pixels whose 3x3 neighbourhood spans more than ``jump_fraction`` of their depth."""
    filled = np.fmax(depth, np.float32(0.0))  # NaN (empty space) -> 0: a jump to any surface
    kernel = np.ones((3, 3), np.uint8)
    far = cv2.dilate(np.where(np.isnan(depth), np.float32(np.inf), depth), kernel)
    return far - cv2.erode(filled, kernel) > jump_fraction * depth


def _fly_edge_pixels(depth: np.ndarray, candidates: np.ndarray, share: float,
                     rng: np.random.Generator, config: SensorConfig) -> None:
    """
    Turn ``share`` of the ``candidates`` (kept pixels at depth jumps) into flying pixels.

    A candidate whose 3x3 neighbourhood holds two surfaces more than a jump apart (not a
    surface and empty space) gets a depth uniform between the nearest and the farthest: the
    mixed return of a ToF pixel that sees both, or a stereo match straddling the edge.
    """
    rows, cols = np.nonzero(candidates)
    chosen = rng.random(len(rows)) < share
    rows, cols = rows[chosen], cols[chosen]
    padded = np.pad(depth, 1, constant_values=np.nan)
    window = np.stack([padded[rows + dr, cols + dc] for dr in range(3) for dc in range(3)])
    near, far = np.fmin.reduce(window), np.fmax.reduce(window)   # NaN (empty space) ignored
    between = far - near > config.edge_jump_fraction * near
    mix = rng.random(int(np.count_nonzero(between)), dtype=np.float32)
    depth[rows[between], cols[between]] = near[between] + mix * (far[between] - near[between])


def _fatten_edges(depth: np.ndarray, radius_px: int, config: SensorConfig) -> None:
    """
    Grow nearer surfaces by ``radius_px`` over farther ones and empty space, in place.

    Correlation windows of stereo and structured-light matchers straddle depth edges and the
    nearer surface wins them, so objects look wider than they are (edge fattening).
    """
    if radius_px == 0:
        return
    size = 2 * radius_px + 1
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
    nearest = cv2.erode(np.fmin(depth, np.float32(np.inf)), kernel)  # NaN (empty) -> inf
    grown = ~(depth - nearest <= config.edge_jump_fraction * nearest)  # nearer, or was empty
    grown &= nearest <= config.max_range_m  # not empty space (nor the erosion's border value)
    depth[grown] = nearest[grown]


def _grazing(depth: np.ndarray, camera: CameraModel, min_cosine: float) -> np.ndarray:
    """
    Pixels whose surface is seen at an incidence cosine below ``min_cosine``.

    The surface slope comes from central depth differences over the pixel footprint z / f;
    cos = 1 / sqrt(1 + slope^2). Pixels next to holes (unknown slope) are kept.
    """
    if min_cosine <= 0.0:
        return np.zeros(depth.shape, bool)
    # Sobel with ksize=1 is the central difference z(u+1) - z(u-1), twice the derivative.
    d_u = cv2.Sobel(depth, cv2.CV_32F, 1, 0, ksize=1) * np.float32(camera.fx)
    d_v = cv2.Sobel(depth, cv2.CV_32F, 0, 1, ksize=1) * np.float32(camera.fy)
    max_slope2 = 1.0 / min_cosine ** 2 - 1.0
    return d_u * d_u + d_v * d_v > np.float32(4.0 * max_slope2) * (depth * depth)


def _dropout_blobs(depth: np.ndarray, camera: CameraModel, rng: np.random.Generator,
                   config: SensorConfig) -> np.ndarray:
    """Random filled ellipses (metric size at their depth) of missing pixels on surfaces."""
    mask = np.zeros(depth.shape, np.uint8)
    count = rng.poisson(config.dropout_blobs_mean)
    rows = rng.integers(0, depth.shape[0], 4 * count)
    cols = rng.integers(0, depth.shape[1], 4 * count)
    on_surface = ~np.isnan(depth[rows, cols])  # four candidates per blob, drawn on surfaces
    for row, col in list(zip(rows[on_surface], cols[on_surface]))[:count]:
        axes_px = (rng.uniform(*config.blob_radius_mm, 2) / MM_PER_M * camera.fx
                   / depth[row, col])
        cv2.ellipse(mask, (int(col), int(row)), tuple(int(a) + 1 for a in axes_px),
                    rng.uniform(0.0, 180.0), 0.0, 360.0, 1, thickness=-1)
    return mask.view(bool)


def _stereo_shadow(depth: np.ndarray, focal_baseline: float, rows: np.ndarray) -> np.ndarray:
    """
    Pixels the projector (second imager), a baseline to the right of the camera, cannot see.

    A point at column u with disparity d = f b / z lands on the projector's column u - d. It
    is hidden when a point further right in its row lands at least as far left (it is nearer).
    Only ``rows``, those with a depth jump, can hold shadows.
    """
    shadow = np.zeros(depth.shape, bool)
    projector_u = np.arange(depth.shape[1], dtype=np.float32) - focal_baseline / depth[rows]
    projector_u = np.fmin(projector_u, np.float32(np.inf))  # empty space hides nothing
    right_min = np.minimum.accumulate(projector_u[:, ::-1], axis=1)[:, ::-1]
    shadow[rows, :-1] = projector_u[:, :-1] > right_min[:, 1:] + np.float32(0.5)
    return shadow


def _disparity_noise(depth: np.ndarray, focal_baseline: float, rng: np.random.Generator,
                     config: SensorConfig) -> np.ndarray:
    """Depth from a noisy, subpixel-quantised disparity d = f b / z."""
    step = np.float32(rng.uniform(*config.disparity_step_px))
    sigma = np.float32(rng.uniform(*config.disparity_noise_px))
    disparity = _noise_field(depth.shape, rng, config) * sigma
    disparity += np.float32(focal_baseline) / depth
    if step > 0.0:  # in place: these are full-frame arrays
        np.divide(disparity, step, out=disparity)
        np.rint(disparity, out=disparity)
        np.multiply(disparity, step, out=disparity)
    return np.divide(np.float32(focal_baseline), disparity, out=disparity)


def _tof_noise(depth: np.ndarray, rng: np.random.Generator, config: SensorConfig
               ) -> np.ndarray:
    """Depth with time-of-flight noise of standard deviation a + c z^2."""
    constant_m = np.float32(rng.uniform(*config.tof_noise_mm) / MM_PER_M)
    quadratic_per_m = np.float32(rng.uniform(*config.tof_noise_mm_per_m2) / MM_PER_M)
    sigma_m = constant_m + quadratic_per_m * depth * depth
    return depth + _noise_field(depth.shape, rng, config) * sigma_m


def _noise_field(shape: tuple[int, int], rng: np.random.Generator, config: SensorConfig
                 ) -> np.ndarray:
    """Unit-variance Gaussian noise, white or correlated over about 3 pixels."""
    noise = _noise_bank().gaussian(shape, rng)
    if rng.random() < config.correlated_noise_probability:
        return cv2.blur(noise, (3, 3)) * np.float32(3.0)  # a mean of 9 has sigma 1/3
    return noise


class _NoiseBank:
    """
    Precomputed standard normal samples that frames read at random offsets.

    Drawing fresh Gaussian noise for a 640x480 frame costs milliseconds; a window of a fixed
    bank costs nothing and is just as random for a network (and as deterministic per seed).
    """

    def __init__(self, size: int, seed: int) -> None:
        self._samples = np.random.default_rng(seed).standard_normal(size, dtype=np.float32)

    def gaussian(self, shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
        """Return a read-only (H, W) window of standard normal noise (fresh if too large)."""
        count = shape[0] * shape[1]
        if count > self._samples.size:
            return rng.standard_normal(shape, dtype=np.float32)
        start = rng.integers(0, self._samples.size - count + 1)
        return self._samples[start:start + count].reshape(shape)

    def bernoulli(self, shape: tuple[int, int], probability: float, rng: np.random.Generator
                  ) -> np.ndarray:
        """(H, W) independent booleans, each True with ``probability``."""
        if probability <= 0.0 or probability >= 1.0:
            return np.full(shape, probability >= 1.0)
        return self.gaussian(shape, rng) < np.float32(NormalDist().inv_cdf(probability))


@functools.cache
def _noise_bank() -> _NoiseBank:
    return _NoiseBank(size=1 << 21, seed=0)
