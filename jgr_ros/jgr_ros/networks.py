# Copyright 2026 jgr_ros contributors. MIT License.
"""
The networks with the conventions stored in their model files.

:class:`PoseModel` is JGR-P2O (layout, cube, input size of its file); :class:`CenterRefiner`
is the DeepPrior++-style centre refinement, applied by :func:`refine_center`;
:class:`HandVerifier` tells whether a pose crop is centred on a hand. Each runs its network
through a backend (:mod:`jgr_ros.runtime`). Model files ship in ``jgr_ros/models/``
(:func:`shipped_model_path`); ``None`` as a path means the shipped default.
"""
import importlib.resources
import pathlib
from typing import Callable

from jgr_ros.camera import CameraModel
from jgr_ros.crop import (
    as_center_mm,
    as_cube_mm,
    crop_hand,
    crop_to_camera,
    CubeLike,
    HandCrop,
)
from jgr_ros.errors import InputError
from jgr_ros.model_file import load_model
from jgr_ros.runtime import build_runner, resolve_backend, resolve_int8, select_device
from jgr_ros.skeletons import get_skeleton, Skeleton
import numpy as np
import torch

DEFAULT_POSE_MODEL = 'jgr_p2o_mano21.pt'
DEFAULT_CENTER_MODEL = 'center_refine_mano21.pt'
DEFAULT_VERIFIER_MODEL = 'hand_verifier_mano21.pt'


def shipped_model_path(name: str) -> pathlib.Path:
    """Return the path of a model file shipped inside the package (jgr_ros/models/)."""
    return pathlib.Path(str(importlib.resources.files('jgr_ros') / 'models' / name))


def check_crops(crops: np.ndarray, size: int) -> np.ndarray:
    """Return ``crops`` as C-contiguous float32 (B, size, size); other shapes raise InputError."""
    crops = np.ascontiguousarray(crops, dtype=np.float32)
    if crops.ndim != 3 or crops.shape[1:] != (size, size):
        raise InputError(f'crops must have shape (B, {size}, {size}), got {crops.shape}')
    return crops


def mirror_uvz(uvz_norm: np.ndarray) -> np.ndarray:
    """Mirror (..., 3) normalised crop coordinates left to right (u in 0..1 across the crop)."""
    mirrored = np.array(uvz_norm, dtype=np.float32)
    mirrored[..., 0] = 1.0 - mirrored[..., 0]
    return mirrored


class LoadedNetwork:
    """
    A network loaded from its model file, ready to run on a backend.

    ``path`` None means the shipped file ``default_name``; the file must hold a ``kind``
    network. ``precision`` (PRECISIONS) 'fp32' for all but the pose network and the detector
    (``int8``: their convolutions in int8, :mod:`jgr_ros.quantization`). Sets ``path``,
    ``device``, ``backend``, ``int8``, ``model``, ``info`` and the runner.
    """

    def __init__(self, path: str | pathlib.Path | None, default_name: str, kind: str,
                 device: str = 'auto', backend: str = 'auto', dtype: torch.dtype = torch.float32,
                 precision: str = 'fp32'):
        self.path = pathlib.Path(path) if path else shipped_model_path(default_name)
        self.device = select_device(device)
        self.backend = resolve_backend(backend, self.device)
        self.int8 = resolve_int8(precision, self.backend)
        self.model, self.info = load_model(self.path, expected_kind=kind, device=self.device)
        self._run = build_runner(self.backend, self.model, self.device, dtype, self.path,
                                 self.info if self.int8 else None)


class CropNetwork(LoadedNetwork):
    """A network on metric hand crops: also sets the ``cube_mm`` and ``input_size`` of its file."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.cube_mm: float = self.info.cube_mm
        self.input_size: int = self.info.input_size


class PoseModel(CropNetwork):
    """JGR-P2O with the crop conventions (layout, cube, input size) of its model file."""

    def __init__(self, path: str | pathlib.Path | None = None, device: str = 'auto',
                 half: bool = False, backend: str = 'auto', precision: str = 'auto'):
        """
        Load the model file (None: the shipped default) and prepare ``backend`` (BACKENDS).

        ``half`` runs fp16 (CUDA; not onnxruntime): its joints move 0.17-0.6 mm from the fp32
        model's on hand crops (docs/performance.md), so it is opt-in. ``precision``
        (PRECISIONS): 'auto' runs the backbone's convolutions in int8 on onnxruntime
        (:mod:`jgr_ros.quantization`), fp32 on the other backends.
        """
        super().__init__(path, DEFAULT_POSE_MODEL, 'jgr_p2o', device, backend,
                         torch.float16 if half else torch.float32, precision)
        self.half = half
        self.skeleton: Skeleton = get_skeleton(self.info.skeleton)

    def predict_crops(self, crops: np.ndarray, mirrored: bool = False) -> np.ndarray:
        """
        (B, S, S) normalised crops -> (B, J, 3) normalised (u, v, z).

        ``mirrored``: also run each crop mirrored left to right (one batch of 2B) and average
        the two estimates, the mirrored one mirrored back (test-time augmentation; the renderer
        draws left and right hands, so a mirrored hand is as familiar as the hand itself).
        """
        crops = check_crops(crops, self.input_size)
        if not mirrored:
            return self._run(crops)
        plain, flipped = np.split(self._run(np.concatenate([crops, crops[:, :, ::-1]])), 2)
        return (plain + mirror_uvz(flipped)) / 2.0

    def crop(self, depth_mm: np.ndarray, camera: CameraModel, center_mm: np.ndarray) -> HandCrop:
        """Crop the model's cube around ``center_mm`` at the model's input size."""
        return crop_hand(depth_mm, camera, center_mm, (self.cube_mm,) * 3, size=self.input_size)

    def predict_at_centers(self, depth_mm: np.ndarray, camera: CameraModel,
                           centers_mm: np.ndarray, mirrored: bool = False) -> np.ndarray:
        """Run the model at given hand centres (K, 3) mm; return (K, J, 3) joints in mm."""
        crops = [self.crop(depth_mm, camera, center) for center in np.atleast_2d(centers_mm)]
        uvz = self.predict_crops(np.stack([crop.image for crop in crops]), mirrored)
        return np.stack([crop_to_camera(joints, crop, camera) for joints, crop in zip(uvz, crops)])


class CenterRefiner(CropNetwork):
    """The DeepPrior++-style centre-refinement network with its model file's cube."""

    def __init__(self, path: str | pathlib.Path | None = None, device: str = 'auto',
                 backend: str = 'auto'):
        """Load the model file (None: the shipped default); it runs in fp32 on ``backend``."""
        super().__init__(path, DEFAULT_CENTER_MODEL, 'center_refine', device, backend)

    def predict_offset(self, crop_image: np.ndarray) -> np.ndarray:
        """(S, S) normalised crop -> (3,) offset to the true centre in units of cube / 2."""
        return self._run(check_crops(np.asarray(crop_image)[None], self.input_size))[0]

    def refine(self, depth_mm: np.ndarray, camera: CameraModel, center_mm: np.ndarray,
               iterations: int) -> np.ndarray:
        """Move ``center_mm`` towards the hand's true centre, ``iterations`` times."""
        return refine_center(depth_mm, camera, center_mm, (self.cube_mm,) * 3,
                             self.predict_offset, iterations=iterations,
                             crop_size=self.input_size)


class HandVerifier(CropNetwork):
    """The hand verifier (:mod:`jgr_ros.verifier_net`) for the pose crops of its file's cube."""

    def __init__(self, path: str | pathlib.Path | None = None, device: str = 'auto',
                 backend: str = 'auto'):
        """Load the model file (None: the shipped default); it runs in fp32 on ``backend``."""
        super().__init__(path, DEFAULT_VERIFIER_MODEL, 'hand_verifier', device, backend)

    def hand_probabilities(self, crops: np.ndarray) -> np.ndarray:
        """(B, S, S) normalised pose crops -> (B,) probability that each is centred on a hand."""
        return self._run(check_crops(crops, self.input_size))


def refine_center(depth_mm: np.ndarray, camera: CameraModel, center_mm: np.ndarray,
                  cube_mm: CubeLike, predict_offset: Callable[[np.ndarray], np.ndarray],
                  iterations: int = 2, crop_size: int = 128) -> np.ndarray:
    """
    Refine a hand centre DeepPrior++-style with a learned offset regressor.

    Each iteration crops a ``crop_size`` normalised crop around the current centre and calls
    ``predict_offset(crop_image)`` -> (3,) offset of the true centre, camera frame, in units of
    cube / 2; the centre moves by ``offset * cube_mm / 2``. Returns the refined (3,) centre, mm.
    """
    center = as_center_mm(center_mm)
    cube = as_cube_mm(cube_mm)
    for _ in range(iterations):
        crop = crop_hand(depth_mm, camera, center, cube, size=crop_size)
        offset = np.asarray(predict_offset(crop.image), dtype=np.float64)
        if offset.shape != (3,) or not np.all(np.isfinite(offset)):
            raise InputError(f'predict_offset must return 3 finite values, got {offset}')
        center = as_center_mm(center + offset * cube / 2.0)
    return center
