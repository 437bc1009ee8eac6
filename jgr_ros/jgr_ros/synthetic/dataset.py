# Copyright 2026 jgr_ros contributors. MIT License.
"""
Synthetic frames on disk (compressed NumPy shards) and as PyTorch datasets.

A shard is one ``np.savez_compressed`` file holding N frames. Depth is stored cropped to the
hand's neighbourhood (the image box of a ``NEIGHBOURHOOD_M`` cube around the hand centre,
well beyond the largest training crop of 300 mm) with its box: with the default scene mix
that halves the shard (measured: 39 kB instead of 74 kB per 640x480 frame). Reading puts each
crop back into an otherwise empty (0) full frame. Pass ``crop=False`` to keep whole frames.

Both datasets return whole frames as dicts of arrays (not network crops; the training
pipeline crops): ``depth_mm`` (H, W) float32 with 0 = invalid, ``joints_m`` and
``joints_uvd`` (21, 3) float32 (mano21), ``intrinsics`` (4,) float32 fx, fy, cx, cy,
``gesture`` and ``handedness`` strings.
"""

import bisect
from collections.abc import Sequence
import functools
import os
from typing import Any

from jgr_ros.camera import CameraModel
from jgr_ros.errors import InputError
from jgr_ros.skeletons import get_skeleton
from jgr_ros.synthetic.generator import SyntheticFrame, SyntheticHandGenerator
from jgr_ros.synthetic.scene import SyntheticConfig
import numpy as np
import torch.utils.data

FORMAT_VERSION = 1
NEIGHBOURHOOD_M = 0.5
_CENTER_JOINTS = list(get_skeleton('mano21').center_joints)
_KEYS = ('format_version', 'depth_mm', 'boxes', 'cameras', 'joints_m', 'joints_uvd', 'gesture',
         'handedness')


def write_shard(path: str | os.PathLike, frames: Sequence[SyntheticFrame],
                crop: bool = True) -> None:
    """Write ``frames`` to one compressed shard (crops of the hand neighbourhood by default)."""
    if not frames:
        raise InputError('a shard needs at least one frame')
    boxes = np.array([hand_neighbourhood(f) if crop else (0, 0) + f.depth_mm.shape
                      for f in frames], dtype=np.int32)
    depth = np.concatenate([f.depth_mm[v0:v0 + h, u0:u0 + w].ravel()
                            for f, (v0, u0, h, w) in zip(frames, boxes)])
    cameras = np.array([[f.camera.width, f.camera.height, f.camera.fx, f.camera.fy,
                         f.camera.cx, f.camera.cy] for f in frames])
    np.savez_compressed(
        path, format_version=FORMAT_VERSION, depth_mm=depth, boxes=boxes, cameras=cameras,
        joints_m=np.stack([f.joints_m for f in frames]),
        joints_uvd=np.stack([f.joints_uvd for f in frames]),
        gesture=np.array([f.gesture for f in frames]),
        handedness=np.array([f.handedness for f in frames]))


def read_shard(path: str | os.PathLike) -> list[SyntheticFrame]:
    """Read a shard written by :func:`write_shard` (crops go back into full frames)."""
    with np.load(path) as shard:
        if set(shard.files) != set(_KEYS) or int(shard['format_version']) != FORMAT_VERSION:
            raise InputError(f'{os.fspath(path)} is not a version {FORMAT_VERSION} synthetic '
                             f'shard (keys {sorted(shard.files)})')
        arrays = {key: shard[key] for key in _KEYS}
    sizes = arrays['boxes'][:, 2] * arrays['boxes'][:, 3]
    crops = np.split(arrays['depth_mm'], np.cumsum(sizes)[:-1])
    frames = []
    for i, (crop, (v0, u0, h, w), params) in enumerate(zip(crops, arrays['boxes'],
                                                           arrays['cameras'])):
        width, height, fx, fy, cx, cy = params
        camera = CameraModel(int(width), int(height), fx=fx, fy=fy, cx=cx, cy=cy)
        depth_mm = np.zeros((camera.height, camera.width), np.uint16)
        depth_mm[v0:v0 + h, u0:u0 + w] = crop.reshape(h, w)
        frames.append(SyntheticFrame(depth_mm, camera, arrays['joints_m'][i],
                                     arrays['joints_uvd'][i], str(arrays['gesture'][i]),
                                     str(arrays['handedness'][i])))
    return frames


def hand_neighbourhood(frame: SyntheticFrame) -> tuple[int, int, int, int]:
    """Return (v0, u0, height, width): the image box of a NEIGHBOURHOOD_M cube at the hand."""
    u, v, depth_mm = frame.joints_uvd[_CENTER_JOINTS].mean(axis=0)
    half_u = frame.camera.fx * NEIGHBOURHOOD_M / 2 / (depth_mm / 1000.0)
    half_v = abs(frame.camera.fy) * NEIGHBOURHOOD_M / 2 / (depth_mm / 1000.0)
    u0, u1 = np.clip([u - half_u, u + half_u + 1], 0, frame.camera.width).astype(int)
    v0, v1 = np.clip([v - half_v, v + half_v + 1], 0, frame.camera.height).astype(int)
    return int(v0), int(u0), int(v1 - v0), int(u1 - u0)


def frame_to_sample(frame: SyntheticFrame) -> dict[str, Any]:
    """Return a frame as the dict of arrays and strings that both datasets return."""
    camera = frame.camera
    return {'depth_mm': frame.depth_mm.astype(np.float32),
            'joints_m': frame.joints_m, 'joints_uvd': frame.joints_uvd,
            'intrinsics': np.array([camera.fx, camera.fy, camera.cx, camera.cy], np.float32),
            'gesture': frame.gesture, 'handedness': frame.handedness}


class SyntheticFrameDataset(torch.utils.data.Dataset):
    """Frames rendered on the fly, item i being frame number ``seeds[i]`` (deterministic)."""

    def __init__(self, camera: CameraModel, seeds: range,
                 config: SyntheticConfig | None = None) -> None:
        """Render frames of ``camera`` for the given ``seeds`` under ``config``."""
        self.seeds = seeds
        self.generator = SyntheticHandGenerator(camera, config)

    def __len__(self) -> int:
        """Return the number of seeds."""
        return len(self.seeds)

    def __getitem__(self, index: int) -> dict[str, Any]:
        """Render frame ``seeds[index]``."""
        return frame_to_sample(self.generator.frame(self.seeds[index]))


class ShardDataset(torch.utils.data.Dataset):
    """
    Frames read from shards, counted over the shards in order.

    The most recently used shards stay decoded in memory, so visit the frames shard by shard
    (or shuffle within shards) to avoid decoding a shard per frame.
    """

    def __init__(self, paths: Sequence[str | os.PathLike], cached_shards: int = 2) -> None:
        """Index ``paths`` (reads each shard's frame count only)."""
        self.paths = [os.fspath(path) for path in paths]
        if not self.paths:
            raise InputError('ShardDataset needs at least one shard path')
        counts = []
        for path in self.paths:
            with np.load(path) as shard:
                counts.append(len(shard['boxes']))
        self._ends = np.cumsum(counts).tolist()
        self._read = functools.lru_cache(maxsize=cached_shards)(read_shard)

    def __len__(self) -> int:
        """Return the number of frames over all shards."""
        return self._ends[-1]

    def __getitem__(self, index: int) -> dict[str, Any]:
        """Return frame ``index`` counted over the shards in order."""
        if not 0 <= index < len(self):
            raise IndexError(f'frame {index} out of range for {len(self)} frames')
        shard = bisect.bisect_right(self._ends, index)
        start = self._ends[shard - 1] if shard else 0
        return frame_to_sample(self._read(self.paths[shard])[index - start])
