# Copyright 2026 jgr_ros contributors. MIT License.
"""
The estimation pipeline on one depth frame, free of ROS.

    depth (mm) -> find the hand (nearest sizeable blob, centre of mass)
               -> refine the centre (DeepPrior++ network, iterated)
               -> crop a metric cube to 96 x 96 in [-1, 1]
               -> JGR-P2O -> per-joint (u, v, z) in the crop
               -> full-image (u, v, depth) -> back-projection to the camera frame (mm)

:class:`HandPoseEstimator` runs it all; the networks are in :mod:`jgr_ros.networks`, how they
run in :mod:`jgr_ros.runtime`.
"""
from dataclasses import dataclass, field
import time

from jgr_ros.camera import CameraModel
from jgr_ros.crop import crop_to_image, HandCrop
from jgr_ros.errors import InputError
from jgr_ros.localization import HandLocalizer, LocalizerConfig
from jgr_ros.networks import CenterRefiner, PoseModel
from jgr_ros.skeletons import Skeleton
import numpy as np

# A joint this far in front of the observed surface (mm) gets confidence exp(-1).
CONFIDENCE_SCALE_MM = 30.0
# A followed crop more filled than this (of its part inside the image) is a surface the hand
# left, not a hand: true hands filled at most 0.87 of it in 300 synthetic frames with body,
# wall and table behind them.
MAX_HAND_FILL = 0.95
# A hand is a smooth surface: the median depth step between horizontally adjacent crop pixels
# on it (crop units: 1 = half the cube's depth, 125 mm) was at most 0.032 on 60 searched and 60
# followed synthetic hands; random depth steps by 0.25, a wall with +-30 mm noise by 0.1.
MAX_SURFACE_STEP = 0.08
# Hands scoring below this are not reported (EstimatorConfig.min_score). Measured with the
# shipped models (python -m jgr_ros.ros.fuzz --scores 60): 60 synthetic hands scored 0.785 to
# 1.0 (median 0.991); the best candidate in random depth at hand distance 0.07 to 0.464, in
# other noise, walls and random images 0.0 (no candidate). 0.6 lies between.
DEFAULT_MIN_SCORE = 0.6


@dataclass
class EstimatorConfig:
    """Pipeline settings; the ROS node maps its parameters onto these."""

    localizer: LocalizerConfig = field(default_factory=LocalizerConfig)
    refine_iterations: int = 2            # centre refinements after a search of the image
    tracking: bool = True                 # follow the hand (see HandPoseEstimator)
    tracking_refine_iterations: int = 1   # centre refinements on a followed hand
    min_score: float = DEFAULT_MIN_SCORE  # a hand scoring lower is no hand

    def __post_init__(self) -> None:
        """Reject settings that cannot work, with the setting's name in the message."""
        for name in ('refine_iterations', 'tracking_refine_iterations'):
            if getattr(self, name) < 0:
                raise InputError(f'{name} must be >= 0, got {getattr(self, name)}')
        if not 0.0 <= self.min_score <= 1.0:
            raise InputError(f'min_score must be in [0, 1], got {self.min_score}')


@dataclass
class HandPoseResult:
    """One frame's result. Positions in millimetres in the camera optical frame."""

    found: bool
    reason: str = ''
    joints_mm: np.ndarray | None = None       # (J, 3)
    joints_uvd: np.ndarray | None = None      # (J, 3): u, v pixels, depth mm
    confidences: np.ndarray | None = None     # (J,) in 0..1
    center_mm: np.ndarray | None = None       # (3,) centre of the crop (refined)
    detected_center_mm: np.ndarray | None = None   # (3,) start: localiser's or followed centre
    roi: tuple[int, int, int, int] | None = None   # x, y, w, h in image pixels
    crop: HandCrop | None = None
    tracked: bool = False                     # started from the previous frame's hand
    timings_ms: dict[str, float] = field(default_factory=dict)

    @property
    def score(self) -> float:
        return float(np.mean(self.confidences)) if self.confidences is not None else 0.0


def surface_step(crop_image: np.ndarray) -> float:
    """Median depth step between horizontally adjacent surface pixels of a crop (0: none)."""
    surface = crop_image < 1.0
    pairs = surface[:, 1:] & surface[:, :-1]
    if not pairs.any():
        return 0.0
    return float(np.median(np.abs(np.diff(crop_image, axis=1))[pairs]))


def in_image_fraction(crop: HandCrop) -> float:
    """Share of the crop that shows the image (the rest of a crop at its border is empty)."""
    _, _, width_px, height_px = crop.roi
    crop_px_per_image_px2 = abs(crop.transform[0, 0] * crop.transform[1, 1])
    return min(1.0, width_px * height_px * crop_px_per_image_px2 / crop.image.size)


def joint_confidences(joints_uvd: np.ndarray, depth_mm: np.ndarray) -> np.ndarray:
    """
    Per-joint plausibility against the observed depth, in 0..1.

    A joint can hide behind the visible surface but cannot float in front of it: the further a
    joint lies in front of the depth observed at its pixel, the lower its confidence. Joints
    outside the image or on invalid depth get 0.5 (no evidence either way).
    """
    height, width = depth_mm.shape
    u = np.round(joints_uvd[:, 0]).astype(int)
    v = np.round(joints_uvd[:, 1]).astype(int)
    inside = (u >= 0) & (u < width) & (v >= 0) & (v < height)
    observed = np.zeros(len(joints_uvd), np.float32)
    observed[inside] = depth_mm[v[inside], u[inside]]
    in_front_mm = np.maximum(observed - joints_uvd[:, 2], 0.0)
    confidence = np.exp(-in_front_mm / CONFIDENCE_SCALE_MM)
    return np.where(inside & (observed > 0), confidence, 0.5).astype(np.float32)


class _Stopwatch:
    """Collects per-stage wall times in milliseconds."""

    def __init__(self):
        self.timings_ms: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.timings_ms[stage] = (now - self._last) * 1000.0
        self._last = now


class HandPoseEstimator:
    """
    Depth frame in, metric 3-D hand out: localise, refine, crop, JGR-P2O, back-project.

    With ``config.tracking`` it follows the hand from frame to frame. A frame after one with a
    hand starts from that hand's centre as the network saw it (the mean of its centre joints,
    the point crops are built around), moved on by the centre's last frame-to-frame motion
    (constant velocity), then refined ``tracking_refine_iterations`` times (one by default:
    without it, a hand first found on its forearm stays there). Such a frame needs no search of
    the image and one refinement instead of two; on moving synthetic hands it is faster and
    more accurate than a searched frame (docs/performance.md). The hand stays followed while
    the crop can hold one (see :meth:`_holds_hand`); otherwise the frame is searched, near the
    last hand first.
    """

    def __init__(self, pose_model: PoseModel, refiner: CenterRefiner | None = None,
                 config: EstimatorConfig | None = None):
        self.pose_model, self.refiner = pose_model, refiner
        self.config = config or EstimatorConfig()
        self.localizer = HandLocalizer(self.config.localizer)
        self._followed_center_mm: np.ndarray | None = None   # None: no hand being followed
        self._last_center_mm: np.ndarray | None = None       # the last hand's, for the search
        self._camera: CameraModel | None = None              # the camera of the last frame

    @classmethod
    def from_files(cls, model_path=None, center_model_path=None, device: str = 'auto',
                   config: EstimatorConfig | None = None,
                   backend: str = 'auto') -> 'HandPoseEstimator':
        """Load both networks (None: the shipped defaults); missing files raise InputError."""
        return cls(PoseModel(model_path, device, backend=backend),
                   CenterRefiner(center_model_path, device, backend), config)

    @property
    def skeleton(self) -> Skeleton:
        return self.pose_model.skeleton

    def reset_tracking(self) -> None:
        """Forget the followed hand: the next frame is searched from scratch."""
        self._followed_center_mm = self._last_center_mm = None

    def estimate(self, depth_mm: np.ndarray, camera: CameraModel) -> HandPoseResult:
        """
        Run the whole pipeline; bad input raises InputError, no hand gives found=False.

        A hand scoring below ``config.min_score`` is no hand: a followed one is searched for
        instead, a searched one is not found. A new camera model forgets the followed hand.
        """
        camera.check_image_size(*depth_mm.shape)
        if camera != self._camera:
            self.reset_tracking()
            self._camera = camera
        watch = _Stopwatch()
        if self._followed_center_mm is not None:
            result = self._estimate_at(depth_mm, camera, self._followed_center_mm,
                                       self.config.tracking_refine_iterations, watch)
            if result is not None and result.score >= self.config.min_score:
                result.tracked = True
                return self._remember(result)
        prior_mm = self._last_center_mm if self.config.tracking else None
        detection = self.localizer.locate(depth_mm, camera, prior_mm)
        watch.lap('localize')
        if not detection.found:
            self.reset_tracking()
            return HandPoseResult(False, detection.reason, timings_ms=watch.timings_ms)
        result = self._estimate_at(depth_mm, camera, detection.center_mm,
                                   self.config.refine_iterations, watch, followed=False)
        if result is None:
            self.reset_tracking()
            return HandPoseResult(False, 'the candidate is no smooth surface (noise?)',
                                  timings_ms=watch.timings_ms)
        if result.score < self.config.min_score:
            self.reset_tracking()
            return HandPoseResult(False, f'best candidate scored {result.score:.2f} < min_score '
                                  f'{self.config.min_score:g}', timings_ms=watch.timings_ms)
        return self._remember(result)

    def _estimate_at(self, depth_mm: np.ndarray, camera: CameraModel, start_mm: np.ndarray,
                     refine_iterations: int, watch: _Stopwatch,
                     followed: bool = True) -> HandPoseResult | None:
        """Refine, crop, infer, back-project from ``start_mm``; None if the crop holds no hand."""
        center_mm = start_mm
        if self.refiner is not None and refine_iterations > 0:
            center_mm = self.refiner.refine(depth_mm, camera, center_mm, refine_iterations)
            watch.lap('refine')
        crop = self.pose_model.crop(depth_mm, camera, center_mm)
        watch.lap('crop')
        if not self._holds_hand(crop, followed):
            return None
        uvz = self.pose_model.predict_crops(crop.image[None])[0]
        watch.lap('infer')
        joints_uvd = crop_to_image(uvz, crop)
        joints_mm = camera.back_project_uvd(joints_uvd)
        confidences = joint_confidences(joints_uvd, depth_mm)
        watch.lap('back_project')
        return HandPoseResult(True, '', joints_mm, joints_uvd, confidences, center_mm,
                              start_mm, crop.roi, crop, timings_ms=watch.timings_ms)

    def _holds_hand(self, crop: HandCrop, followed: bool) -> bool:
        """
        Whether the crop's surface inside the cube can be a hand.

        Always: a smooth surface (:func:`surface_step`), not noise. A followed crop, which no
        search vouched for, also needs at least the localiser's ``min_area_mm2`` of surface and
        must not be nearly all surface where it lies in the image: that is a wall, table or body
        the hand has left (the localiser finds it too large as well).
        """
        if surface_step(crop.image) > MAX_SURFACE_STEP:
            return False
        if not followed:
            return True
        filled = np.count_nonzero(crop.image < 1.0) / crop.image.size
        area_mm2 = filled * self.pose_model.cube_mm ** 2
        return (area_mm2 >= self.config.localizer.min_area_mm2
                and filled <= MAX_HAND_FILL * in_image_fraction(crop))

    def _remember(self, result: HandPoseResult) -> HandPoseResult:
        center_mm = self.skeleton.hand_center(result.joints_mm)
        if self.config.tracking:
            # Constant velocity: where the hand will be if it keeps moving as it did.
            moved_mm = (center_mm - self._last_center_mm
                        if result.tracked else np.zeros(3))
            self._followed_center_mm = center_mm + moved_mm
        self._last_center_mm = center_mm
        return result
