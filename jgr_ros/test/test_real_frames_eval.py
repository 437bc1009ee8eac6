# Copyright 2026 jgr_ros contributors. MIT License.
"""The real-frame check of the model cards: NYU frame 1 scored, HANDS2017 frame found."""

from jgr_ros.errors import InputError
from jgr_ros.pipeline import EstimatorConfig, HandPoseEstimator
from jgr_ros.training.real_frames_eval import evaluate
import pytest


def test_shipped_models_find_both_real_hands_and_score_the_nyu_frame(shared_data):
    estimator = HandPoseEstimator.from_files(device='cpu', config=EstimatorConfig(tracking=False))
    results, overlays = evaluate(estimator, shared_data)
    nyu = results['nyu_frame_1']
    assert nyu['found'] and nyu['shared_joints'] == 11
    assert nyu['mean_error_mm'] < 20.0          # the model cards report the exact figure
    assert nyu['center_to_palm_mm'] < 60.0
    assert results['hands2017_D00000030']['found']
    assert {image.shape for image in overlays.values()} == {(480, 640, 3)}


def test_missing_data_names_the_file(tmp_path):
    estimator = HandPoseEstimator.from_files(device='cpu')
    with pytest.raises(InputError, match='nyu_test_depth_1'):
        evaluate(estimator, tmp_path)
