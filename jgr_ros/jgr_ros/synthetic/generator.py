# Copyright 2026 jgr_ros contributors. MIT License.
"""
Synthetic depth frames of hands with exact ground truth: the package's entry point.

``SyntheticHandGenerator(camera, config).frame(seed)`` renders one frame deterministically
(same seed, same frame, bit for bit); ``sample(rng)`` draws from a running generator.
"""

from dataclasses import dataclass, field, replace

import cv2
from jgr_ros.camera import CameraModel
from jgr_ros.skeletons import convert_joints
from jgr_ros.synthetic.render import DepthRenderer
from jgr_ros.synthetic.scene import sample_scene, Scene, SyntheticConfig
from jgr_ros.synthetic.sensor import ideal_depth_mm, simulate_sensor
from jgr_ros.units import MM_PER_M
import numpy as np


@dataclass(frozen=True)
class HandLabel:
    """The ground truth of a hand beyond the first one of a frame."""

    joints_mm: np.ndarray    # (21, 3) float32 mano21, camera optical frame, millimetres
    joints_uvd: np.ndarray   # (21, 3) float32: u, v (pixels), depth (mm)
    gesture: str
    handedness: str


@dataclass(frozen=True)
class SyntheticFrame:
    """One rendered depth frame with the ground truth of its hand (and any more hands)."""

    depth_mm: np.ndarray     # (H, W) uint16, 0 = invalid
    camera: CameraModel      # pinhole, no distortion
    joints_mm: np.ndarray    # (21, 3) float32 mano21, camera optical frame, millimetres
    joints_uvd: np.ndarray   # (21, 3) float32: u, v (pixels), depth (mm)
    gesture: str             # gesture label, '' for a natural random pose
    handedness: str          # 'left' or 'right'
    more_hands: tuple[HandLabel, ...] = ()
    # (K, 3) float32 centres (mm) of unlabelled hands: clutter for the pose network, hands for
    # a detector's test
    unlabelled_hand_centers_mm: np.ndarray = field(
        default_factory=lambda: np.zeros((0, 3), np.float32))

    @property
    def all_joints_mm(self) -> np.ndarray:
        """(K, 21, 3) joints of every labelled hand, the first hand first."""
        return np.stack([self.joints_mm] + [hand.joints_mm for hand in self.more_hands])

    def joints_in(self, layout: str) -> np.ndarray:
        """Return ``joints_mm`` in another layout (nyu14, icvl16, msra21); NaN where none maps."""
        return convert_joints(self.joints_mm, 'mano21', layout)


class SyntheticHandGenerator:
    """Renders random hands for one camera (its distortion, if any, is dropped)."""

    def __init__(self, camera: CameraModel, config: SyntheticConfig | None = None) -> None:
        """Prepare the ray caster for ``camera``; ``config`` defaults to SyntheticConfig()."""
        self.camera = replace(camera, distortion=()) if camera.has_distortion else camera
        self.config = SyntheticConfig() if config is None else config
        self._renderer = DepthRenderer(self.camera)

    def frame(self, seed: int) -> SyntheticFrame:
        """Return frame number ``seed`` (deterministic: the same seed gives the same frame)."""
        return self.sample(np.random.default_rng(seed))

    def sample(self, rng: np.random.Generator) -> SyntheticFrame:
        """Draw a scene from ``rng`` and render it through the sensor model."""
        return self.render(sample_scene(rng, self.camera, self.config), rng)

    def render(self, scene: Scene, rng: np.random.Generator) -> SyntheticFrame:
        """Render ``scene``: exact depth, then sensor artefacts drawn from ``rng``."""
        depth_m = self._renderer.render(scene.hand)
        if scene.clutter is not None:
            self._renderer.render(scene.clutter, depth_m)
        objects = _finite_box(depth_m)
        for normal, offset_m in scene.planes:
            self._renderer.render_plane(normal, offset_m, depth_m)
        if rng.random() < self.config.sensor_probability:
            depth_mm = simulate_sensor(depth_m, self.camera, rng, self.config.sensor, objects)
        else:
            depth_mm = ideal_depth_mm(depth_m, self.config.sensor.max_range_m)
        more_hands = tuple(HandLabel(*self._joints(hand.joints_m), hand.gesture, hand.handedness)
                           for hand in scene.more_hands)
        return SyntheticFrame(depth_mm, self.camera, *self._joints(scene.joints_m),
                              scene.gesture, scene.handedness, more_hands,
                              scene.unlabelled_hand_centers_m * np.float32(MM_PER_M))

    def _joints(self, joints_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return float32 (joints_mm, joints_uvd) of (J, 3) joints in metres."""
        joints_uvd = self.camera.project_uvd(joints_m) * [1.0, 1.0, MM_PER_M]
        return (joints_m * np.float32(MM_PER_M)).astype(np.float32), joints_uvd.astype(np.float32)


def _finite_box(depth_m: np.ndarray) -> tuple[slice, slice] | None:
    """(rows, columns) bounding box of the pixels with a surface; None without any."""
    u0, v0, width, height = cv2.boundingRect(np.isfinite(depth_m).view(np.uint8))
    if width == 0 or height == 0:
        return None
    return slice(v0, v0 + height), slice(u0, u0 + width)
