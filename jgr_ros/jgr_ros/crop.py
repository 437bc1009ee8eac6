# Copyright 2026 jgr_ros contributors. MIT License.
"""
The DeepPrior/JGR-P2O hand crop as an exact affine transform, and its inverse for joints.

A metric cube (``cube_mm`` = x, y, z sides) centred at the hand centre is projected into the
image at the centre's depth; that box is warped to ``size`` x ``size`` pixels (nearest
neighbour) and depths are normalised to [-1, 1] over the cube's depth range: invalid pixels
and pixels behind the cube go to the far plane (+1), pixels in front of it are clipped to -1
(as the authors' ``augmentCrop`` does).

Normalised joint coordinates (the network's targets): u, v = crop pixel / (size - 1), so the
box spans about [0, 1]; z = (Z_mm - center_z) / (cube_z / 2). Pixel coordinates follow
OpenCV's convention (integers are pixel centres), so :func:`crop_to_image` inverts
:func:`image_to_crop` exactly, rotation included.
"""

from dataclasses import dataclass
from typing import Sequence

import cv2
from jgr_ros.camera import CameraModel
from jgr_ros.depth import check_depth_image
from jgr_ros.errors import InputError
import numpy as np

CubeLike = float | Sequence[float] | np.ndarray


@dataclass(frozen=True)
class HandCrop:
    """A normalised hand crop and the geometry needed to map joints back to the full image."""

    image: np.ndarray                     # (size, size) float32 in [-1, 1]; +1 = far plane
    center_mm: np.ndarray                 # (3,) crop centre, camera optical frame, mm
    cube_mm: tuple[float, float, float]   # cube sides along x, y, z, mm
    transform: np.ndarray                 # (3, 3) full-image pixel -> crop pixel (affine)
    roi: tuple[int, int, int, int]        # x, y, w, h of the crop's box in the image, clipped

    @property
    def size(self) -> int:
        """Side length of the crop in pixels."""
        return self.image.shape[0]


def crop_hand(depth_mm: np.ndarray, camera: CameraModel, center_mm: np.ndarray,
              cube_mm: CubeLike, size: int = 96, rotation_deg: float = 0.0) -> HandCrop:
    """
    Crop and normalise the cube ``cube_mm`` around ``center_mm`` from a depth image.

    ``rotation_deg`` rotates the crop in the image plane about the centre pixel (positive =
    counter-clockwise on screen, OpenCV's convention); it is meant for training augmentation.
    A box that leaves the image is fine: the outside reads as far plane.
    """
    depth_mm = check_depth_image(depth_mm, camera)
    center_mm = as_center_mm(center_mm)
    cube = as_cube_mm(cube_mm)
    if size < 2:
        raise InputError(f'crop size must be at least 2 pixels, got {size}')
    transform = crop_transform(camera, center_mm, cube, size, rotation_deg)
    warped_mm = cv2.warpAffine(depth_mm, transform[:2], (size, size), flags=cv2.INTER_NEAREST,
                               borderMode=cv2.BORDER_CONSTANT, borderValue=0.0)
    return HandCrop(image=normalise_depth(warped_mm, center_mm[2], cube[2]),
                    center_mm=center_mm, cube_mm=tuple(float(side) for side in cube),
                    transform=transform, roi=_roi(transform, size, depth_mm.shape))


def crop_transform(camera: CameraModel, center_mm: np.ndarray, cube_mm: np.ndarray, size: int,
                   rotation_deg: float = 0.0) -> np.ndarray:
    """
    Return the (3, 3) affine map from full-image pixels to crop pixels.

    The centre is projected with the lens distortion, the box size uses the pinhole focal
    lengths (distortion barely changes scale across a hand).
    """
    center_uv = camera.project(center_mm)
    focal_px = np.abs([camera.fx, camera.fy])
    half_box_px = cube_mm[:2] / 2.0 * focal_px / center_mm[2]
    scale = size / (2.0 * half_box_px)
    rotate = np.vstack([cv2.getRotationMatrix2D(tuple(center_uv), rotation_deg, 1.0),
                        [0.0, 0.0, 1.0]])
    crop_center_px = (size - 1) / 2.0
    to_crop = np.array([[scale[0], 0.0, crop_center_px - scale[0] * center_uv[0]],
                        [0.0, scale[1], crop_center_px - scale[1] * center_uv[1]],
                        [0.0, 0.0, 1.0]])
    return to_crop @ rotate


def normalise_depth(depth_mm: np.ndarray, center_z_mm: float, cube_z_mm: float) -> np.ndarray:
    """Map depths to [-1, 1] over the cube's depth range; invalid and far pixels become +1."""
    half_depth_mm = cube_z_mm / 2.0
    normalised = (depth_mm - np.float32(center_z_mm)) / np.float32(half_depth_mm)
    normalised[~(depth_mm > 0.0) | (normalised > 1.0)] = 1.0
    return np.clip(normalised, -1.0, 1.0, out=normalised).astype(np.float32, copy=False)


def image_to_crop(uvd: np.ndarray, crop: HandCrop) -> np.ndarray:
    """(..., 3) u, v (full-image pixels), depth_mm -> (..., 3) normalised crop coordinates."""
    uvd = _check_triplets(uvd, 'uvd')
    uv_norm = _apply_affine(crop.transform, uvd[..., :2]) / (crop.size - 1)
    z_norm = (uvd[..., 2:] - crop.center_mm[2]) / (crop.cube_mm[2] / 2.0)
    return np.concatenate([uv_norm, z_norm], axis=-1)


def crop_to_image(uvz_norm: np.ndarray, crop: HandCrop) -> np.ndarray:
    """(..., 3) normalised crop coordinates -> (..., 3) u, v (full-image pixels), depth_mm."""
    uvz_norm = _check_triplets(uvz_norm, 'uvz_norm')
    uv = _apply_affine(np.linalg.inv(crop.transform), uvz_norm[..., :2] * (crop.size - 1))
    depth_mm = uvz_norm[..., 2:] * (crop.cube_mm[2] / 2.0) + crop.center_mm[2]
    return np.concatenate([uv, depth_mm], axis=-1)


def crop_to_camera(uvz_norm: np.ndarray, crop: HandCrop, camera: CameraModel) -> np.ndarray:
    """(..., 3) normalised crop coordinates -> (..., 3) xyz in the camera optical frame, mm."""
    return camera.back_project_uvd(crop_to_image(uvz_norm, crop))


def camera_to_crop(points_mm: np.ndarray, crop: HandCrop, camera: CameraModel) -> np.ndarray:
    """(..., 3) xyz millimetres in the camera optical frame -> (..., 3) normalised crop coords."""
    return image_to_crop(camera.project_uvd(points_mm), crop)


def crop_preview(crop: HandCrop, upscale: int = 4) -> np.ndarray:
    """Draw a crop for people as uint8: [-1, 1] -> 0..255 (far = white), upscaled (nearest)."""
    pixels = np.rint((crop.image + 1.0) * 127.5).astype(np.uint8)
    return cv2.resize(pixels, None, fx=upscale, fy=upscale, interpolation=cv2.INTER_NEAREST)


def as_center_mm(center_mm: np.ndarray) -> np.ndarray:
    """Validate a hand centre: (3,) finite millimetres in front of the camera."""
    center = np.array(center_mm, dtype=np.float64)
    if center.shape != (3,) or not np.all(np.isfinite(center)) or center[2] <= 0.0:
        raise InputError(f'hand centre must be 3 finite values with z > 0 mm, got {center_mm}')
    return center


def as_cube_mm(cube_mm: CubeLike) -> np.ndarray:
    """Validate a cube given as one side or (x, y, z) sides in mm; returns (3,) float64."""
    cube = np.array(cube_mm, dtype=np.float64)
    if cube.ndim == 0:
        cube = np.full(3, cube)
    if cube.shape != (3,) or not np.all(np.isfinite(cube)) or np.any(cube <= 0.0):
        raise InputError(f'cube must be one or three positive sizes in mm, got {cube_mm}')
    return cube


def _check_triplets(values: np.ndarray, name: str) -> np.ndarray:
    values = np.asarray(values, dtype=np.float64)
    if values.ndim == 0 or values.shape[-1] != 3:
        raise InputError(f'{name} must have shape (..., 3), got {values.shape}')
    return values


def _apply_affine(transform: np.ndarray, uv: np.ndarray) -> np.ndarray:
    return uv @ transform[:2, :2].T + transform[:2, 2]


def _roi(transform: np.ndarray, size: int, image_shape: tuple[int, int]) -> tuple[int, ...]:
    """Bounding box (x, y, w, h) in the full image of the crop's outer pixel edges, clipped."""
    edges = np.array([[-0.5, -0.5], [size - 0.5, -0.5], [-0.5, size - 0.5],
                      [size - 0.5, size - 0.5]])
    corners = _apply_affine(np.linalg.inv(transform), edges)
    height, width = image_shape
    low = np.clip(np.floor(corners.min(axis=0) + 0.5), 0, (width, height)).astype(int)
    high = np.clip(np.ceil(corners.max(axis=0) + 0.5), 0, (width, height)).astype(int)
    x, y = low
    w, h = high - low
    return int(x), int(y), int(w), int(h)
