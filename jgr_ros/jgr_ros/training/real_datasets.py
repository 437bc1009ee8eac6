# Copyright 2026 jgr_ros contributors. MIT License.
"""
Loaders of the NYU, ICVL and MSRA 2015 hand datasets in their original file formats.

Each yields :class:`LabelledFrame` (depth in mm, 0 = invalid; joints in the camera frame in
mm, in the layout the benchmark scores) and lists its files when constructed, reading images
only on access. Joints are in the frame the evaluation protocol uses, so errors measured on
them are the published metric:

- NYU (``nyu14``): ``joint_uvd`` of ``joint_data.mat`` back-projected with NYU's intrinsics,
  whose negative fy gives y up (see :data:`jgr_ros.training.metrics.DATASET_CAMERAS`).
- ICVL (``icvl16``): the labels' "u v d" back-projected with ICVL's intrinsics.
- MSRA 2015 (``msra21``): ``joint.txt`` stores x right, y up and z NEGATIVE (the camera looks
  along -z); the loader negates y and z, giving the optical frame (y down, z forward) in which
  MSRA's intrinsics (positive fy) project the joints onto the hand, as the public loaders
  (V2V-PoseNet, DeepPrior++) do.
"""
import os
from pathlib import Path
from typing import Sequence, Union

from jgr_ros.camera import CameraModel
from jgr_ros.depth import read_depth_file
from jgr_ros.errors import InputError
from jgr_ros.skeletons import get_skeleton
from jgr_ros.training.datasets import FrameSource, LabelledFrame
from jgr_ros.training.metrics import DATASET_CAMERAS, DATASET_SKELETONS
import numpy as np
import scipy.io

PathLike = Union[str, os.PathLike]

# NYU's 14 evaluation joints among the 36 of joint_data.mat (layout ``nyu14``).
NYU_EVAL_JOINTS = (0, 3, 6, 9, 12, 15, 18, 21, 24, 25, 27, 30, 31, 32)
NYU_SPLITS = ('train', 'test')
ICVL_LABEL_FILES = {'train': ('Training', ['labels.txt']),
                    'test': ('Testing', ['test_seq_1.txt', 'test_seq_2.txt'])}
# ICVL's labels.txt also lists in-plane-rotated copies of the ~22k training frames; their top
# folder is a short rotation name, while originals sit in 12-digit capture-time folders
# (the rule DeepPrior's ICVL importer uses).
ICVL_MAX_ROTATION_FOLDER_CHARS = 6
MSRA_SUBJECTS = tuple(range(9))
MSRA_GESTURES = ('1', '2', '3', '4', '5', '6', '7', '8', '9', 'I', 'IP', 'L', 'MP', 'RP', 'T',
                 'TIP', 'Y')
# MSRA joint.txt (x, y up, z < 0) -> camera optical frame (x, y down, z > 0).
MSRA_TO_OPTICAL = np.array([1.0, -1.0, -1.0])
_MSRA_HEADER_FIELDS = 6  # uint32: image width, height, box left, top, right, bottom


class NYUFrames:
    """NYU hand dataset, front Kinect: ``<root>/<split>/depth_1_%07d.png`` + joint_data.mat."""

    skeleton = DATASET_SKELETONS['nyu']

    def __init__(self, root: PathLike, split: str = 'test'):
        if split not in NYU_SPLITS:
            raise InputError(f'unknown NYU split {split!r}; known: {", ".join(NYU_SPLITS)}')
        self.folder = _existing_dir(Path(root) / split)
        self.camera = DATASET_CAMERAS['nyu']
        self._joints_mm = self.camera.back_project_uvd(_read_nyu_uvd(self.folder))

    def __len__(self) -> int:
        return len(self._joints_mm)

    def __getitem__(self, index: int) -> LabelledFrame:
        index = _frame_index(index, len(self))
        path = self.folder / f'depth_1_{index + 1:07d}.png'
        return _frame(read_depth_file(path, 'nyu'), self.camera, self._joints_mm[index],
                      self.skeleton)


class ICVLFrames:
    """
    ICVL: ``Training/labels.txt`` or ``Testing/test_seq_{1,2}.txt`` over 16-bit PNGs in mm.

    Label lines are "relative/path.png u1 v1 d1 ... u16 v16 d16", images under the split's
    ``Depth/`` folder. ``include_rotated`` keeps the training set's rotated copies.
    """

    skeleton = DATASET_SKELETONS['icvl']

    def __init__(self, root: PathLike, split: str = 'test', include_rotated: bool = False):
        if split not in ICVL_LABEL_FILES:
            raise InputError(f'unknown ICVL split {split!r}; known: '
                             f'{", ".join(ICVL_LABEL_FILES)}')
        folder_name, label_files = ICVL_LABEL_FILES[split]
        folder = _existing_dir(Path(root) / folder_name)
        self.depth_folder = _existing_dir(folder / 'Depth')
        self.camera = DATASET_CAMERAS['icvl']
        names, uvd = _read_labelled_lines([folder / name for name in label_files],
                                          get_skeleton(self.skeleton).num_joints)
        keep = np.array([include_rotated or not _is_icvl_rotated_copy(name) for name in names],
                        dtype=bool)
        self.names = [name for name, kept in zip(names, keep) if kept]
        self._joints_mm = self.camera.back_project_uvd(uvd[keep])

    def __len__(self) -> int:
        return len(self.names)

    def __getitem__(self, index: int) -> LabelledFrame:
        index = _frame_index(index, len(self))
        path = self.depth_folder / self.names[index]
        return _frame(read_depth_file(path, 'png16'), self.camera, self._joints_mm[index],
                      self.skeleton)


class MSRAFrames:
    """
    MSRA 2015: ``<root>/P<s>/<gesture>/%06d_depth.bin`` + ``joint.txt``, for some subjects.

    The standard protocol is leave-one-subject-out: train on eight subjects, test on the
    ninth. Frames are ordered by subject (as given), gesture (:data:`MSRA_GESTURES`), frame.
    """

    skeleton = DATASET_SKELETONS['msra']

    def __init__(self, root: PathLike, subjects: Sequence[int] = MSRA_SUBJECTS):
        if not subjects or not set(subjects) <= set(MSRA_SUBJECTS):
            raise InputError(f'MSRA subjects must be a non-empty subset of 0..8, got '
                             f'{list(subjects)}')
        root = _existing_dir(Path(root))
        self.camera = DATASET_CAMERAS['msra']
        folders = [_existing_dir(root / f'P{subject}' / gesture)
                   for subject in subjects for gesture in MSRA_GESTURES]
        num_joints = get_skeleton(self.skeleton).num_joints
        joints = [_read_msra_joints(folder / 'joint.txt', num_joints) for folder in folders]
        self.paths = [folder / f'{frame:06d}_depth.bin'
                      for folder, gesture_joints in zip(folders, joints)
                      for frame in range(len(gesture_joints))]
        self._joints_mm = np.concatenate(joints) * MSRA_TO_OPTICAL

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, index: int) -> LabelledFrame:
        index = _frame_index(index, len(self))
        return _frame(read_msra_depth(self.paths[index]), self.camera, self._joints_mm[index],
                      self.skeleton)


REAL_DATASETS = {'nyu': NYUFrames, 'icvl': ICVLFrames, 'msra': MSRAFrames}


def build_real_frames(spec: dict, skeleton: str) -> FrameSource:
    """
    Return the loader a training config's data section names, e.g.

        data: {type: nyu, root: /data/nyu, split: train}
        data: {type: icvl, root: /data/icvl, split: train, include_rotated: false}
        data: {type: msra, root: /data/msra, subjects: [1, 2, 3, 4, 5, 6, 7, 8]}   # test on P0

    The config's skeleton must be the dataset's: the other layouts lack some joints.
    """
    kind = spec.get('type')
    if kind not in REAL_DATASETS:
        raise InputError(f'unknown dataset {kind!r}; known: {", ".join(REAL_DATASETS)}')
    loader = REAL_DATASETS[kind]
    if skeleton != loader.skeleton:
        raise InputError(f'{kind} is labelled in layout {loader.skeleton}; train with '
                         f'skeleton: {loader.skeleton} (got {skeleton})')
    options = {key: value for key, value in spec.items() if key != 'type'}
    try:
        return loader(**options)
    except TypeError as error:
        raise InputError(f'bad {kind} data options {sorted(options)}: {error}') from None


def read_msra_depth(path: PathLike) -> np.ndarray:
    """Read an MSRA ``*_depth.bin`` (bounding box of float32 mm) as the full (H, W) image."""
    header = np.fromfile(path, dtype='<u4', count=_MSRA_HEADER_FIELDS)
    if header.size != _MSRA_HEADER_FIELDS:
        raise InputError(f'{path}: too short for an MSRA depth header')
    width, height, left, top, right, bottom = (int(value) for value in header)
    if not (left <= right <= width and top <= bottom <= height):
        raise InputError(f'{path}: box [{left}, {right}) x [{top}, {bottom}) does not fit '
                         f'the {width}x{height} image')
    box = np.fromfile(path, dtype='<f4', offset=header.nbytes)
    if box.size != (right - left) * (bottom - top):
        raise InputError(f'{path}: {box.size} depth values for a {right - left}x'
                         f'{bottom - top} box')
    depth_mm = np.zeros((height, width), np.float32)
    depth_mm[top:bottom, left:right] = box.reshape(bottom - top, right - left)
    depth_mm[~np.isfinite(depth_mm) | (depth_mm < 0.0)] = 0.0
    return depth_mm


def _existing_dir(path: Path) -> Path:
    if not path.is_dir():
        raise InputError(f'dataset folder {path} does not exist')
    return path


def _frame_index(index: int, length: int) -> int:
    if not -length <= index < length:
        raise IndexError(f'frame {index} out of range for {length} frames')
    return index % length


def _frame(depth_mm: np.ndarray, camera: CameraModel, joints_mm: np.ndarray,
           skeleton: str) -> LabelledFrame:
    camera.check_image_size(*depth_mm.shape)
    return LabelledFrame(depth_mm.astype(np.float32), camera, joints_mm.astype(np.float32),
                         skeleton)


def _read_nyu_uvd(folder: Path) -> np.ndarray:
    """Return the front Kinect's (N, 14, 3) evaluation-joint "u v d" of joint_data.mat."""
    path = folder / 'joint_data.mat'
    if not path.is_file():
        raise InputError(f'NYU labels {path} do not exist')
    uvd = scipy.io.loadmat(path, variable_names=['joint_uvd']).get('joint_uvd')
    if uvd is None or uvd.ndim != 4 or uvd.shape[2:] != (36, 3):
        raise InputError(f'{path}: expected joint_uvd of shape (kinects, frames, 36, 3), got '
                         f'{None if uvd is None else uvd.shape}')
    return uvd[0][:, NYU_EVAL_JOINTS].astype(np.float64)


def _read_labelled_lines(paths: list[Path], num_joints: int) -> tuple[list[str], np.ndarray]:
    """Read lines "name u1 v1 d1 ..." of several files as (names, (N, num_joints, 3) uvd)."""
    names, values = [], []
    for path in paths:
        if not path.is_file():
            raise InputError(f'label file {path} does not exist')
        for line_number, line in enumerate(path.read_text().splitlines(), start=1):
            fields = line.split()
            if not fields:
                continue
            if len(fields) != 1 + 3 * num_joints:
                raise InputError(f'{path}:{line_number}: expected a file name and '
                                 f'{3 * num_joints} numbers, got {len(fields)} fields')
            names.append(fields[0])
            values.append(fields[1:])
    uvd = np.array(values, dtype=np.float64).reshape(len(values), num_joints, 3)
    return names, uvd


def _is_icvl_rotated_copy(name: str) -> bool:
    top_folder = name.split('/', 1)[0]
    return '/' in name and len(top_folder) <= ICVL_MAX_ROTATION_FOLDER_CHARS


def _read_msra_joints(path: Path, num_joints: int) -> np.ndarray:
    """Read a joint.txt (count line, then J x 3 floats per frame) as stored, (N, J, 3)."""
    if not path.is_file():
        raise InputError(f'MSRA labels {path} do not exist')
    lines = path.read_text().split('\n', 1)
    try:
        count = int(lines[0])
        values = np.array((lines[1] if len(lines) > 1 else '').split(), dtype=np.float64)
    except ValueError as error:
        raise InputError(f'{path}: not an MSRA joint file ({error})') from None
    if values.size != count * num_joints * 3:
        raise InputError(f'{path}: header says {count} frames but holds {values.size} '
                         f'numbers, not {count} x {num_joints * 3}')
    return values.reshape(count, num_joints, 3)
