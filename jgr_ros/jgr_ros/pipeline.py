# Copyright 2026 jgr_ros contributors. MIT License.
"""
The estimation pipeline on one depth frame, free of ROS: up to ``max_hands`` hands.

    depth (mm), camera -> checked once, here
        -> follow the hands of the last frame (constant velocity), and, while fewer than
           max_hands were followed, search the image (the localiser: rules or learned); the
           learned detector's searches also confirm the followed hands (or drop them)
        -> refine each hand's centre (DeepPrior++ network, iterated)
        -> crop a metric cube per hand to 96 x 96 in [-1, 1]
        -> JGR-P2O on all crops in one batch -> per-joint (u, v, z) in each crop
        -> full-image (u, v, depth) -> back-projection to the camera frame (mm)
        -> a searched hand: the hand verifier's word on its last crop, with the detection's score
           (with no hand followed, one turned down: the next detection, once)
        -> score against the observed depth; keep the best max_hands; a track id each

:class:`HandPoseEstimator` runs it all; the networks are in :mod:`jgr_ros.networks`, how they
run in :mod:`jgr_ros.runtime`, the track ids come from :class:`jgr_ros.tracking.HandTracker`.
"""
from dataclasses import dataclass, field, replace
import pathlib
import time
from typing import Sequence

from jgr_ros.camera import CameraModel
from jgr_ros.crop import crop_to_image, HandCrop
from jgr_ros.depth import check_depth_image
from jgr_ros.detector import HandDetector
from jgr_ros.errors import InputError
from jgr_ros.localization import HandDetection, HandLocalizer, Localizer, LocalizerConfig
from jgr_ros.networks import CenterRefiner, HandVerifier, PoseModel
from jgr_ros.skeletons import Skeleton
from jgr_ros.tracking import DEFAULT_GATE_MM, HandTracker
import numpy as np

# A joint this far in front of the observed surface (mm) gets confidence exp(-1).
CONFIDENCE_SCALE_MM = 30.0
# A followed crop more filled than this (of its part inside the image) is a surface the hand
# left, not a hand: true hands filled at most 0.87 of it in 300 synthetic frames with body,
# wall and table behind them.
MAX_HAND_FILL = 0.95
# A hand is a smooth surface: the median depth step between horizontally adjacent image pixels
# inside the crop's cube (units: 1 = half the cube's depth, 125 mm) was at most 0.040 on 300
# hands of the synthetic and hard test sets (median 0.008); uniform random depth (150-1500 or
# 350-900 mm) gives at least 0.55. Measured on the crop's resampled image instead, random depth
# was smoothed enough that the detector's version 3 found a 'hand' in 2 of 40 such frames.
MAX_SURFACE_STEP = 0.08
# Hands scoring below this are not reported (EstimatorConfig.min_score). Measured with the
# shipped models (python -m jgr_ros.ros.fuzz --scores 60): 60 synthetic hands scored 0.785 to
# 1.0 (median 0.991); the best candidate in random depth at hand distance 0.07 to 0.464, in
# other noise, walls and random images 0.0 (no candidate). 0.6 lies between.
DEFAULT_MIN_SCORE = 0.6
# The hand verifier's evidence against the detector's: a searched candidate is a hand when
# log(p / (1 - p)) + VERIFY_DETECTION_WEIGHT * its detection's score reaches
# EstimatorConfig.verify_min_log_odds (p: the verifier's probability on its last crop). With the
# verifier, the detector's weak and faint peaks (DetectorConfig.candidate_score 0.2 to
# min_score 0.4) are candidates too while no hand is followed, and such a search tries
# SPARE_CANDIDATES more candidates than it has room for hands when some are turned down.
# Chosen on the verifier's own held-out frames (seeds 9,500,000-9,501,499, JGR-P2O version 9;
# models/hand_verifier_mano21.md): weights 8-15 traced the same curve of hands found against
# false hands; with 10, log-odds 3.5, peaks from 0.2 and one spare candidate the searches found
# 1,467 hands and 45 false ones; log-odds 2.5 and peaks from 0.3 without a spare (the
# fourteenth session's defaults) 1,462 and 45; the detector alone at 0.4 1,439 and 59
# (log-odds 3.0: 1,475 and 51; peaks from 0.15: 1,471 and 49; two spares as one).
VERIFY_DETECTION_WEIGHT = 10.0
DEFAULT_VERIFY_MIN_LOG_ODDS = 3.5
# The verifier doubts the second of two hands more often than the first (its crop holds part of
# the other hand), so a searched hand beside one found or followed needs less evidence. Full
# sets, shipped networks in int8 (twenty-third session), second_hand_min_log_odds 3.5 / 1.5 /
# 0.5: two-hand set recall 93.08 / 94.10 / 94.33 %, precision 98.79 / 98.40 / 98.05 %, both
# hands found in 86.52 / 88.70 / 89.21 % of the 779 frames showing two; hard set precision
# 97.44 / 97.22 / 96.85 % (recall 95.36 % at all three); today's set precision 99.69 / 99.49 %
# (3.5 / 1.5); clutter-only frames with a hand 7 / 7 (docs/performance.md).
DEFAULT_SECOND_HAND_MIN_LOG_ODDS = 1.5
SPARE_CANDIDATES = 1
# A hand the pose network shrank below the size of any real hand is something else it was
# shown (an object, the end of a forearm): its knuckles (index to little-finger root) closer
# than MIN_PALM_WIDTH_MM and its joints on average nearer their mean than MIN_JOINT_SPREAD_MM.
# The smallest hands of the synthetic world (3,000 wide-world scenes; scale 0.8, parts -20 %)
# measure 37.5 mm and 23.7 mm (a fist, whose knuckles stay 38.5 mm apart). With JGR-P2O
# version 8 and the detector (tracking off, two hands; 600 hard, 300 two-hand and 500
# clutter-only frames) both together hold for 12 of the 31 hands reported more than 60 mm from
# any hand and for 5 of the 989 reported within 30 mm of one (full sets: the detector card).
MIN_PALM_WIDTH_MM = 30.0
MIN_JOINT_SPREAD_MM = 28.0
# Two hand centres (3-D) closer than this are one hand: a detection this near an estimated
# hand is not searched again, and of two estimates this near the lower-scoring one is dropped.
SAME_HAND_MM = 100.0
MAX_HANDS_LIMIT = 10
# The localisers EstimatorConfig.detector names, and the most hands each finds in one search.
# The rules find the nearest hand-sized blob: searched while the hand is followed, they find
# that hand again or another part of the scene, often a forearm (on one-hand videos, 10 of 30
# frames at 30 Hz each, a false second hand in 4 of 300 narrow-world and 57 of 300 wide-world
# frames; the best hand's mean error 16.78 -> 18.91 mm narrow, 127.4 -> 124.67 mm wide).
HANDS_PER_SEARCH = {'rules': 1, 'learned': MAX_HANDS_LIMIT}
DETECTORS = tuple(HANDS_PER_SEARCH)


@dataclass
class EstimatorConfig:
    """Pipeline settings; the ROS node maps its parameters onto these."""

    localizer: LocalizerConfig = field(default_factory=LocalizerConfig)   # the rules' tuning
    detector: str = 'learned'             # the localiser: learned (jgr_ros.detector) or rules
    max_hands: int = 2                    # hands estimated per frame, at most
    # After a search, refine each centre with the centre network this many times, then crop
    # each hand again around the centre of the joints JGR-P2O estimated and run it again,
    # recentre_iterations times. With either localiser the pose network's own centre did
    # better than the centre network (models/hand_detector_mano21.md); a second recentring
    # still helps (hard set, 300 frames: 86.3 -> 89.3 % of hands within 30 mm) and costs a
    # pose pass only on the frame a hand is found, not on followed hands.
    refine_iterations: int = 0
    recentre_iterations: int = 2
    tracking: bool = True                 # follow the hands (see HandPoseEstimator)
    # Centre refinements of a followed hand. None by default: from a learned detection the
    # pose network's own centre follows better (20 videos, 0.3 m/s: narrow world 10.00 ->
    # 8.88 mm, wide world 101.42 -> 18.16 mm: the centre network walks off wide-world hands).
    tracking_refine_iterations: int = 0
    min_score: float = DEFAULT_MIN_SCORE  # a hand scoring lower is no hand
    track_gate_mm: float = DEFAULT_GATE_MM   # a hand this near a track's centre continues it
    # While every hand of the last frame is followed but fewer than max_hands, look for more
    # every this many frames (a new hand shows up at most this many frames late); a search
    # costs a localiser pass (1.2 ms for the rules on 640 x 480, docs/performance.md).
    search_period_frames: int = 3
    # With the learned detector, those searches also confirm the followed hands, and run even
    # with max_hands followed: a followed hand no detection lies within SAME_HAND_MM of in this
    # many searches in a row is dropped, and the detections are looked at instead (a followed
    # crop can settle on a forearm or object the hand left: 2 of 20 wide-world videos,
    # docs/performance.md). 0: followed hands are never checked.
    confirm_misses: int = 2
    # With the learned detector: judge each searched hand with the hand verifier (which then
    # also looks at the detector's weak peaks while no hand is followed); a hand needs
    # verify_min_log_odds of evidence (VERIFY_DETECTION_WEIGHT; higher: fewer false hands,
    # and fewer hands).
    verify: bool = True
    verify_min_log_odds: float = DEFAULT_VERIFY_MIN_LOG_ODDS
    # The evidence a searched hand needs beside a hand found or followed in the same frame
    # (DEFAULT_SECOND_HAND_MIN_LOG_ODDS: the second of two hands is often doubted).
    second_hand_min_log_odds: float = DEFAULT_SECOND_HAND_MIN_LOG_ODDS
    # Run every pose pass on each crop and on its mirror image, and average the two estimates
    # (PoseModel.predict_crops): 4-6 % lower errors on the synthetic sets (hard set live 16.78
    # -> 15.80 mm), but 1 point fewer hard hands found, 0.75 mm worse on the NYU frame, and a
    # second crop per hand (~4.5 ms on a CPU core: two hands at 30 fps p99 25.93-31.34 ms).
    # Hence off by default (docs/performance.md).
    average_mirrored: bool = False

    def __post_init__(self) -> None:
        """Reject settings that cannot work, with the setting's name in the message."""
        for name in ('refine_iterations', 'tracking_refine_iterations', 'recentre_iterations',
                     'confirm_misses'):
            if getattr(self, name) < 0:
                raise InputError(f'{name} must be >= 0, got {getattr(self, name)}')
        if self.search_period_frames < 1:
            raise InputError(f'search_period_frames must be >= 1, got '
                             f'{self.search_period_frames}')
        if not 0.0 <= self.min_score <= 1.0:
            raise InputError(f'min_score must be in [0, 1], got {self.min_score}')
        if not 1 <= self.max_hands <= MAX_HANDS_LIMIT:
            raise InputError(f'max_hands must be in [1, {MAX_HANDS_LIMIT}], got {self.max_hands}')
        if self.detector not in DETECTORS:
            raise InputError(f'detector must be one of {", ".join(DETECTORS)}, got '
                             f'{self.detector!r}')
        if not self.track_gate_mm > 0.0:
            raise InputError(f'track_gate_mm must be positive, got {self.track_gate_mm}')


@dataclass
class HandPoseResult:
    """One hand of a frame. Positions in millimetres in the camera optical frame."""

    joints_mm: np.ndarray                     # (J, 3)
    joints_uvd: np.ndarray                    # (J, 3): u, v pixels, depth mm
    confidences: np.ndarray                   # (J,) in 0..1
    center_mm: np.ndarray                     # (3,) centre of the crop (refined)
    detected_center_mm: np.ndarray            # (3,) start: localiser's or followed centre
    crop: HandCrop
    tracked: bool = False                     # followed from the previous frame's hand
    detection_score: float | None = None      # of the detection a searched hand started at
    hand_log_odds: float | None = None        # the verifier's, with it (VERIFY_DETECTION_WEIGHT)
    track_id: int = 0                         # HandTracker's id (0 until assigned)
    unconfirmed: int = 0                      # searches in a row without a detection here

    @property
    def roi(self) -> tuple[int, int, int, int]:
        """Return the crop's x, y, w, h in image pixels."""
        return self.crop.roi

    @property
    def score(self) -> float:
        """Return the mean joint confidence (see :func:`joint_confidences`)."""
        return float(np.mean(self.confidences))


@dataclass
class HandPoseFrame:
    """One frame's result: its hands, best first (see HandPoseEstimator._best), and why none."""

    hands: list[HandPoseResult]
    reason: str = ''                          # '' when hands were found, else why not
    timings_ms: dict[str, float] = field(default_factory=dict)

    @property
    def best(self) -> HandPoseResult | None:
        """Return the best hand, or None."""
        return self.hands[0] if self.hands else None

    @property
    def tracked(self) -> bool:
        """Return whether every hand of the frame was followed (and there was one)."""
        return bool(self.hands) and all(hand.tracked for hand in self.hands)


def surface_step(depth_mm: np.ndarray, crop: HandCrop) -> float:
    """
    Median depth step between horizontally adjacent image pixels inside a crop's cube (0: none).

    Measured on the image itself, in units of half the cube's depth (the crop's units): the
    crop's resampling averages neighbouring pixels and so smooths random depth into a surface.
    """
    x, y, width, height = crop.roi
    patch_mm = depth_mm[y:y + height, x:x + width]
    half_depth_mm = crop.cube_mm[2] / 2.0
    inside = (patch_mm > 0.0) & (np.abs(patch_mm - crop.center_mm[2]) <= half_depth_mm)
    pairs = inside[:, 1:] & inside[:, :-1]
    if not pairs.any():
        return 0.0
    return float(np.median(np.abs(np.diff(patch_mm, axis=1))[pairs])) / half_depth_mm


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


def is_hand_sized(joints_mm: np.ndarray, skeleton: Skeleton) -> bool:
    """
    Return whether (J, 3) joints (mm) are not smaller than a hand can be (see MIN_PALM_WIDTH_MM).

    Skeletons without the index and little-finger roots are never too small.
    """
    if not {'index_mcp', 'pinky_mcp'} <= set(skeleton.joint_names):
        return True
    palm_mm = np.linalg.norm(joints_mm[skeleton.index('index_mcp')]
                             - joints_mm[skeleton.index('pinky_mcp')])
    spread_mm = np.linalg.norm(joints_mm - joints_mm.mean(axis=0), axis=1).mean()
    return bool(palm_mm >= MIN_PALM_WIDTH_MM or spread_mm >= MIN_JOINT_SPREAD_MM)


def load_detector(kind: str, path: str | pathlib.Path | None = None, device: str = 'auto',
                  backend: str = 'auto', precision: str = 'auto') -> Localizer | None:
    """Return the learned detector for ``kind`` 'learned' (None: the shipped file), else None."""
    return (HandDetector(path, device=device, backend=backend, precision=precision)
            if kind == 'learned' else None)


def load_verifier(config: EstimatorConfig, path: str | pathlib.Path | None = None,
                  device: str = 'auto', backend: str = 'auto') -> HandVerifier | None:
    """
    Return the hand verifier (None: the shipped file) for ``config``'s learned detector, else None.

    Loaded whether ``config.verify`` or not: the setting can change at run time.
    """
    return HandVerifier(path, device, backend) if config.detector == 'learned' else None


class _Stopwatch:
    """Collects per-stage wall times in milliseconds, summed over a frame's passes."""

    def __init__(self):
        self.timings_ms: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.timings_ms[stage] = self.timings_ms.get(stage, 0.0) + (now - self._last) * 1000.0
        self._last = now


class HandPoseEstimator:
    """
    Depth frame in, metric 3-D hands out: localise, refine, crop, JGR-P2O, back-project.

    With ``config.tracking`` it follows each hand from frame to frame. A hand of the last frame
    is looked for where the network saw its centre (the mean of its centre joints, the point
    crops are built around), moved on by that centre's last frame-to-frame motion if it was
    followed then too (constant velocity), and refined ``tracking_refine_iterations`` times
    (none by default; a hand the rules found on its forearm is left within a few frames with
    or without it, test_pipeline.py). Such a hand needs no search of the image and one pose pass
    instead of three; on moving synthetic hands it is faster and about as accurate as a
    searched one (docs/performance.md). A hand stays
    followed while its crop can hold one (see :meth:`_holds_hand`) and it scores at least
    ``min_score``.

    While fewer than ``max_hands`` hands were followed, the localiser searches the image (near
    the lost hands first): at once without a followed hand or when one was lost, else every
    ``search_period_frames`` frames if it can find more hands than are followed (the rules
    find one: with them the pipeline is the single-hand one whatever ``max_hands``). Its
    detections within :data:`SAME_HAND_MM` of a followed hand are that hand and skipped. The
    learned detector's periodic search runs with ``max_hands`` followed too: a followed hand
    that none of its detections, weak ones included, lies near in ``confirm_misses`` searches
    in a row is dropped (a crop that settled on something else), and its detections start
    hands in its place. Then the best ``max_hands`` hands are kept (of two within
    :data:`SAME_HAND_MM`, the better one) and :class:`HandTracker` gives each its track id.
    """

    def __init__(self, pose_model: PoseModel, refiner: CenterRefiner | None = None,
                 config: EstimatorConfig | None = None, detector: Localizer | None = None,
                 tracker: HandTracker | None = None, verifier: HandVerifier | None = None):
        """
        Run ``pose_model`` and ``refiner`` with ``config``.

        ``detector`` is the learned localiser (:func:`load_detector`), needed when
        ``config.detector`` is 'learned'; ``verifier`` judges its searched hands (None: none
        does, and its weak peaks start none); ``tracker`` carries track ids on from another
        estimator (see :meth:`reconfigured`).
        """
        self.pose_model, self.refiner, self.detector = pose_model, refiner, detector
        self.verifier = verifier
        if self.verifier is not None and self.verifier.cube_mm != pose_model.cube_mm:
            raise InputError(f'the hand verifier {self.verifier.path} judges '
                             f'{self.verifier.cube_mm:g} mm crops, the pose model makes '
                             f'{pose_model.cube_mm:g} mm ones')
        self.config = config or EstimatorConfig()
        if self.config.detector == 'learned' and detector is None:
            raise InputError("detector 'learned' needs the detector network (see "
                             'HandPoseEstimator.from_files)')
        self.localizer: Localizer = (detector if self.config.detector == 'learned'
                                     else HandLocalizer(self.config.localizer))
        self.tracker = tracker or HandTracker(self.config.track_gate_mm)
        self.tracker.gate_mm = self.config.track_gate_mm   # a shared tracker takes our gate
        self._followed_mm: list[np.ndarray] = []     # where to look for last frame's hands
        self._unconfirmed: list[int] = []              # and their HandPoseResult.unconfirmed
        self._last_centers_mm: list[np.ndarray] = []   # their centres, for the search
        self._camera: CameraModel | None = None        # the camera of the last frame
        self._frames_unsearched = 0                    # frames since the last search

    @classmethod
    def from_files(cls, model_path: str | pathlib.Path | None = None,
                   center_model_path: str | pathlib.Path | None = None, device: str = 'auto',
                   config: EstimatorConfig | None = None, backend: str = 'auto',
                   detector_model_path: str | pathlib.Path | None = None,
                   verifier_model_path: str | pathlib.Path | None = None,
                   precision: str = 'auto') -> 'HandPoseEstimator':
        """
        Load the networks (None: the shipped files); missing files raise InputError.

        ``precision`` (PRECISIONS) is the pose network's and the detector's; the others run
        fp32.
        """
        config = config or EstimatorConfig()
        return cls(PoseModel(model_path, device, backend=backend, precision=precision),
                   CenterRefiner(center_model_path, device, backend), config,
                   load_detector(config.detector, detector_model_path, device, backend,
                                 precision),
                   verifier=load_verifier(config, verifier_model_path, device, backend))

    def reconfigured(self, config: EstimatorConfig) -> 'HandPoseEstimator':
        """
        Return an estimator with ``config`` on the same networks and tracks (ids go on).

        It replaces this one: the two share the tracker, so they must not run side by side.
        """
        return HandPoseEstimator(self.pose_model, self.refiner, config, self.detector,
                                 self.tracker, self.verifier)

    @property
    def skeleton(self) -> Skeleton:
        return self.pose_model.skeleton

    def reset_tracking(self) -> None:
        """Forget the followed hands: the next frame is searched from scratch."""
        self._followed_mm, self._unconfirmed, self._last_centers_mm = [], [], []

    def estimate(self, depth_mm: np.ndarray, camera: CameraModel) -> HandPoseFrame:
        """
        Run the whole pipeline on (H, W) millimetres (0 = invalid) seen by ``camera``.

        Bad input raises InputError (checked here, once); no hand gives no hands and the
        reason. A hand scoring below ``config.min_score`` is no hand. A new camera model
        forgets the followed hands (their track ids go on).
        """
        depth_mm = check_depth_image(depth_mm, camera)
        if camera != self._camera:
            self.reset_tracking()
            self._camera = camera
        watch = _Stopwatch()
        results = self._estimate_at(depth_mm, camera, self._followed_mm,
                                    self.config.tracking_refine_iterations, watch, True)
        for hand, unconfirmed in zip(results, self._unconfirmed):
            if hand is not None:
                hand.unconfirmed = unconfirmed
        hands = [hand for hand in results if self._is_hand(hand)]
        lost_mm = [center for center, hand in zip(self._last_centers_mm, results)
                   if not self._is_hand(hand)]
        reason = ''
        if self._searches(hands, lost_mm):
            hands, reason = self._search(depth_mm, camera, hands, lost_mm, watch)
        hands = self._best(hands)
        self._remember(hands)
        return HandPoseFrame(hands, '' if hands else reason, watch.timings_ms)

    @property
    def _verifying(self) -> bool:
        """Return whether the verifier judges searched hands (those of the learned detector)."""
        return (self.verifier is not None and self.config.verify
                and self.config.detector == 'learned')

    @property
    def _confirming(self) -> bool:
        """Return whether searches check the followed hands (see confirm_misses)."""
        return self.config.detector == 'learned' and self.config.confirm_misses > 0

    def _searches(self, followed: list[HandPoseResult], lost_mm: list[np.ndarray]) -> bool:
        """
        Return whether this frame is searched (and count the frames).

        Always without a followed hand or when one was lost; otherwise every
        ``search_period_frames`` frames where the search can find more hands (fewer than
        max_hands followed, and than the localiser finds: the rules find one) or confirms the
        followed ones.
        """
        due = self._frames_unsearched + 1 >= self.config.search_period_frames
        more = len(followed) < min(self.config.max_hands, HANDS_PER_SEARCH[self.config.detector])
        searches = not followed or bool(lost_mm) or (due and (more or self._confirming))
        self._frames_unsearched = 0 if searches else self._frames_unsearched + 1
        return searches

    def _search(self, depth_mm: np.ndarray, camera: CameraModel,
                followed: list[HandPoseResult], priors_mm: list[np.ndarray],
                watch: _Stopwatch) -> tuple[list[HandPoseResult], str]:
        """
        Return the followed hands the search keeps and the new hands it finds, or why none.

        New hands start at detections not within SAME_HAND_MM of a kept hand (see
        :meth:`_new_hands`); with the verifier, each must convince it (:meth:`_judge`), and
        while no hand is followed weak and faint detections start hands too (beside followed
        hands they would cost the periodic searches three pose passes for little: one-hand node
        at 60 fps, p99 38-42 ms against 26 ms, docs/performance.md).
        """
        detections = self.localizer.locate_hands(
            depth_mm, camera, MAX_HANDS_LIMIT if self._confirming else self.config.max_hands,
            priors_mm)
        watch.lap('localize')
        if self._confirming:
            followed = self._confirmed(followed, [*detections, *detections.weak])
        candidates = ([*detections, *detections.weak, *detections.faint]
                      if self._verifying and not followed else detections)
        if not candidates:
            return followed, detections.reason or 'the localiser found no hand'
        known_mm = [self.skeleton.hand_center(hand.joints_mm) for hand in followed]
        candidates = [detection for detection in candidates
                      if not _near_any(detection.center_mm, known_mm)]
        if not candidates:
            return followed, 'the localiser found only the followed hands'
        hands, tried = self._new_hands(depth_mm, camera, candidates, known_mm, watch)
        if not tried:
            return followed, 'the candidate is no smooth surface (noise?)'
        return followed + hands, self._why_not(max(tried, key=lambda hand: hand.score))

    def _new_hands(self, depth_mm: np.ndarray, camera: CameraModel,
                   candidates: list[HandDetection], known_mm: list[np.ndarray],
                   watch: _Stopwatch) -> tuple[list[HandPoseResult], list[HandPoseResult]]:
        """
        Return the hands started at ``candidates`` (best first) and every hand tried.

        The best as many as there is room for (max_hands less the ``known_mm`` hands) go through
        JGR-P2O in one batch; while no hand is followed, for each turned down (no hand, doubted
        by the verifier, or a hand already known) the next goes in another batch,
        SPARE_CANDIDATES at most (beside followed hands, the periodic searches stay one batch).
        """
        room = self.config.max_hands - len(known_mm)
        left = room + (0 if known_mm else SPARE_CANDIDATES)
        known_mm = list(known_mm)
        hands, tried = [], []
        while candidates and len(hands) < room and left > 0:
            count = min(room - len(hands), left)
            batch, candidates = candidates[:count], candidates[count:]
            left -= count
            results = self.search_candidates(depth_mm, camera, batch, watch)
            if self._verifying and results:
                self._judge(results, watch)
            tried += results
            for hand in results:
                center_mm = self.skeleton.hand_center(hand.joints_mm)
                if (self._is_hand(hand, beside_hand=bool(known_mm))
                        and not _near_any(center_mm, known_mm)):
                    hands.append(hand)
                    known_mm.append(center_mm)
        return hands, tried

    def search_candidates(self, depth_mm: np.ndarray, camera: CameraModel,
                          detections: Sequence[HandDetection],
                          watch: _Stopwatch | None = None) -> list[HandPoseResult]:
        """
        Return the hands estimated from a search's detections, before any is judged a hand.

        From each detection: refine ``refine_iterations`` times, crop, JGR-P2O (one batch),
        then again around its joints' centre ``recentre_iterations`` times; detections whose
        crop holds no smooth surface give none. ``depth_mm`` must be a checked frame of
        ``camera``.
        """
        watch = watch or _Stopwatch()
        results = self._estimate_at(depth_mm, camera,
                                    [detection.center_mm for detection in detections],
                                    self.config.refine_iterations, watch, False)
        results = [replace(hand, detection_score=detection.score)
                   for hand, detection in zip(results, detections) if hand is not None]
        for _ in range(self.config.recentre_iterations if results else 0):
            results = self._recentred(depth_mm, camera, results, watch)
        return results

    def _judge(self, hands: list[HandPoseResult], watch: _Stopwatch) -> None:
        """
        Set each searched hand's ``hand_log_odds`` (see VERIFY_DETECTION_WEIGHT).

        The verifier's log-odds on the hand's last crop plus the weighted score of its detection.
        """
        probabilities = self.verifier.hand_probabilities(
            np.stack([hand.crop.image for hand in hands])).astype(np.float64)
        probabilities = np.clip(probabilities, 1e-6, 1.0 - 1e-6)
        for hand, probability in zip(hands, probabilities):
            hand.hand_log_odds = float(np.log(probability / (1.0 - probability))
                                       + VERIFY_DETECTION_WEIGHT * hand.detection_score)
        watch.lap('verify')

    def _confirmed(self, followed: list[HandPoseResult],
                   detections: Sequence) -> list[HandPoseResult]:
        """
        Count the searches without a detection (or weak one) at each followed hand.

        Return the followed hands but those unconfirmed ``confirm_misses`` times in a row.
        """
        detected_mm = [detection.center_mm for detection in detections]
        kept = []
        for hand in followed:
            confirmed = _near_any(self.skeleton.hand_center(hand.joints_mm), detected_mm)
            hand.unconfirmed = 0 if confirmed else hand.unconfirmed + 1
            if hand.unconfirmed < self.config.confirm_misses:
                kept.append(hand)
        return kept

    def _recentred(self, depth_mm: np.ndarray, camera: CameraModel,
                   hands: list[HandPoseResult], watch: _Stopwatch) -> list[HandPoseResult]:
        """Estimate each hand again from the centre of its joints (where the crop holds one)."""
        again = self._estimate_at(depth_mm, camera,
                                  [self.skeleton.hand_center(hand.joints_mm) for hand in hands],
                                  0, watch, False)
        return [hand if new is None else replace(new, detected_center_mm=hand.detected_center_mm,
                                                 detection_score=hand.detection_score)
                for hand, new in zip(hands, again)]

    def _estimate_at(self, depth_mm: np.ndarray, camera: CameraModel,
                     starts_mm: Sequence[np.ndarray], refine_iterations: int,
                     watch: _Stopwatch, followed: bool) -> list[HandPoseResult | None]:
        """
        Refine, crop, infer (one batch), back-project from each start.

        Returns a result per start, None where the crop holds no hand.
        """
        if not starts_mm:
            return []
        centers_mm = list(starts_mm)
        if self.refiner is not None and refine_iterations > 0:
            centers_mm = [self.refiner.refine(depth_mm, camera, center_mm, refine_iterations)
                          for center_mm in centers_mm]
            watch.lap('refine')
        crops = [self.pose_model.crop(depth_mm, camera, center_mm) for center_mm in centers_mm]
        watch.lap('crop')
        holds = [index for index, crop in enumerate(crops)
                 if self._holds_hand(depth_mm, crop, followed)]
        results: list[HandPoseResult | None] = [None] * len(crops)
        if not holds:
            return results
        uvz = self.pose_model.predict_crops(np.stack([crops[index].image for index in holds]),
                                            self.config.average_mirrored)
        watch.lap('infer')
        for index, joints_uvz in zip(holds, uvz):
            joints_uvd = crop_to_image(joints_uvz, crops[index])
            results[index] = HandPoseResult(
                camera.back_project_uvd(joints_uvd), joints_uvd,
                joint_confidences(joints_uvd, depth_mm), centers_mm[index], starts_mm[index],
                crops[index], tracked=followed)
        watch.lap('back_project')
        return results

    def _holds_hand(self, depth_mm: np.ndarray, crop: HandCrop, followed: bool) -> bool:
        """
        Whether the crop's surface inside the cube can be a hand.

        Always: a smooth surface (:func:`surface_step`), not noise. A followed crop, which no
        search vouched for, also needs at least the localiser's ``min_area_mm2`` of surface and
        must not be nearly all surface where it lies in the image: that is a wall, table or body
        the hand has left (the localiser finds it too large as well).
        """
        if surface_step(depth_mm, crop) > MAX_SURFACE_STEP:
            return False
        if not followed:
            return True
        filled = np.count_nonzero(crop.image < 1.0) / crop.image.size
        area_mm2 = filled * self.pose_model.cube_mm ** 2
        return (area_mm2 >= self.config.localizer.min_area_mm2
                and filled <= MAX_HAND_FILL * in_image_fraction(crop))

    def _is_hand(self, hand: HandPoseResult | None, beside_hand: bool = False) -> bool:
        """
        Return whether ``hand`` is one: scoring at least min_score, hand-sized, in range.

        And, where the verifier judged it, with verify_min_log_odds of evidence
        (second_hand_min_log_odds ``beside_hand``: a hand found or followed in the frame).
        """
        working_range = self.config.localizer
        min_log_odds = (self.config.second_hand_min_log_odds if beside_hand
                        else self.config.verify_min_log_odds)
        return (hand is not None and hand.score >= self.config.min_score
                and (hand.hand_log_odds is None or hand.hand_log_odds >= min_log_odds)
                and working_range.min_depth_mm <= hand.center_mm[2]
                <= working_range.max_depth_mm
                and is_hand_sized(hand.joints_mm, self.skeleton))

    def _why_not(self, hand: HandPoseResult) -> str:
        """Say why ``hand``, the best candidate, is no hand (when it is none)."""
        if hand.hand_log_odds is not None and hand.hand_log_odds < self.config.verify_min_log_odds:
            return (f'the hand verifier doubts the best candidate (log-odds '
                    f'{hand.hand_log_odds:.1f} < verify_min_log_odds '
                    f'{self.config.verify_min_log_odds:g})')
        if hand.score < self.config.min_score:
            return f'best candidate scored {hand.score:.2f} < min_score {self.config.min_score:g}'
        if not is_hand_sized(hand.joints_mm, self.skeleton):
            return 'the best candidate is smaller than any hand (an object?)'
        return f'the best candidate lies {hand.center_mm[2]:.0f} mm away, out of the working range'

    def _best(self, hands: list[HandPoseResult]) -> list[HandPoseResult]:
        """
        Return the best max_hands hands, best first, no two of them one hand.

        Where the verifier judged every hand (a search with no hand followed), its evidence ranks
        them, the pose score breaking ties: the score, the mean of 21 joint confidences, is too
        coarse to rank hands alone (on the HANDS2017 frame a false hand, detected at 0.34 with
        log-odds 5.2, tied or beat the hand, detected at 0.86 with log-odds 11.5). Beside
        followed hands, which the verifier does not judge again, the score ranks them.
        """
        judged = all(hand.hand_log_odds is not None for hand in hands)
        ranked = sorted(hands, reverse=True,
                        key=(lambda hand: (hand.hand_log_odds, hand.score)) if judged
                        else (lambda hand: hand.score))
        kept, kept_mm = [], []
        for hand in ranked:
            center_mm = self.skeleton.hand_center(hand.joints_mm)
            if len(kept) < self.config.max_hands and not _near_any(center_mm, kept_mm):
                kept.append(hand)
                kept_mm.append(center_mm)
        return kept

    def _remember(self, hands: list[HandPoseResult]) -> None:
        """Give the hands their track ids; remember where to look for them next frame."""
        centers_mm = [self.skeleton.hand_center(hand.joints_mm) for hand in hands]
        for hand, track_id in zip(hands, self.tracker.update(centers_mm)):
            hand.track_id = track_id
        self._last_centers_mm = centers_mm
        self._unconfirmed = [hand.unconfirmed for hand in hands]
        # Constant velocity, for a hand followed in this frame too: where it will be if it
        # keeps moving as it did.
        self._followed_mm = [track.predicted_mm if hand.tracked else track.center_mm
                             for hand, track in zip(hands, self.tracker.tracks)
                             ] if self.config.tracking else []


def _near_any(center_mm: np.ndarray, others_mm: list[np.ndarray]) -> bool:
    """Return whether ``center_mm`` is within SAME_HAND_MM of one of ``others_mm``."""
    return any(np.linalg.norm(center_mm - other_mm) < SAME_HAND_MM for other_mm in others_mm)
