# Copyright 2026 jgr_ros contributors. MIT License.
"""The fixed synthetic test sets: disjoint seeds, their worlds, and frames that never change."""

import hashlib
import itertools
import pathlib

from jgr_ros.synthetic.cameras import get_camera_preset
from jgr_ros.training.datasets import SYNTHETIC_TRAIN_SEED_START, SYNTHETIC_VAL_SEEDS
from jgr_ros.training.synthetic_eval import TEST_SETS
from jgr_ros.training.train import TrainConfig
import numpy as np
import pytest

# Fingerprints of the first four frames' joints (0.1 mm): a renderer change that would alter a
# test set fails here. A new world gets a new test set, never a silently different one.
FINGERPRINTS = {'synthetic': '75e3b0212a4631d8', 'hard': '38783bcc28424ed6',
                'hard_16x9': '25de38303c775c36'}


@pytest.mark.parametrize('name', sorted(TEST_SETS))
def test_test_sets_are_fixed(name):
    frames = TEST_SETS[name].frames(4)
    text = ';'.join(f'{np.round(frames[i].joints_mm, 1).tolist()}' for i in range(4))
    assert hashlib.sha256(text.encode()).hexdigest()[:16] == FINGERPRINTS[name]


def test_test_sets_hold_two_thousand_frames_never_trained_or_validated_on():
    seeds = [set(test_set.seeds) for test_set in TEST_SETS.values()]
    assert all(len(s) >= 2_000 for s in seeds)
    assert all(not a & b for a, b in itertools.combinations(seeds, 2))
    for config in _train_configs():
        parts = config.data if isinstance(config.data, list) else [config.data]
        for start, stop in (part['seeds'] for part in parts):
            assert start >= SYNTHETIC_TRAIN_SEED_START
            for held_out in seeds + [set(SYNTHETIC_VAL_SEEDS)]:
                assert not (min(held_out) < stop and start <= max(held_out))


def test_hard_set_is_the_wide_world_on_six_cameras():
    hard, today = TEST_SETS['hard'], TEST_SETS['synthetic']
    assert len(hard.cameras) == 6 and 'realsense_sr300_640x480' in hard.cameras
    assert hard.config.any_rotation_probability >= 0.5 > today.config.any_rotation_probability
    assert today.config.distance_range_m == (0.3, 1.0)


def test_16x9_set_is_the_hard_world_through_wide_frames():
    wide, hard = TEST_SETS['hard_16x9'], TEST_SETS['hard']
    assert wide.config == hard.config
    for camera in (get_camera_preset(name) for name in wide.cameras):
        assert camera.width / camera.height > 1.75   # 848 x 480 is 1.77, 1280 x 720 1.78


def _train_configs() -> list[TrainConfig]:
    folder = pathlib.Path(__file__).parent.parent / 'config' / 'train'
    return [TrainConfig.from_yaml(str(path)) for path in sorted(folder.glob('*.yaml'))]
