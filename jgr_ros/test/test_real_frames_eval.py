# Copyright 2026 jgr_ros contributors. MIT License.
"""The real-frame check of the model cards: NYU frame 1 scored, HANDS2017 frame found."""

from jgr_ros.errors import InputError
from jgr_ros.pipeline import EstimatorConfig, HandPoseEstimator
from jgr_ros.skeletons import get_skeleton
from jgr_ros.training.metrics import DATASET_CAMERAS
from jgr_ros.training.real_frames_eval import evaluate, fixed_crop_errors, NYU_LABELS
import numpy as np
import pytest


def test_shipped_models_find_both_real_hands_and_score_the_nyu_frame(shared_data):
    estimator = HandPoseEstimator.from_files(device='cpu', config=EstimatorConfig(tracking=False))
    results, overlays = evaluate(estimator, shared_data)
    nyu = results['nyu_frame_1']
    assert nyu['found'] and nyu['shared_joints'] == 11
    assert nyu['mean_error_mm'] < 20.0          # the model cards report the exact figure
    assert nyu['center_to_palm_mm'] < 60.0
    assert nyu['estimated_palm_to_palm_mm'] < 20.0
    fixed = results['nyu_frame_1_fixed_crops']
    assert fixed['crops'] == 27 and fixed['range_mm'][0] <= fixed['at_centre_mm'] <= \
        fixed['range_mm'][1]
    assert fixed['range_mm'][0] <= fixed['mean_error_mm'] < 20.0 and fixed['sd_mm'] > 0.0
    assert results['hands2017_D00000030']['found']
    assert {image.shape for image in overlays.values()} == {(480, 640, 3)}


def test_fixed_crops_sit_on_a_grid_around_the_centre(shared_data):
    # A pose "network" that answers with its crop's centre shows where each crop was.
    class CentreModel:
        skeleton = get_skeleton('mano21')

        def predict_at_centers(self, depth_mm, camera, centers_mm, mirrored=False):
            return np.repeat(centers_mm[:, None], 21, axis=1)
    truth_mm = np.zeros((14, 3))
    center_mm = np.array([0.0, 0.0, 3.0])   # 3 mm from the origin, along z
    fixed = fixed_crop_errors(CentreModel(), None, None, center_mm, truth_mm)
    assert fixed['at_centre_mm'] == 3.0 and fixed['crops'] == 27
    assert fixed['range_mm'] == [1.0, 9.0]     # (0, 0, -1) and (+-4, +-4, 7) mm from the truth
    steps = (-4.0, 0.0, 4.0)
    grid_mm = np.array([[x, y, 3.0 + z] for x in steps for y in steps for z in steps])
    assert fixed['mean_error_mm'] == round(float(np.linalg.norm(grid_mm, axis=1).mean()), 2)


def test_missing_data_names_the_file(tmp_path):
    estimator = HandPoseEstimator.from_files(device='cpu')
    with pytest.raises(InputError, match='nyu_test_depth_1'):
        evaluate(estimator, tmp_path)


def test_nyu_palm_lies_halfway_from_the_wrist_to_the_middle_pip(shared_data):
    # What nyu_palm_mm assumes, on NYU's own labels (NYU's wrist: the mean of its two points).
    nyu = get_skeleton('nyu14')
    labels_uvd = np.loadtxt(shared_data / NYU_LABELS, max_rows=500).reshape(-1, 14, 3)
    camera = DATASET_CAMERAS['nyu']
    joints_mm = np.stack([camera.back_project(uvd[:, :2], uvd[:, 2]) for uvd in labels_uvd])
    wrist_mm = joints_mm[:, [nyu.index('wrist_1'), nyu.index('wrist_2')]].mean(axis=1)
    axis_mm = joints_mm[:, nyu.index('middle_pip')] - wrist_mm
    palm_mm = joints_mm[:, nyu.index('palm')] - wrist_mm
    fraction = np.einsum('ij,ij->i', palm_mm, axis_mm) / np.einsum('ij,ij->i', axis_mm, axis_mm)
    assert 0.45 < np.median(fraction) < 0.55, np.median(fraction)
    off_axis_mm = np.linalg.norm(palm_mm - fraction[:, None] * axis_mm, axis=1)
    assert np.median(off_axis_mm) < 15.0, np.median(off_axis_mm)
