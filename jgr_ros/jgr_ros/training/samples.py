# Copyright 2026 jgr_ros contributors. MIT License.
"""
Training samples: a labelled depth frame becomes a normalised crop plus its targets.

The authors' online augmentation (JGR-P2O.md): one transformation per sample, drawn
uniformly from {none, in-plane rotation U(-180, 180) deg, cube scale clip(|1 + N(0, 0.05)|,
0.9, 1.1), 3-D centre offset N(0, 10 mm) clipped to +-10 mm}. The hand centre is the mean of
the layout's centre joints, as with the precomputed centres the authors trained on.
"""
from dataclasses import dataclass

from jgr_ros.camera import CameraModel
from jgr_ros.crop import crop_hand, HandCrop, image_to_crop
from jgr_ros.skeletons import Skeleton
import numpy as np

AUGMENTATIONS = ('none', 'rotation', 'scale', 'offset')


@dataclass(frozen=True)
class AugmentationConfig:
    """Ranges of the authors' augmentation; ``enabled=False`` gives plain crops (evaluation)."""

    enabled: bool = True
    max_rotation_deg: float = 180.0
    scale_sigma: float = 0.05
    scale_range: tuple[float, float] = (0.9, 1.1)
    offset_sigma_mm: float = 10.0
    offset_clip_mm: float = 10.0


@dataclass(frozen=True)
class CropTransform:
    """One drawn augmentation: applied as the crop's rotation, cube scale and centre shift."""

    rotation_deg: float = 0.0
    cube_scale: float = 1.0
    center_offset_mm: tuple[float, float, float] = (0.0, 0.0, 0.0)


def draw_transform(rng: np.random.Generator, config: AugmentationConfig) -> CropTransform:
    """Draw one of the authors' augmentations (or none)."""
    if not config.enabled:
        return CropTransform()
    kind = AUGMENTATIONS[rng.integers(len(AUGMENTATIONS))]
    if kind == 'rotation':
        return CropTransform(rotation_deg=float(rng.uniform(-1, 1) * config.max_rotation_deg))
    if kind == 'scale':
        scale = abs(1.0 + rng.normal(0.0, config.scale_sigma))
        return CropTransform(cube_scale=float(np.clip(scale, *config.scale_range)))
    if kind == 'offset':
        offset = np.clip(rng.normal(0.0, config.offset_sigma_mm, 3),
                         -config.offset_clip_mm, config.offset_clip_mm)
        return CropTransform(center_offset_mm=tuple(float(v) for v in offset))
    return CropTransform()


def make_pose_sample(depth_mm: np.ndarray, camera: CameraModel, joints_mm: np.ndarray,
                     skeleton: Skeleton, cube_mm: float, transform: CropTransform,
                     size: int = 96) -> tuple[np.ndarray, np.ndarray, HandCrop]:
    """
    Crop a labelled frame for JGR-P2O.

    Returns the (1, size, size) float32 input in [-1, 1], the (J, 3) float32 target (u, v in
    crop pixels / (size - 1), z = (Z - centre_z) / (cube / 2)) and the crop itself.
    """
    center_mm = skeleton.hand_center(joints_mm) + np.asarray(transform.center_offset_mm)
    cube = cube_mm * transform.cube_scale
    crop = crop_hand(depth_mm, camera, center_mm, (cube, cube, cube), size=size,
                     rotation_deg=transform.rotation_deg)
    target_uvz = image_to_crop(camera.project_uvd(joints_mm), crop)
    return crop.image[None].astype(np.float32), target_uvz.astype(np.float32), crop


def make_center_sample(depth_mm: np.ndarray, camera: CameraModel, joints_mm: np.ndarray,
                       skeleton: Skeleton, cube_mm: float, rng: np.random.Generator,
                       offset_sigma_mm: float, size: int = 128) -> tuple[np.ndarray, np.ndarray]:
    """
    Crop around a perturbed centre for the centre-refinement network (DeepPrior++).

    The crop is centred at the true centre plus a Gaussian 3-D offset (the error of a centre of
    mass); the target is the offset back to the true centre in units of cube / 2.
    """
    true_center_mm = skeleton.hand_center(joints_mm)
    offset_mm = rng.normal(0.0, offset_sigma_mm, 3)
    crop = crop_hand(depth_mm, camera, true_center_mm + offset_mm, (cube_mm,) * 3, size=size)
    target = -offset_mm / (cube_mm / 2.0)
    return crop.image[None].astype(np.float32), target.astype(np.float32)
