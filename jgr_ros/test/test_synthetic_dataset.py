# Copyright 2026 jgr_ros contributors. MIT License.
"""Shards on disk, the two PyTorch datasets, and the contact sheet."""

from jgr_ros.errors import InputError
from jgr_ros.synthetic import (
    get_camera_preset,
    read_shard,
    ShardDataset,
    SyntheticFrameDataset,
    SyntheticHandGenerator,
    write_shard,
)
from jgr_ros.synthetic.contact_sheet import contact_sheet
from jgr_ros.synthetic.contact_sheet import main as contact_sheet_main
from jgr_ros.synthetic.dataset import hand_neighbourhood
import numpy as np
import pytest
import torch

CAMERA = get_camera_preset('realsense_d435_640x480')


@pytest.fixture(scope='module')
def frames():
    generator = SyntheticHandGenerator(CAMERA)
    return [generator.frame(seed) for seed in range(6)]


def _assert_same_labels(read, written):
    assert read.camera == written.camera
    np.testing.assert_array_equal(read.joints_m, written.joints_m)
    np.testing.assert_array_equal(read.joints_uvd, written.joints_uvd)
    assert (read.gesture, read.handedness) == (written.gesture, written.handedness)


def test_full_frame_shard_round_trips_exactly(frames, tmp_path):
    path = tmp_path / 'full.npz'
    write_shard(path, frames, crop=False)
    read = read_shard(path)
    assert len(read) == len(frames)
    for r, w in zip(read, frames):
        np.testing.assert_array_equal(r.depth_mm, w.depth_mm)
        _assert_same_labels(r, w)


def test_cropped_shard_keeps_the_hand_neighbourhood(frames, tmp_path):
    write_shard(tmp_path / 'crop.npz', frames)
    write_shard(tmp_path / 'full.npz', frames, crop=False)
    for r, w in zip(read_shard(tmp_path / 'crop.npz'), frames):
        v0, u0, h, w_px = hand_neighbourhood(w)
        inside = np.zeros(w.depth_mm.shape, bool)
        inside[v0:v0 + h, u0:u0 + w_px] = True
        np.testing.assert_array_equal(r.depth_mm[inside], w.depth_mm[inside])
        assert not r.depth_mm[~inside].any()
        uv = w.joints_uvd[:, :2]
        in_image = (uv[:, 0] < 640) & (uv[:, 1] < 480) & np.all(uv >= 0, axis=1)
        assert np.all(inside[uv[in_image, 1].astype(int), uv[in_image, 0].astype(int)])
        _assert_same_labels(r, w)
    assert (tmp_path / 'crop.npz').stat().st_size <= (tmp_path / 'full.npz').stat().st_size


def test_foreign_file_is_not_a_shard(tmp_path):
    path = tmp_path / 'other.npz'
    np.savez_compressed(path, depth=np.zeros(3))
    with pytest.raises(InputError, match='not a version'):
        read_shard(path)
    with pytest.raises(InputError):
        write_shard(tmp_path / 'empty.npz', [])


def test_rendering_dataset_is_deterministic_and_batches():
    dataset = SyntheticFrameDataset(CAMERA, range(100, 104))
    assert len(dataset) == 4
    item = dataset[1]
    assert item['depth_mm'].dtype == np.float32 and item['depth_mm'].shape == (480, 640)
    assert item['joints_m'].shape == item['joints_uvd'].shape == (21, 3)
    np.testing.assert_array_equal(item['intrinsics'],
                                  np.float32([CAMERA.fx, CAMERA.fy, CAMERA.cx, CAMERA.cy]))
    np.testing.assert_array_equal(dataset[1]['depth_mm'], item['depth_mm'])
    batch = next(iter(torch.utils.data.DataLoader(dataset, batch_size=2)))
    assert batch['depth_mm'].shape == (2, 480, 640)
    assert batch['joints_m'].shape == (2, 21, 3)
    assert len(batch['gesture']) == 2
    frame = SyntheticHandGenerator(CAMERA).frame(101)
    np.testing.assert_array_equal(item['depth_mm'], frame.depth_mm.astype(np.float32))


def test_shard_dataset_reads_frames_across_shards(frames, tmp_path):
    paths = [tmp_path / 'a.npz', tmp_path / 'b.npz']
    write_shard(paths[0], frames[:4], crop=False)
    write_shard(paths[1], frames[4:], crop=False)
    dataset = ShardDataset(paths)
    assert len(dataset) == len(frames)
    for index in (0, 3, 4, 5):
        item = dataset[index]
        np.testing.assert_array_equal(item['depth_mm'], frames[index].depth_mm)
        np.testing.assert_array_equal(item['joints_m'], frames[index].joints_m)
        assert item['gesture'] == frames[index].gesture
    with pytest.raises(IndexError):
        dataset[len(frames)]


def test_contact_sheet_tiles_the_frames(frames, tmp_path):
    sheet = contact_sheet(frames[:5], columns=4, tile_px=128)
    assert sheet.shape == (256, 512, 3) and sheet.dtype == np.uint8
    assert sheet[:128].std() > 10           # content in the tiles
    assert not sheet[128:, 128:].any()      # padding tiles are black
    output = tmp_path / 'sheet.png'
    contact_sheet_main(['--output', str(output), '--count', '4', '--columns', '2'])
    assert output.stat().st_size > 1000
