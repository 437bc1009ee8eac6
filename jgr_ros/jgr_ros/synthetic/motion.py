# Copyright 2026 jgr_ros contributors. MIT License.
"""
Smoothly moving hands: a deterministic video of one hand in front of a camera.

Where :func:`~jgr_ros.synthetic.scene.sample_scene` draws independent still frames,
:class:`HandMotion` gives the scene at any time of one continuous sequence, for testing and
benchmarking temporal tracking and for a synthetic camera that shows motion:

- per sequence (from the seed): handedness, hand shape and a base orientation, drawn as for
  still frames;
- the hand centre (mean of the wrist and the middle MCP) follows a sum of three sinusoids per
  axis with random frequencies and phases, time-scaled so that it moves at about
  ``MotionConfig.speed_m_s``. Its depth spans ``SyntheticConfig.distance_range_m``, starting
  farther where the hand would otherwise come within 5 cm of the camera plane (with the
  default range, only a forearm pointing at the camera does), and its image position spans
  the positions where every joint lies inside the image (with the margin still frames keep),
  computed exactly for the current depth, pose and orientation (mid-way where none does);
- the orientation wobbles about the base orientation by at most ``MotionConfig.turn_deg``
  (a rotation about a slowly turning axis through the hand centre, sinusoidal per camera
  axis);
- the fingers blend with a smoothstep between key poses, one every
  ``MotionConfig.pose_period_s`` seconds, drawn as still frames draw theirs (gestures and
  natural poses); blends of poses within the joint limits stay within them.

Everything is continuous in time. There is no clutter (no body, wall, table or distractor);
the forearm is part of the hand as in still frames.

A video may show two hands (:class:`MotionVideo` ``hands=2``), each a :class:`HandMotion` of
its own seed, rendered together: the second hand's mesh is part of the scene's clutter and its
labels are in ``Scene.more_hands``. By default they stay apart, the first in the left half of
the image and the second in the right half; with ``crossing`` both sweep across the whole
width in opposite directions and pass each other, the first in the nearer 40 % of the distance
range and the second in the farther 40 %.

    camera = get_camera_preset('realsense_d435_640x480')
    scene = HandMotion(camera, seed=3).scene_at(1.25)         # the Scene at t = 1.25 s
    frames = motion_frames(camera, seed=3, count=90, rate_hz=30.0)   # 3 s of video
    crossing = motion_frames(camera, 3, 90, 30.0, hands=2, crossing=True)
"""

from dataclasses import dataclass, replace
import math

from jgr_ros.camera import CameraModel
from jgr_ros.errors import InputError
from jgr_ros.skeletons import get_skeleton
from jgr_ros.synthetic.generator import SyntheticFrame, SyntheticHandGenerator
from jgr_ros.synthetic.hand_model import HandGeometry, HandPose, HandShape, pose_hand, rotations
from jgr_ros.synthetic.objects import MIN_Z_CLEARANCE_M
from jgr_ros.synthetic.poses import sample_orientation
from jgr_ros.synthetic.scene import (
    _PLACEMENT_MARGIN_PX,
    LabelledHand,
    sample_pose,
    Scene,
    SyntheticConfig,
)
from jgr_ros.synthetic.sphere_mesh import SphereMesh
import numpy as np

_MANO = get_skeleton('mano21')
# Independent random streams of one sequence (SeedSequence spawn keys under the seed).
_KEY_POSE_STREAM, _SENSOR_STREAM, _NOISE_STREAM = 1, 2, 3
# Centre path: per axis, sum of sinusoids with these amplitudes and nominal frequencies
# (path time units; each frequency is scaled by a random factor in _FREQUENCY_JITTER).
_PATH_AMPLITUDES = np.array([1.0, 0.5, 0.25])
_PATH_FREQUENCIES = np.array([1.0, 1.9, 3.7])
_FREQUENCY_JITTER = (0.8, 1.25)
_CALIBRATION_SPAN = 400.0   # path time over which the mean speed is measured
_CALIBRATION_STEP = 0.02
# Orientation wobble: per camera axis, two sinusoids (amplitudes 1 and 0.5), rad/s.
_WOBBLE_AMPLITUDES = np.array([1.0, 0.5])
_WOBBLE_RATES_RAD_S = ((0.6, 1.2), (1.3, 2.2))
_MAX_TURN_DEG = 90.0
# The stream a video's second hand draws its seed from.
_SECOND_HAND_STREAM = 4
# Crossing hands: the shares of the distance range the near and the far hand keep to.
_CROSSING_NEAR_SHARE, _CROSSING_FAR_SHARE = (0.0, 0.4), (0.6, 1.0)


@dataclass(frozen=True)
class MotionConfig:
    """How a hand moves: speed of its centre, orientation wobble, rate of pose changes."""

    speed_m_s: float = 0.3       # mean speed of the hand centre
    turn_deg: float = 25.0       # largest rotation away from the base orientation
    pose_period_s: float = 1.5   # a new key pose every this many seconds, blended smoothly
    image_x_span: tuple[float, float] = (0.0, 1.0)   # the joints stay in this share of the width
    # None: the centre wanders in x as in y and depth; a phase (radians): it sweeps across the
    # span and back, -cos(path time + phase), so 0 starts left and pi starts right.
    sweep_phase_rad: float | None = None

    def __post_init__(self) -> None:
        """Validate the values (InputError)."""
        if not (math.isfinite(self.speed_m_s) and self.speed_m_s > 0.0):
            raise InputError(f'MotionConfig.speed_m_s must be finite and > 0, got '
                             f'{self.speed_m_s}')
        if not 0.0 <= self.turn_deg <= _MAX_TURN_DEG:
            raise InputError(f'MotionConfig.turn_deg must be in [0, {_MAX_TURN_DEG:g}], got '
                             f'{self.turn_deg}')
        if not (math.isfinite(self.pose_period_s) and self.pose_period_s > 0.0):
            raise InputError(f'MotionConfig.pose_period_s must be finite and > 0, got '
                             f'{self.pose_period_s}')
        left, right = self.image_x_span
        if not 0.0 <= left < right <= 1.0:
            raise InputError(f'MotionConfig.image_x_span must be 0 <= left < right <= 1, got '
                             f'{self.image_x_span}')


class HandMotion:
    """
    One hand moving smoothly in front of a camera, deterministic for (camera, seed, configs).

    :meth:`scene_at` is a pure function of time: the same time gives the same scene bit for
    bit, whatever was asked before. Scenes have no clutter (``clutter=None``, ``planes=()``).
    The camera's distortion, if any, is dropped as :class:`SyntheticHandGenerator` drops it.
    """

    def __init__(self, camera: CameraModel, seed: int, config: SyntheticConfig | None = None,
                 motion: MotionConfig | None = None) -> None:
        """Draw the sequence's hand, base orientation and path from ``seed`` (an int >= 0)."""
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise InputError(f'seed must be a non-negative integer, got {seed!r}')
        self.camera = replace(camera, distortion=()) if camera.has_distortion else camera
        self.seed = int(seed)
        self.config = SyntheticConfig() if config is None else config
        self.motion = MotionConfig() if motion is None else motion
        rng = np.random.default_rng(self.seed)
        self.handedness = 'left' if rng.random() < self.config.left_hand_probability else 'right'
        self.shape = HandShape.sample(rng, self.config.hand_scale_range,
                                      self.config.shape_variation)
        self.base_orientation = sample_orientation(rng, self.config.any_rotation_probability)
        self._path_frequencies = _PATH_FREQUENCIES * rng.uniform(*_FREQUENCY_JITTER, (3, 3))
        self._path_phases = rng.uniform(0.0, 2.0 * np.pi, (3, 3))
        self._wobble_rates = np.stack([rng.uniform(low, high, 3)
                                       for low, high in _WOBBLE_RATES_RAD_S], axis=1)
        self._wobble_phases = rng.uniform(0.0, 2.0 * np.pi, (3, 2))
        self._key_poses: dict[int, tuple[str, np.ndarray]] = {}
        self._path_rate = self._calibrated_path_rate()

    def scene_at(self, time_s: float) -> Scene:
        """Return the scene at ``time_s`` seconds (>= 0) after the start of the sequence."""
        gesture, pose = self.pose_at(time_s)
        geometry = self._geometry(pose)
        rotation = self.orientation_at(time_s)
        center, joint_offsets, sphere_offsets = _offsets(geometry, rotation)
        position = self._centers(np.array([self._path_rate * time_s]), joint_offsets[None],
                                 sphere_offsets[None], geometry.mesh.radii_m)[0]
        translation = position - rotation @ center
        joints_m = geometry.joints_m @ rotation.T + translation
        return Scene(geometry.mesh.transformed(rotation, translation),
                     joints_m.astype(np.float32), gesture, self.handedness, None, ())

    def pose_at(self, time_s: float) -> tuple[str, HandPose]:
        """
        Return (gesture, pose) at ``time_s``: the smoothstep blend of the two key poses around it.

        The gesture is that of the key pose that dominates the blend ('' for a natural pose).
        """
        time_s = _checked_time(time_s)
        phase = time_s / self.motion.pose_period_s
        index = math.floor(phase)
        u = phase - index
        blend = u * u * (3.0 - 2.0 * u)  # smoothstep: C1, flat at the key poses
        (gesture0, angles0), (gesture1, angles1) = self._key_pose(index), self._key_pose(index + 1)
        pose = HandPose((1.0 - blend) * angles0 + blend * angles1).clipped()
        return (gesture0 if blend < 0.5 else gesture1), pose

    def orientation_at(self, time_s: float) -> np.ndarray:
        """Return the hand-to-camera rotation (3, 3) at ``time_s``: the base one, wobbled."""
        time_s = _checked_time(time_s)
        waves = np.sin(self._wobble_rates * time_s + self._wobble_phases) @ _WOBBLE_AMPLITUDES
        # Each component within [-1, 1] / sqrt(3): the rotation angle is at most turn_deg.
        rotation_vector = (np.deg2rad(self.motion.turn_deg) / math.sqrt(3.0)
                           * waves / _WOBBLE_AMPLITUDES.sum())
        angle = float(np.linalg.norm(rotation_vector))
        axis = rotation_vector / angle if angle > 0.0 else np.zeros(3)
        return rotations(axis[None], np.array([angle]))[0] @ self.base_orientation

    def _key_pose(self, index: int) -> tuple[str, np.ndarray]:
        """Key pose ``index`` (gesture, angles): drawn from its own stream, so order-free."""
        if index not in self._key_poses:
            rng = np.random.default_rng(np.random.SeedSequence(
                self.seed, spawn_key=(_KEY_POSE_STREAM, index)))
            gesture, pose = sample_pose(rng, self.config, self.shape)
            self._key_poses[index] = (gesture, pose.angles_deg)
        return self._key_poses[index]

    def _geometry(self, pose: HandPose) -> HandGeometry:
        geometry = pose_hand(pose, self.shape)
        return geometry.mirrored() if self.handedness == 'left' else geometry

    def _path(self, path_time: np.ndarray) -> np.ndarray:
        """(N, 3) path coordinates in [-1, 1] (image x, image y, depth) at path times (N,)."""
        waves = np.sin(path_time[:, None, None] * self._path_frequencies + self._path_phases)
        path = waves @ _PATH_AMPLITUDES / _PATH_AMPLITUDES.sum()
        if self.motion.sweep_phase_rad is not None:
            path[:, 0] = -np.cos(path_time + self.motion.sweep_phase_rad)
        return path

    def _centers(self, path_time: np.ndarray, joint_offsets: np.ndarray,
                 sphere_offsets: np.ndarray, radii_m: np.ndarray) -> np.ndarray:
        """
        Return (N, 3) hand centres at path times (N,) for hands with these offsets.

        ``joint_offsets`` (N, 21, 3) and ``sphere_offsets`` (N, S, 3) are relative to the hand
        centre, in camera axes. The depth spans the distance range, from wherever the nearest
        sphere keeps its clearance from the camera plane. For that depth, each joint bounds
        the centre's x/z and y/z linearly (pinhole projection); the centre spans the interval
        that keeps every joint inside the image, or sits mid-way where none does.
        """
        path = self._path(path_time)
        near_m, far_m = self.config.distance_range_m
        clearance_m = np.max(radii_m - sphere_offsets[..., 2], axis=-1) + MIN_Z_CLEARANCE_M
        near_m = np.maximum(near_m, clearance_m)
        far_m = np.maximum(far_m, near_m)
        depth_m = near_m + (path[:, 2] + 1.0) / 2.0 * (far_m - near_m)
        camera = self.camera
        focal, principal = np.array([camera.fx, camera.fy]), np.array([camera.cx, camera.cy])
        span_px = np.array(self.motion.image_x_span) * camera.width
        first = (np.array([span_px[0], 0.0]) + _PLACEMENT_MARGIN_PX - principal) / focal
        last = (np.array([span_px[1], camera.height]) - _PLACEMENT_MARGIN_PX - principal) / focal
        joint_depth = (depth_m[:, None] + joint_offsets[..., 2])[..., None]
        bounds = [(edge * joint_depth - joint_offsets[..., :2]) / depth_m[:, None, None]
                  for edge in (first, last)]
        lower = np.minimum(*bounds).max(axis=1)
        upper = np.maximum(*bounds).min(axis=1)
        xy = (lower + upper) / 2.0 + path[:, :2] * np.maximum(upper - lower, 0.0) / 2.0
        return np.concatenate([xy, np.ones((len(xy), 1))], axis=1) * depth_m[:, None]

    def _calibrated_path_rate(self) -> float:
        """
        Path time per second that gives the configured mean speed.

        Measured on the first key pose in the base orientation over a long stretch of path;
        the wobble and the pose changes add a little motion of their own.
        """
        geometry = self._geometry(HandPose(self._key_pose(0)[1]))
        _, joint_offsets, sphere_offsets = _offsets(geometry, self.base_orientation)
        path_time = np.arange(0.0, _CALIBRATION_SPAN, _CALIBRATION_STEP)
        centers = self._centers(path_time, joint_offsets[None], sphere_offsets[None],
                                geometry.mesh.radii_m)
        path_speed = np.linalg.norm(np.diff(centers, axis=0), axis=1).sum() / path_time[-1]
        return self.motion.speed_m_s / path_speed if path_speed > 1e-9 else 0.0


class MotionVideo:
    """
    Moving hands filmed at ``rate_hz``: ``frame(i)`` renders the scene at time i / rate_hz.

    One hand, or two (``hands=2``: apart, or ``crossing``; see the module docstring), each a
    :class:`HandMotion` in :attr:`hands`; :attr:`hand` is the first. Whether the sensor model
    applies is decided once per video (with the config's ``sensor_probability``); its noise is
    drawn per frame from (seed, i), so every frame is deterministic on its own.
    """

    def __init__(self, camera: CameraModel, seed: int, rate_hz: float,
                 config: SyntheticConfig | None = None, motion: MotionConfig | None = None,
                 hands: int = 1, crossing: bool = False):
        if not (math.isfinite(rate_hz) and rate_hz > 0.0):
            raise InputError(f'rate_hz must be finite and > 0, got {rate_hz}')
        if hands == 1 and not crossing:
            self.hands = (HandMotion(camera, seed, config, motion),)
        elif hands == 2:
            self.hands = _two_hands(camera, seed, config or SyntheticConfig(),
                                    motion or MotionConfig(), crossing)
        else:
            raise InputError(f'a video shows 1 or 2 hands (crossing: 2), got {hands} '
                             f'(crossing={crossing})')
        self.hand = self.hands[0]
        self.rate_hz = rate_hz
        sensor_rng = np.random.default_rng(np.random.SeedSequence(
            self.hand.seed, spawn_key=(_SENSOR_STREAM,)))
        noisy = sensor_rng.random() < self.hand.config.sensor_probability
        self._generator = SyntheticHandGenerator(
            self.hand.camera, replace(self.hand.config, sensor_probability=float(noisy)))

    def frame(self, index: int) -> SyntheticFrame:
        """Render frame ``index`` (>= 0)."""
        rng = np.random.default_rng(np.random.SeedSequence(self.hand.seed,
                                                           spawn_key=(_NOISE_STREAM, index)))
        return self._generator.render(self.scene_at(index / self.rate_hz), rng)

    def scene_at(self, time_s: float) -> Scene:
        """Return the scene at ``time_s``: the first hand's, with the others as clutter."""
        first, *others = (hand.scene_at(time_s) for hand in self.hands)
        if not others:
            return first
        return replace(first, clutter=SphereMesh.concatenate([other.hand for other in others]),
                       more_hands=tuple(LabelledHand(other.joints_m, other.gesture,
                                                     other.handedness) for other in others))


def motion_frames(camera: CameraModel, seed: int, count: int, rate_hz: float,
                  config: SyntheticConfig | None = None, motion: MotionConfig | None = None,
                  hands: int = 1, crossing: bool = False) -> list[SyntheticFrame]:
    """Render frames 0 .. count-1 of :class:`MotionVideo` ``seed`` (of ``hands`` hands)."""
    if isinstance(count, bool) or not isinstance(count, (int, np.integer)) or count < 0:
        raise InputError(f'count must be a non-negative integer, got {count!r}')
    video = MotionVideo(camera, seed, rate_hz, config, motion, hands, crossing)
    return [video.frame(index) for index in range(count)]


def _two_hands(camera: CameraModel, seed: int, config: SyntheticConfig, motion: MotionConfig,
               crossing: bool) -> tuple[HandMotion, HandMotion]:
    """Return the first hand (``seed``) and a second one (its own seed): apart or crossing."""
    second_seed = int(np.random.SeedSequence(
        seed, spawn_key=(_SECOND_HAND_STREAM,)).generate_state(1)[0])
    if crossing:
        near_m, far_m = config.distance_range_m
        configs = [replace(config, distance_range_m=tuple(
            near_m + share * (far_m - near_m) for share in shares))
            for shares in (_CROSSING_NEAR_SHARE, _CROSSING_FAR_SHARE)]
        motions = [replace(motion, sweep_phase_rad=phase) for phase in (0.0, math.pi)]
    else:
        configs = [config, config]
        motions = [replace(motion, image_x_span=span) for span in ((0.0, 0.5), (0.5, 1.0))]
    return (HandMotion(camera, seed, configs[0], motions[0]),
            HandMotion(camera, second_seed, configs[1], motions[1]))


def _offsets(geometry: HandGeometry, rotation: np.ndarray
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the hand centre (hand frame) and the rotated joint and sphere offsets from it."""
    center = _MANO.hand_center(geometry.joints_m)
    return (center, (geometry.joints_m - center) @ rotation.T,
            (geometry.mesh.centers_m - center) @ rotation.T)


def _checked_time(time_s: float) -> float:
    time_s = float(time_s)
    if not (math.isfinite(time_s) and time_s >= 0.0):
        raise InputError(f'time must be finite and >= 0 seconds, got {time_s}')
    return time_s
