# Copyright 2026 jgr_ros contributors. MIT License.
"""
NYU / ICVL / MSRA loaders on tiny fixtures written in the datasets' original formats.

Each fixture frame is a disk of known depth; the labels put every joint on that disk, so a
correctly loaded frame has joints that project back onto their labelled pixels and land on
the disk at their own depth. ``write_*`` helpers are reused by test_evaluate.py.
"""
from pathlib import Path

import cv2
from jgr_ros.errors import InputError
from jgr_ros.training import sources
from jgr_ros.training.metrics import DATASET_CAMERAS
from jgr_ros.training.real_datasets import (
    ICVLFrames,
    MSRA_GESTURES,
    MSRAFrames,
    NYUFrames,
    read_msra_depth,
)
import numpy as np
import pytest
import scipy.io

NYU_EVAL = [0, 3, 6, 9, 12, 15, 18, 21, 24, 25, 27, 30, 31, 32]   # from the dataset's README


def disk_depth_mm(width: int, height: int, center_uv: tuple[float, float], radius_px: float,
                  depth_mm: float) -> np.ndarray:
    """Return a (height, width) image: a disk at ``depth_mm``, 0 (invalid) elsewhere."""
    v, u = np.mgrid[:height, :width]
    inside = np.hypot(u - center_uv[0], v - center_uv[1]) <= radius_px
    return np.where(inside, depth_mm, 0.0).astype(np.float32)


def joints_on_disk(num_joints: int, center_uv: tuple[float, float], depth_mm: float,
                   spread_px: float) -> np.ndarray:
    """Return (J, 3) distinct "u v d" labels on a circle inside the disk."""
    angles = np.linspace(0.0, 2.0 * np.pi, num_joints, endpoint=False)
    radii = spread_px * np.linspace(0.3, 1.0, num_joints)
    return np.stack([center_uv[0] + radii * np.cos(angles), center_uv[1] + radii * np.sin(angles),
                     np.full(num_joints, depth_mm)], axis=-1)


def write_nyu_split(folder: Path, depths_mm: list[np.ndarray], uvd36: np.ndarray) -> None:
    """Write depth_1_*.png (mm = G << 8 | B) and joint_data.mat (3 Kinects, front one first)."""
    folder.mkdir(parents=True)
    for index, depth_mm in enumerate(depths_mm, start=1):
        depth = depth_mm.astype(np.uint16)
        bgr = np.stack([depth & 0xFF, depth >> 8, np.zeros_like(depth)], axis=-1)
        cv2.imwrite(str(folder / f'depth_1_{index:07d}.png'), bgr.astype(np.uint8))
    other_kinects = uvd36 + 1000.0   # must not be read
    scipy.io.savemat(folder / 'joint_data.mat',
                     {'joint_uvd': np.stack([uvd36, other_kinects, other_kinects])})


def nyu_fixture(root: Path, num_frames: int = 2) -> tuple[list[np.ndarray], np.ndarray]:
    """Write ``root/test`` with disks at 700, 720, ... mm; return (depths, (N, 36, 3) uvd)."""
    depths, uvd36 = [], []
    for frame in range(num_frames):
        center, depth = (300.0 + 20 * frame, 250.0), 700.0 + 20 * frame
        depths.append(disk_depth_mm(640, 480, center, 80, depth))
        uvd36.append(joints_on_disk(36, center, depth, 60))
    write_nyu_split(root / 'test', depths, np.stack(uvd36))
    return depths, np.stack(uvd36)


def icvl_fixture(root: Path) -> dict[str, np.ndarray]:
    """Write ICVL Training/ and Testing/ label files and PNGs; return uvd labels by path."""
    labels = {}
    frames = {('Testing', 'test_seq_1.txt'): ['test_seq_1/image_0000.png'],
              ('Testing', 'test_seq_2.txt'): ['test_seq_2/image_0000.png',
                                              'test_seq_2/image_0001.png'],
              ('Training', 'labels.txt'): ['201403121135/image_0000.png',
                                           '45/201403121135/image_0000.png']}
    for index, ((split, label_file), names) in enumerate(frames.items()):
        lines = []
        for offset, name in enumerate(names):
            center, depth = (150.0 + 10 * offset, 110.0 + 5 * index), 350.0 + 10 * index
            path = root / split / 'Depth' / name
            path.parent.mkdir(parents=True, exist_ok=True)
            cv2.imwrite(str(path), disk_depth_mm(320, 240, center, 45, depth).astype(np.uint16))
            labels[name] = joints_on_disk(16, center, depth, 35)
            lines.append(' '.join([name, *(f'{x:.3f}' for x in labels[name].ravel())]) + ' ')
        (root / split / label_file).write_text('\n'.join(lines) + '\n')
    return labels


def write_msra_frame(path: Path, depth_mm: np.ndarray, box: tuple[int, int, int, int]) -> None:
    """Write an MSRA *_depth.bin: 6 uint32 (width, height, left, top, right, bottom) + box."""
    left, top, right, bottom = box
    header = np.array([depth_mm.shape[1], depth_mm.shape[0], left, top, right, bottom], '<u4')
    path.write_bytes(header.tobytes() + depth_mm[top:bottom, left:right].astype('<f4').tobytes())


def msra_fixture(root: Path, subject: int = 0) -> np.ndarray:
    """
    Write P<subject>: 2 frames in gesture '1', 1 in 'Y', none in the others; return joints.

    The returned (3, 21, 3) joints are in the camera optical frame (y down, z > 0), mm; the
    files store them MSRA's way (y up, z < 0).
    """
    camera, optical = DATASET_CAMERAS['msra'], []
    counts = dict.fromkeys(MSRA_GESTURES, 0) | {'1': 2, 'Y': 1}
    for gesture, count in counts.items():
        folder = root / f'P{subject}' / gesture
        folder.mkdir(parents=True)
        joints = []
        for frame in range(count):
            center, depth = (140.0 + 15 * frame + 5 * len(gesture), 130.0), 300.0 + 10 * frame
            write_msra_frame(folder / f'{frame:06d}_depth.bin',
                             disk_depth_mm(320, 240, center, 40, depth), (90, 80, 230, 190))
            joints.append(camera.back_project_uvd(joints_on_disk(21, center, depth, 30)))
        stored = np.array(joints).reshape(count, 63) * np.tile([1.0, -1.0, -1.0], 21)
        np.savetxt(folder / 'joint.txt', stored, fmt='%.4f', header=str(count), comments='')
        optical += joints
    return np.array(optical)


def _assert_joints_lie_on_the_depth(frame, labelled_uvd: np.ndarray) -> None:
    """Joints project onto their labels and onto depth pixels at their own depth."""
    uvd = frame.camera.project_uvd(frame.joints_mm)
    np.testing.assert_allclose(uvd, labelled_uvd, atol=1e-3)
    pixels = np.round(uvd[:, :2]).astype(int)
    np.testing.assert_allclose(frame.depth_mm[pixels[:, 1], pixels[:, 0]], uvd[:, 2], atol=0.5)


def test_nyu_loads_depth_and_the_front_kinect_eval_joints(tmp_path):
    depths, uvd36 = nyu_fixture(tmp_path)
    frames = NYUFrames(tmp_path, 'test')
    assert len(frames) == 2 and frames.skeleton == 'nyu14'
    for index in range(2):
        frame = frames[index]
        assert frame.skeleton == 'nyu14' and frame.camera == DATASET_CAMERAS['nyu']
        assert frame.depth_mm.dtype == np.float32 and frame.joints_mm.shape == (14, 3)
        np.testing.assert_array_equal(frame.depth_mm, depths[index])
        _assert_joints_lie_on_the_depth(frame, uvd36[index, NYU_EVAL])
    above_centre = uvd36[0, NYU_EVAL, 1] < 240.0
    assert np.all((frames[0].joints_mm[:, 1] > 0) == above_centre)   # NYU's y points up


def test_nyu_real_frame_labels_lie_on_the_hand(tmp_path, shared_data):
    """The shared NYU test frame 1, served from a joint_data.mat holding its ground truth."""
    folder = tmp_path / 'test'
    folder.mkdir()
    (folder / 'depth_1_0000001.png').write_bytes(
        (shared_data / 'frames' / 'nyu_test_depth_1_0000001.png').read_bytes())
    uvd14 = np.loadtxt(shared_data / 'eval' / 'nyu' / 'nyu_test_groundtruth_label.txt',
                       max_rows=1).reshape(14, 3)
    uvd36 = np.zeros((1, 1, 36, 3))
    uvd36[0, 0, NYU_EVAL] = uvd14
    scipy.io.savemat(folder / 'joint_data.mat', {'joint_uvd': uvd36})
    frame = NYUFrames(tmp_path, 'test')[0]
    palm = frame.camera.project_uvd(frame.joints_mm[13])
    observed_mm = frame.depth_mm[int(round(palm[1])), int(round(palm[0]))]
    assert abs(observed_mm - palm[2]) < 30.0
    assert 700.0 < frame.joints_mm[:, 2].mean() < 820.0


def test_nyu_errors_name_the_missing_path(tmp_path):
    with pytest.raises(InputError, match=str(tmp_path / 'test')):
        NYUFrames(tmp_path, 'test')
    (tmp_path / 'train').mkdir()
    with pytest.raises(InputError, match='joint_data.mat'):
        NYUFrames(tmp_path, 'train')
    with pytest.raises(InputError, match='unknown NYU split'):
        NYUFrames(tmp_path, 'val')


def test_icvl_test_split_reads_both_sequences_in_order(tmp_path):
    labels = icvl_fixture(tmp_path)
    frames = ICVLFrames(tmp_path, 'test')
    assert frames.names == ['test_seq_1/image_0000.png', 'test_seq_2/image_0000.png',
                            'test_seq_2/image_0001.png']
    for index, name in enumerate(frames.names):
        frame = frames[index]
        assert frame.skeleton == 'icvl16' and frame.depth_mm.shape == (240, 320)
        _assert_joints_lie_on_the_depth(frame, labels[name])


def test_icvl_training_skips_rotated_copies_unless_asked(tmp_path):
    labels = icvl_fixture(tmp_path)
    assert ICVLFrames(tmp_path, 'train').names == ['201403121135/image_0000.png']
    rotated = ICVLFrames(tmp_path, 'train', include_rotated=True)
    assert len(rotated) == 2
    _assert_joints_lie_on_the_depth(rotated[-1], labels['45/201403121135/image_0000.png'])


def test_icvl_malformed_label_line_is_reported_with_its_number(tmp_path):
    icvl_fixture(tmp_path)
    with (tmp_path / 'Testing' / 'test_seq_2.txt').open('a') as labels:
        labels.write('test_seq_2/image_0002.png 1 2 3\n')
    with pytest.raises(InputError, match=r'test_seq_2.txt:3: expected a file name and 48'):
        ICVLFrames(tmp_path, 'test')
    with pytest.raises(InputError, match='Training'):
        ICVLFrames(tmp_path / 'nowhere', 'train')


def test_msra_depth_bin_fills_the_box_into_the_full_image(tmp_path):
    depth_mm = np.arange(240 * 320, dtype=np.float32).reshape(240, 320)
    write_msra_frame(tmp_path / 'a.bin', depth_mm, (10, 20, 50, 31))
    loaded = read_msra_depth(tmp_path / 'a.bin')
    assert loaded.shape == (240, 320)
    np.testing.assert_array_equal(loaded[20:31, 10:50], depth_mm[20:31, 10:50])
    loaded[20:31, 10:50] = 0
    assert not loaded.any()


def test_msra_negates_y_and_z_into_the_optical_frame(tmp_path):
    optical = msra_fixture(tmp_path)
    frames = MSRAFrames(tmp_path, subjects=[0])
    assert len(frames) == 3 and frames.skeleton == 'msra21'
    assert [path.parent.name for path in frames.paths] == ['1', '1', 'Y']
    camera = DATASET_CAMERAS['msra']
    for index in range(3):
        frame = frames[index]
        np.testing.assert_allclose(frame.joints_mm, optical[index], atol=1e-3)
        assert np.all(frame.joints_mm[:, 2] > 0)
        _assert_joints_lie_on_the_depth(frame, camera.project_uvd(optical[index]))


def test_msra_rejects_bad_subjects_missing_folders_and_broken_files(tmp_path):
    with pytest.raises(InputError, match='subset of 0..8'):
        MSRAFrames(tmp_path, subjects=[9])
    with pytest.raises(InputError, match=str(tmp_path / 'P0' / '1')):
        MSRAFrames(tmp_path, subjects=[0])
    msra_fixture(tmp_path)
    (tmp_path / 'P0' / '1' / 'joint.txt').write_text('3\n1 2 3\n')
    with pytest.raises(InputError, match='header says 3 frames'):
        MSRAFrames(tmp_path, subjects=[0])
    broken = tmp_path / 'broken.bin'
    broken.write_bytes(np.array([320, 240, 300, 0, 330, 10], '<u4').tobytes())
    with pytest.raises(InputError, match='does not fit'):
        read_msra_depth(broken)
    broken.write_bytes(np.array([320, 240, 0, 0, 2, 2], '<u4').tobytes() + bytes(4))
    with pytest.raises(InputError, match='1 depth values for a 2x2 box'):
        read_msra_depth(broken)


def test_training_configs_build_the_loaders(tmp_path):
    nyu_fixture(tmp_path)
    frames = sources.build({'type': 'nyu', 'root': str(tmp_path), 'split': 'test'}, 'nyu14')
    assert isinstance(frames, NYUFrames) and len(frames) == 2
    with pytest.raises(InputError, match='skeleton: nyu14'):
        sources.build({'type': 'nyu', 'root': str(tmp_path)}, 'mano21')
    with pytest.raises(InputError, match='bad nyu data options'):
        sources.build({'type': 'nyu', 'root': str(tmp_path), 'subjects': [1]}, 'nyu14')
