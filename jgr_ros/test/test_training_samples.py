# Copyright 2026 jgr_ros contributors. MIT License.
"""Training samples: crops and targets agree with the ground truth under every augmentation."""
from jgr_ros.crop import crop_to_camera
from jgr_ros.skeletons import get_skeleton
from jgr_ros.training.datasets import PoseSamples, SYNTHETIC_TRAIN_SEED_START, SyntheticFrames
from jgr_ros.training.samples import (
    AugmentationConfig,
    CropTransform,
    draw_transform,
    make_center_sample,
    make_pose_sample,
)
import numpy as np
import pytest

MANO21 = get_skeleton('mano21')


@pytest.fixture(scope='module')
def frame():
    return SyntheticFrames(range(SYNTHETIC_TRAIN_SEED_START, SYNTHETIC_TRAIN_SEED_START + 1))[0]


@pytest.mark.parametrize('transform', [
    CropTransform(), CropTransform(rotation_deg=73.0), CropTransform(cube_scale=1.1),
    CropTransform(center_offset_mm=(10.0, -10.0, 5.0))])
def test_pose_target_maps_back_to_the_ground_truth(frame, transform):
    depth, uvz, crop = make_pose_sample(frame.depth_mm, frame.camera, frame.joints_mm, MANO21,
                                        250.0, transform)
    assert depth.shape == (1, 96, 96) and depth.dtype == np.float32
    assert depth.min() >= -1.0 and depth.max() <= 1.0
    assert (depth < 0.99).mean() > 0.05, 'the hand should cover part of the crop'
    assert uvz.shape == (21, 3)
    assert np.all((uvz[:, :2] > 0) & (uvz[:, :2] < 1)), 'joints inside the crop'
    joints_mm = crop_to_camera(uvz, crop, frame.camera)
    np.testing.assert_allclose(joints_mm, frame.joints_mm, atol=1e-2)


def test_augmentation_draws_each_kind_within_the_authors_ranges():
    rng = np.random.default_rng(0)
    transforms = [draw_transform(rng, AugmentationConfig()) for _ in range(400)]
    rotations = [t.rotation_deg for t in transforms if t.rotation_deg]
    scales = [t.cube_scale for t in transforms if t.cube_scale != 1.0]
    offsets = [t.center_offset_mm for t in transforms if any(t.center_offset_mm)]
    for drawn in (rotations, scales, offsets):
        assert 60 < len(drawn) < 140, 'each of the four choices about a quarter of the time'
    assert max(map(abs, rotations)) <= 180.0
    assert 0.9 <= min(scales) and max(scales) <= 1.1
    assert np.abs(offsets).max() <= 10.0
    assert draw_transform(rng, AugmentationConfig(enabled=False)) == CropTransform()


def test_center_sample_target_points_back_to_the_true_centre(frame):
    rng = np.random.default_rng(3)
    depth, target = make_center_sample(frame.depth_mm, frame.camera, frame.joints_mm, MANO21,
                                       250.0, rng, offset_sigma_mm=30.0)
    offset_mm = np.random.default_rng(3).normal(0.0, 30.0, 3)
    assert depth.shape == (1, 128, 128)
    np.testing.assert_allclose(target * 125.0, -offset_mm, rtol=1e-5)
    assert np.linalg.norm(MANO21.hand_center(frame.joints_mm)) > 200.0


def test_pose_samples_dataset_is_deterministic(frame):
    frames = SyntheticFrames(range(SYNTHETIC_TRAIN_SEED_START, SYNTHETIC_TRAIN_SEED_START + 2))
    samples = PoseSamples(frames, MANO21, 250.0, AugmentationConfig(), seed=1)
    first, again = samples[1], samples[1]
    assert all(np.array_equal(a.numpy(), b.numpy()) for a, b in zip(first, again))
