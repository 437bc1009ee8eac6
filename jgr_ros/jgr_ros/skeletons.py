# Copyright 2026 jgr_ros contributors. MIT License.
"""
Hand skeleton layouts as data: joint names, bones, GCN adjacency and layout mappings.

Joints are named anatomically so that layouts map onto each other by name:
``<finger>_<joint>`` with fingers thumb, index, middle, ring, pinky and joints cmc, mcp, pip,
dip, ip (thumb interphalangeal), tip; plus wrist and palm. Two layouts share a joint exactly
when they share its name.

Layouts:
- ``mano21``: the MediaPipe / MANO order that teleoperation tools expect (wrist, then thumb,
  index, middle, ring, pinky, four joints each). The default model uses it.
- ``nyu14``: NYU's 14 evaluation joints (indices 0,3,6,9,12,15,18,21,24,25,27,30,31,32 of 36).
  NYU's finger "root" lies about 45-57 mm from the tip in the ground truth, i.e. at the PIP.
- ``icvl16``: palm, then thumb, index, middle, ring, pinky, each root/mid/tip.
- ``msra21``: wrist, then index, middle, ring, pinky, thumb, each MCP/PIP/DIP/TIP (MSRA's thumb
  "MCP/PIP/DIP" are anatomically the CMC, MCP and IP joints).
"""
from dataclasses import dataclass

import numpy as np

FINGERS = ('thumb', 'index', 'middle', 'ring', 'pinky')


@dataclass(frozen=True)
class Skeleton:
    """One joint layout. ``bones`` are both the drawn skeleton and the GCN's graph edges."""

    name: str
    joint_names: tuple[str, ...]
    bones: tuple[tuple[int, int], ...]
    center_joints: tuple[int, ...]  # their mean is the hand centre the crop is built around
    default_cube_mm: float          # edge of the metric crop cube

    @property
    def num_joints(self) -> int:
        return len(self.joint_names)

    def hand_center(self, joints: np.ndarray) -> np.ndarray:
        """Return the hand centre of (J, 3) joints (any unit): the mean of ``center_joints``."""
        return joints[list(self.center_joints)].mean(axis=0)

    def index(self, joint_name: str) -> int:
        """Return the index of a joint by name."""
        return self.joint_names.index(joint_name)

    def finger_of(self, joint: int) -> str:
        """Return 'thumb' .. 'pinky' for finger joints, 'palm' for wrist and palm joints."""
        finger = self.joint_names[joint].split('_')[0]
        return finger if finger in FINGERS else 'palm'

    def adjacency(self) -> np.ndarray:
        """Return A: the symmetric 0/1 (J, J) joint adjacency without self-loops."""
        a = np.zeros((self.num_joints, self.num_joints), np.float32)
        for i, j in self.bones:
            a[i, j] = a[j, i] = 1.0
        return a

    def normalized_adjacency(self) -> np.ndarray:
        """Return Ae = D^-1/2 (A + I) D^-1/2 of this layout (see :func:`normalize_adjacency`)."""
        return normalize_adjacency(self.adjacency())


def normalize_adjacency(adjacency: np.ndarray) -> np.ndarray:
    """Return Ae = D^-1/2 (A + I) D^-1/2, D the degree matrix of A + I (paper, Sec. 3.3)."""
    a_hat = adjacency + np.eye(len(adjacency), dtype=np.float32)
    d_inv_sqrt = 1.0 / np.sqrt(a_hat.sum(axis=1))
    return (d_inv_sqrt[:, None] * a_hat * d_inv_sqrt[None, :]).astype(np.float32)


def _chains(root: int, starts: list[int], length: int) -> tuple[tuple[int, int], ...]:
    """Bones from ``root`` to each chain start, then along chains of ``length`` joints."""
    bones = []
    for start in starts:
        bones.append((root, start))
        bones.extend((start + k, start + k + 1) for k in range(length - 1))
    return tuple(bones)


def _mano21() -> Skeleton:
    names = ['wrist', 'thumb_cmc', 'thumb_mcp', 'thumb_ip', 'thumb_tip']
    for finger in FINGERS[1:]:
        names += [f'{finger}_{joint}' for joint in ('mcp', 'pip', 'dip', 'tip')]
    return Skeleton('mano21', tuple(names), _chains(0, [1, 5, 9, 13, 17], 4),
                    center_joints=(0, 9), default_cube_mm=250.0)


def _nyu14() -> Skeleton:
    names = []
    for finger in ('pinky', 'ring', 'middle', 'index'):
        names += [f'{finger}_tip', f'{finger}_pip']
    names += ['thumb_tip', 'thumb_ip', 'thumb_mcp', 'wrist_2', 'wrist_1', 'palm']
    bones = ((0, 1), (2, 3), (4, 5), (6, 7), (8, 9), (9, 10)) + tuple(
        (j, 13) for j in (1, 3, 5, 7, 10, 11, 12))
    return Skeleton('nyu14', tuple(names), bones, center_joints=(13,), default_cube_mm=300.0)


def _icvl16() -> Skeleton:
    names = ['palm', 'thumb_mcp', 'thumb_ip', 'thumb_tip']
    for finger in FINGERS[1:]:
        names += [f'{finger}_mcp', f'{finger}_pip', f'{finger}_tip']
    return Skeleton('icvl16', tuple(names), _chains(0, [1, 4, 7, 10, 13], 3),
                    center_joints=(0,), default_cube_mm=250.0)


def _msra21() -> Skeleton:
    names = ['wrist']
    for finger in ('index', 'middle', 'ring', 'pinky'):
        names += [f'{finger}_{joint}' for joint in ('mcp', 'pip', 'dip', 'tip')]
    names += ['thumb_cmc', 'thumb_mcp', 'thumb_ip', 'thumb_tip']
    return Skeleton('msra21', tuple(names), _chains(0, [1, 5, 9, 13, 17], 4),
                    center_joints=(0, 5), default_cube_mm=200.0)


SKELETONS: dict[str, Skeleton] = {s.name: s for s in (_mano21(), _nyu14(), _icvl16(), _msra21())}


def get_skeleton(name: str) -> Skeleton:
    """Return the layout called ``name``; KeyError naming the known layouts otherwise."""
    try:
        return SKELETONS[name]
    except KeyError:
        raise KeyError(f'unknown skeleton {name!r}; known: {", ".join(SKELETONS)}') from None


def joint_correspondence(src: str, dst: str) -> tuple[np.ndarray, np.ndarray]:
    """Return index arrays (src_idx, dst_idx) of the joints the two layouts share, in dst order."""
    src_names = get_skeleton(src).joint_names
    pairs = [(src_names.index(name), j)
             for j, name in enumerate(get_skeleton(dst).joint_names) if name in src_names]
    src_idx, dst_idx = zip(*pairs) if pairs else ((), ())
    return np.asarray(src_idx, dtype=np.int64), np.asarray(dst_idx, dtype=np.int64)


def convert_joints(joints: np.ndarray, src: str, dst: str) -> np.ndarray:
    """Map (..., J_src, C) joints to (..., J_dst, C); joints ``src`` lacks are NaN."""
    src_idx, dst_idx = joint_correspondence(src, dst)
    shape = joints.shape[:-2] + (get_skeleton(dst).num_joints, joints.shape[-1])
    out = np.full(shape, np.nan, dtype=np.result_type(joints.dtype, np.float32))
    out[..., dst_idx, :] = joints[..., src_idx, :]
    return out
