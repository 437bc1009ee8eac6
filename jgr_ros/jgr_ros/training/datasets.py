# Copyright 2026 jgr_ros contributors. MIT License.
"""
Labelled depth frames for training, and the torch Datasets that crop them into samples.

Every source (synthetic renderer, NYU, ICVL, MSRA) yields :class:`LabelledFrame`; the sample
datasets below turn frames into network inputs and targets with the authors' augmentation.
"""
from dataclasses import dataclass
from typing import Protocol

from jgr_ros.camera import CameraModel
from jgr_ros.skeletons import convert_joints, Skeleton
from jgr_ros.synthetic.cameras import get_camera_preset
from jgr_ros.synthetic.generator import SyntheticHandGenerator
from jgr_ros.synthetic.scene import SyntheticConfig
from jgr_ros.training.samples import (
    AugmentationConfig,
    draw_transform,
    make_center_sample,
    make_pose_sample,
)
import numpy as np
import torch

# Seed ranges of synthetic frames: the test sets (synthetic_eval.TEST_SETS: 0-1,999 and
# 10,000-11,999) and the validation set never overlap training.
SYNTHETIC_VAL_SEEDS = range(2_000, 2_500)
SYNTHETIC_TRAIN_SEED_START = 1_000_000


@dataclass(frozen=True)
class LabelledFrame:
    """A depth frame with its camera and ground-truth joints (camera optical frame, mm)."""

    depth_mm: np.ndarray
    camera: CameraModel
    joints_mm: np.ndarray
    skeleton: str


class FrameSource(Protocol):
    """Anything indexable that yields labelled frames (synthetic or a dataset on disk)."""

    def __len__(self) -> int: ...

    def __getitem__(self, index: int) -> LabelledFrame: ...


class SyntheticFrames:
    """
    Synthetic frames rendered on the fly by seed, cycling through camera presets.

    Frame ``i`` is rendered from seed ``seeds[i]`` with camera ``cameras[seed % len(cameras)]``,
    so the set is deterministic and seeds identify frames across runs.
    """

    def __init__(self, seeds: range, cameras: tuple[str, ...] = ('realsense_d435_640x480',),
                 skeleton: str = 'mano21', config: SyntheticConfig | None = None):
        self.seeds = seeds
        self.skeleton = skeleton
        self._generators = [SyntheticHandGenerator(get_camera_preset(name), config)
                            for name in cameras]

    def __len__(self) -> int:
        return len(self.seeds)

    def __getitem__(self, index: int) -> LabelledFrame:
        seed = self.seeds[index]
        frame = self._generators[seed % len(self._generators)].frame(seed)
        joints_mm = convert_joints(frame.joints_mm, 'mano21', self.skeleton)
        return LabelledFrame(frame.depth_mm.astype(np.float32), frame.camera,
                             joints_mm.astype(np.float32), self.skeleton)


class PoseSamples(torch.utils.data.Dataset):
    """JGR-P2O samples: (1, 96, 96) crop in [-1, 1] and (J, 3) normalised uvz target."""

    def __init__(self, frames: FrameSource, skeleton: Skeleton, cube_mm: float,
                 augmentation: AugmentationConfig, seed: int = 0, size: int = 96):
        self.frames, self.skeleton, self.cube_mm = frames, skeleton, cube_mm
        self.augmentation, self.seed, self.size = augmentation, seed, size

    def __len__(self) -> int:
        return len(self.frames)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        frame = self.frames[index]
        rng = np.random.default_rng((self.seed, index))
        depth, uvz, _ = make_pose_sample(frame.depth_mm, frame.camera, frame.joints_mm,
                                         self.skeleton, self.cube_mm,
                                         draw_transform(rng, self.augmentation), self.size)
        return torch.from_numpy(depth), torch.from_numpy(uvz)


class CenterSamples(torch.utils.data.Dataset):
    """Centre-refinement samples: (1, 128, 128) crop around a perturbed centre, (3,) offset."""

    def __init__(self, frames: FrameSource, skeleton: Skeleton, cube_mm: float,
                 offset_sigma_mm: float, seed: int = 0, size: int = 128):
        self.frames, self.skeleton, self.cube_mm = frames, skeleton, cube_mm
        self.offset_sigma_mm, self.seed, self.size = offset_sigma_mm, seed, size

    def __len__(self) -> int:
        return len(self.frames)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        frame = self.frames[index]
        rng = np.random.default_rng((self.seed, index))
        depth, offset = make_center_sample(frame.depth_mm, frame.camera, frame.joints_mm,
                                           self.skeleton, self.cube_mm, rng,
                                           self.offset_sigma_mm, self.size)
        return torch.from_numpy(depth), torch.from_numpy(offset)
