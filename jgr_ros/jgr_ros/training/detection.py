# Copyright 2026 jgr_ros contributors. MIT License.
"""
Whole frames with every hand labelled, and the samples the hand detector trains on.

:class:`HandFrames` renders synthetic frames by seed with 0, 1 or 2 labelled hands: the wide
world with a second hand in ``two_hand_probability`` of the frames, hard negatives (objects,
heads, shoulders, table edges: an unlabelled second hand would teach it to miss hands), and
``no_hand_probability`` frames whose hands are taken out (clutter, body, tables only).
:class:`DetectorSamples` turns them into the detector's input and target
(:mod:`jgr_ros.detector_net`), mirrored left-right at random.

    data: {type: synthetic_hands, seeds: [5000000, 5100000], cameras: [...],
           two_hand_probability: 0.35, no_hand_probability: 0.1}
"""
from dataclasses import dataclass, replace

from jgr_ros.camera import CameraModel
from jgr_ros.detector_net import (
    detector_input,
    INPUT_WIDTH,
    input_width,
    make_target,
    OUTPUT_STRIDES,
)
from jgr_ros.skeletons import get_skeleton
from jgr_ros.synthetic.cameras import get_camera_preset
from jgr_ros.synthetic.generator import SyntheticHandGenerator
from jgr_ros.synthetic.objects import NEGATIVES
from jgr_ros.synthetic.scene import sample_scene, SyntheticConfig
from jgr_ros.synthetic.sphere_mesh import SphereMesh
import numpy as np
import torch

_MANO = get_skeleton('mano21')
# Negatives of a detector's world: every kind but the unlabelled second hand.
DETECTOR_NEGATIVES = tuple(kind for kind in NEGATIVES if kind != 'hand')
# A hand is shown (a positive) when at least this many of its joints are seen: inside the
# image with nothing more than VISIBLE_MARGIN_MM in front of them.
MIN_VISIBLE_JOINTS = 6
VISIBLE_MARGIN_MM = 30.0
_NO_MESH = SphereMesh(np.zeros((0, 3)), np.zeros(0), np.zeros((0, 2), int),
                      np.zeros((0, 3), int))


@dataclass(frozen=True)
class HandsFrame:
    """A depth frame with every hand in it labelled (camera optical frame, mm)."""

    depth_mm: np.ndarray       # (H, W) float32, 0 = invalid
    camera: CameraModel
    joints_mm: np.ndarray      # (K, 21, 3) mano21, K = 0, 1 or 2

    @property
    def centers_mm(self) -> np.ndarray:
        """(K, 3) hand centres: the pose crops' centre (mean of wrist and middle MCP)."""
        return self.joints_mm[:, list(_MANO.center_joints)].mean(axis=1).reshape(-1, 3)


def detector_world(two_hand_probability: float = 0.35, **changes) -> SyntheticConfig:
    """Return the wide world with a second labelled hand and no unlabelled one."""
    return SyntheticConfig(two_hand_probability=two_hand_probability,
                           negatives=DETECTOR_NEGATIVES, **changes)


class HandFrames:
    """
    Frames rendered by seed, cycling through cameras (like :class:`SyntheticFrames`).

    With ``no_hand_probability`` a frame is drawn as usual and rendered without its hands.
    """

    def __init__(self, seeds: range, cameras: tuple[str, ...] = ('realsense_d435_640x480',),
                 config: SyntheticConfig | None = None, no_hand_probability: float = 0.1):
        self.seeds, self.no_hand_probability = seeds, no_hand_probability
        self.config = config or detector_world()
        self._generators = [SyntheticHandGenerator(get_camera_preset(name), self.config)
                            for name in cameras]

    def __len__(self) -> int:
        return len(self.seeds)

    def __getitem__(self, index: int) -> HandsFrame:
        seed = self.seeds[index]
        generator = self._generators[seed % len(self._generators)]
        rng = np.random.default_rng(seed)
        no_hand = rng.random() < self.no_hand_probability
        scene = sample_scene(rng, generator.camera, replace(
            self.config, two_hand_probability=0.0) if no_hand else self.config)
        if no_hand:
            scene = replace(scene, hand=_NO_MESH)
        frame = generator.render(scene, rng)
        joints_mm = np.zeros((0, 21, 3), np.float32) if no_hand else frame.all_joints_mm
        return HandsFrame(frame.depth_mm.astype(np.float32), frame.camera, joints_mm)


def seen_joints(depth_mm: np.ndarray, camera: CameraModel, joints_mm: np.ndarray
                ) -> np.ndarray:
    """(K,) how many of each hand's joints are seen: in the image, nothing much in front."""
    uvd = camera.project_uvd(joints_mm.reshape(-1, 3)).reshape(joints_mm.shape)
    u, v = np.round(uvd[..., 0]).astype(int), np.round(uvd[..., 1]).astype(int)
    height, width = depth_mm.shape
    inside = (u >= 0) & (u < width) & (v >= 0) & (v < height)
    observed_mm = np.where(inside, depth_mm[v.clip(0, height - 1), u.clip(0, width - 1)], 0.0)
    seen = inside & (observed_mm > 0.0) & (observed_mm >= uvd[..., 2] - VISIBLE_MARGIN_MM)
    return seen.sum(axis=1)


def visible_hands(depth_mm: np.ndarray, camera: CameraModel, joints_mm: np.ndarray
                  ) -> np.ndarray:
    """(K,) bool: whether each hand shows at least MIN_VISIBLE_JOINTS of its joints."""
    return seen_joints(depth_mm, camera, joints_mm) >= MIN_VISIBLE_JOINTS


def hand_radii_px(camera: CameraModel, joints_mm: np.ndarray, centers_mm: np.ndarray
                  ) -> np.ndarray:
    """(K,) image radius of each hand: its farthest joint from the centre, at the centre depth."""
    radii_mm = np.linalg.norm(joints_mm - centers_mm[:, None], axis=-1).max(axis=1)
    return abs(camera.fx) * radii_mm / centers_mm[:, 2]


def training_columns(image_shape: tuple[int, int], position: float) -> slice:
    """
    Return the columns of a frame the detector trains on: all of a 4:3 or taller frame's.

    Of a wider one, a window ``position`` (0: at the left edge, 1: at the right) of the way
    across that becomes the INPUT_WIDTH-wide input at the scale the whole frame has in use
    (detector_input, :func:`~jgr_ros.detector_net.input_width`): about 4:3 (848 x 480: 652
    columns, for the 208-wide input's 4.08 pixels a column), and squeezed as in use where
    the frame is wider than MAX_INPUT_WIDTH allows for.
    """
    height, width = image_shape
    window = min(width, round(width * INPUT_WIDTH / input_width(image_shape)))
    start = round(position * (width - window))
    return slice(start, start + window)


def detector_sample(frame: HandsFrame, mirror: bool, output_stride: int = OUTPUT_STRIDES[0],
                    position: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """
    Return the (1, 120, 160) input and (5, rows, cols) target of a frame, mirrored if asked.

    A frame wider than 4:3 gives its window at ``position`` (:func:`training_columns`).
    """
    depth_mm = frame.depth_mm[:, ::-1] if mirror else frame.depth_mm
    centers_mm = frame.centers_mm
    centers_uvd = frame.camera.project_uvd(centers_mm).reshape(-1, 3)
    if mirror:
        centers_uvd[:, 0] = frame.camera.width - 1 - centers_uvd[:, 0]
    columns = training_columns(depth_mm.shape, position)
    depth_mm = depth_mm[:, columns]
    centers_uvd[:, 0] -= columns.start
    radii_px = hand_radii_px(frame.camera, frame.joints_mm, centers_mm)
    visible = visible_hands(frame.depth_mm, frame.camera, frame.joints_mm)
    target = make_target(centers_uvd, radii_px, visible, depth_mm.shape, output_stride)
    return detector_input(depth_mm)[None], target


class DetectorSamples(torch.utils.data.Dataset):
    """Detector samples: (1, 120, 160) normalised frame and (5, rows, cols) target."""

    def __init__(self, frames: HandFrames, output_stride: int = OUTPUT_STRIDES[0], seed: int = 0,
                 mirror_probability: float = 0.5):
        self.frames, self.output_stride, self.seed = frames, output_stride, seed
        self.mirror_probability = mirror_probability

    def __len__(self) -> int:
        return len(self.frames)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        rng = np.random.default_rng((self.seed, index))
        mirror = rng.random() < self.mirror_probability
        frame_input, target = detector_sample(self.frames[index], mirror, self.output_stride,
                                              position=rng.random())
        return torch.from_numpy(np.ascontiguousarray(frame_input)), torch.from_numpy(target)
