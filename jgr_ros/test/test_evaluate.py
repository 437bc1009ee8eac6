# Copyright 2026 jgr_ros contributors. MIT License.
"""jgr-eval: reproducing the published results, its outputs, errors, and the prediction mode."""
import json

import cv2
from jgr_ros.errors import InputError
from jgr_ros.model_file import build_model, ModelInfo, save_model
from jgr_ros.networks import PoseModel
from jgr_ros.training.evaluate import main, read_centers_mm
from jgr_ros.training.metrics import DATASET_CAMERAS, read_uvd_file, write_uvd_file
import numpy as np
import pytest
import scipy.io
from test_real_datasets import NYU_EVAL, nyu_fixture
import torch

torch.set_num_threads(2)

# Mean 3-D errors (mm) as published with the files in ../shared/data/eval (its README).
PUBLISHED_MM = {
    'nyu': {'CVPR18_NYU_V2V_PoseNet': 8.419, 'ArXiv_NYU_TriHorn_Net': 7.676,
            'ICCV19_NYU_A2J': 8.610, 'AAAI20_NYU_AWR_hourglass': 7.700,
            'ECCV18_NYU_Point-to-Point': 9.045, 'CVPR18_NYU_denseReg': 10.214,
            'CVPR18_NYU_HandPointNet': 10.540, 'CVPR19_NYU_CrossInfoNet': 10.078,
            'ICCVW17_NYU_DeepPrior++': 12.238, 'JVCI18_NYU_REN_9x6x6': 12.694,
            'NEUCOM18_NYU_Pose_REN': 11.811, 'TMM21_NYU_SRNet': 9.173},
    'icvl': {'CVPR18_ICVL_V2V_PoseNet': 6.284, 'ArXiv_ICVL_TriHorn_Net': 5.736,
             'ICCV19_ICVL_A2J': 6.461, 'ICCV21_ICVL_HandFoldingNet': 5.958,
             'ECCV18_ICVL_Point-to-Point': 6.328, 'CVPR18_ICVL_denseReg': 7.239,
             'CVPR18_ICVL_HandPointNet': 6.935, 'CVPR19_ICVL_CrossInfoNet': 6.732,
             'JVCI18_ICVL_REN_9x6x6': 7.305, 'NEUCOM18_ICVL_Pose_REN': 6.791,
             'TMM21_ICVL_SRNet': 6.152},
}


def _eval(*args: str) -> int:
    return main([str(arg) for arg in args])


@pytest.mark.data
@pytest.mark.parametrize('dataset', sorted(PUBLISHED_MM))
def test_reproduces_every_published_mean_error(shared_data, tmp_path, dataset):
    folder = shared_data / 'eval' / dataset
    predictions = sorted(path for path in folder.glob('*.txt')
                         if not path.stem.endswith(('groundtruth_label', 'test_list')))
    assert {path.stem for path in predictions} == set(PUBLISHED_MM[dataset])
    pred_args = [arg for path in predictions for arg in ('--pred', path)]
    assert _eval('--dataset', dataset, '--gt', folder / f'{dataset}_test_groundtruth_label.txt',
                 *pred_args, '--json', tmp_path / 'scores.json') == 0
    scores = json.loads((tmp_path / 'scores.json').read_text())
    for name, published_mm in PUBLISHED_MM[dataset].items():
        assert scores[name]['mean_error_mm'] == pytest.approx(published_mm, abs=5e-4), name


def _shifted_predictions(tmp_path, shift_mm: float) -> tuple:
    """Write a 5-frame ICVL ground truth, a perfect file and one off by ``shift_mm`` in 3-D."""
    camera = DATASET_CAMERAS['icvl']
    gt_uvd = np.random.default_rng(3).uniform((60, 40, 300), (260, 200, 500), (5, 16, 3))
    shifted_uvd = camera.project_uvd(camera.back_project_uvd(gt_uvd) + (0.0, 0.0, shift_mm))
    paths = [tmp_path / name for name in ('gt.txt', 'perfect.txt', 'shifted.txt')]
    for path, uvd in zip(paths, (gt_uvd, gt_uvd, shifted_uvd)):
        write_uvd_file(path, uvd)
    return paths


def test_table_json_and_plot(tmp_path, capsys):
    gt, perfect, shifted = _shifted_predictions(tmp_path, 12.0)
    out_json, out_png = tmp_path / 'scores.json', tmp_path / 'curves.png'
    assert _eval('--dataset', 'icvl', '--gt', gt, '--pred', perfect, '--pred', shifted,
                 '--json', out_json, '--plot', out_png) == 0
    table = capsys.readouterr().out
    assert 'perfect' in table and 'shifted' in table and '12.000' in table
    scores = json.loads(out_json.read_text())
    assert scores['perfect']['mean_error_mm'] == pytest.approx(0.0, abs=1e-2)
    assert scores['perfect']['success_rate'] == pytest.approx(
        {'10': 1.0, '20': 1.0, '30': 1.0, '40': 1.0})
    assert scores['shifted']['mean_error_mm'] == pytest.approx(12.0, abs=1e-2)
    assert scores['shifted']['success_rate'] == pytest.approx(
        {'10': 0.0, '20': 1.0, '30': 1.0, '40': 1.0})
    assert scores['shifted']['per_joint_mm'] == pytest.approx([12.0] * 16, abs=1e-2)
    image = cv2.imread(str(out_png))
    assert image is not None and image.shape[0] > 500 and image.shape[1] > 800


@pytest.mark.parametrize('damage, message', [
    (lambda uvd: uvd[:4], '4 frames x 16 joints, but the ground truth has 5 x 16'),
    (lambda uvd: uvd[:, :14], '42 values per line, expected 16 joints'),
])
def test_mismatched_files_exit_2_with_a_clear_message(tmp_path, capsys, damage, message):
    gt, perfect, _ = _shifted_predictions(tmp_path, 0.0)
    write_uvd_file(perfect, damage(read_uvd_file(gt, 16)))
    assert _eval('--dataset', 'icvl', '--gt', gt, '--pred', perfect) == 2
    assert message in capsys.readouterr().err


def test_bad_invocations_exit_2(tmp_path, capsys):
    gt, perfect, _ = _shifted_predictions(tmp_path, 0.0)
    (tmp_path / 'other').mkdir()
    twin = tmp_path / 'other' / 'perfect.txt'
    twin.write_text(perfect.read_text())
    assert _eval('--dataset', 'icvl', '--gt', gt, '--pred', perfect, '--pred', twin) == 2
    assert 'repeated' in capsys.readouterr().err
    assert _eval('--dataset', 'icvl', '--gt', gt, '--pred', tmp_path / 'missing.txt') == 2
    with pytest.raises(SystemExit) as exit_info:
        _eval('--dataset', 'icvl', '--gt', gt)
    assert exit_info.value.code == 2


def _save_tiny_model(path, skeleton: str, num_joints: int):
    """Save a randomly initialised one-stack JGR-P2O for ``skeleton``; return its path."""
    torch.manual_seed(0)
    info = ModelInfo(kind='jgr_p2o', skeleton=skeleton, num_joints=num_joints, cube_mm=300.0,
                     input_size=96, num_stacks=1)
    save_model(path, build_model(info), info)
    return path


@pytest.fixture(scope='module')
def tiny_nyu_model(tmp_path_factory):
    return _save_tiny_model(tmp_path_factory.mktemp('models') / 'nyu.pt', 'nyu14', 14)


@pytest.fixture(scope='module')
def tiny_nyu_pose_model(tiny_nyu_model):
    return PoseModel(tiny_nyu_model, 'cpu', backend='eager')


def test_writes_predictions_at_given_centres_and_scores_them(
        tmp_path, tiny_nyu_model, tiny_nyu_pose_model):
    depths, uvd36 = nyu_fixture(tmp_path / 'nyu')
    centers_uvd = uvd36[:, 0] + (5.0, -3.0, 10.0)
    np.savetxt(tmp_path / 'centers.txt', centers_uvd)
    out = tmp_path / 'ours.txt'
    assert _eval('--dataset', 'nyu', '--model', tiny_nyu_model, '--data-root', tmp_path / 'nyu',
                 '--centers', tmp_path / 'centers.txt', '--write-pred', out,
                 '--device', 'cpu', '--backend', 'eager') == 0
    written = read_uvd_file(out, 14)
    camera = DATASET_CAMERAS['nyu']
    for depth, center_uvd, pred_uvd in zip(depths, centers_uvd, written):
        joints_mm = tiny_nyu_pose_model.predict_at_centers(depth, camera,
                                                           camera.back_project_uvd(center_uvd))
        np.testing.assert_allclose(pred_uvd, camera.project_uvd(joints_mm[0]), atol=1e-3)
    write_uvd_file(tmp_path / 'gt.txt', uvd36[:, NYU_EVAL])
    assert _eval('--dataset', 'nyu', '--gt', tmp_path / 'gt.txt', '--pred', out) == 0


def test_prediction_without_centres_crops_at_the_ground_truth_palm(
        tmp_path, tiny_nyu_model, tiny_nyu_pose_model):
    depths, uvd36 = nyu_fixture(tmp_path / 'nyu', num_frames=1)
    out = tmp_path / 'oracle.txt'
    assert _eval('--dataset', 'nyu', '--model', tiny_nyu_model, '--data-root', tmp_path / 'nyu',
                 '--write-pred', out, '--device', 'cpu', '--backend', 'eager') == 0
    camera = DATASET_CAMERAS['nyu']
    palm_mm = camera.back_project_uvd(uvd36[0, 32])          # nyu14's centre joint
    joints_mm = tiny_nyu_pose_model.predict_at_centers(depths[0], camera, palm_mm)[0]
    expected = camera.project_uvd(joints_mm)
    np.testing.assert_allclose(read_uvd_file(out, 14)[0], expected, atol=1e-3)


def test_prediction_refuses_other_layouts_and_miscounted_centres(
        tmp_path, capsys, tiny_nyu_model):
    nyu_fixture(tmp_path / 'nyu')
    args = ['--dataset', 'nyu', '--data-root', tmp_path / 'nyu', '--write-pred',
            tmp_path / 'out.txt', '--device', 'cpu', '--backend', 'eager']
    icvl_model = _save_tiny_model(tmp_path / 'icvl.pt', 'icvl16', 16)
    assert _eval(*args, '--model', icvl_model) == 2
    assert 'predicts layout icvl16 but the dataset is scored in nyu14' in capsys.readouterr().err
    np.savetxt(tmp_path / 'centers.txt', [[320.0, 240.0, 700.0]])
    assert _eval(*args, '--model', tiny_nyu_model, '--centers', tmp_path / 'centers.txt') == 2
    assert '1 hand centres for 2 frames' in capsys.readouterr().err
    assert not (tmp_path / 'out.txt').exists()


def test_hand_centres_load_from_text_or_a2j_mat(tmp_path):
    uvd = np.array([[217.1, 249.9, 762.0], [216.9, 250.1, 764.2]])
    np.savetxt(tmp_path / 'centers.txt', uvd)
    scipy.io.savemat(tmp_path / 'centers.mat', {'centre_pixel': uvd[:, None]})
    camera = DATASET_CAMERAS['nyu']
    for name in ('centers.txt', 'centers.mat'):
        np.testing.assert_allclose(read_centers_mm(tmp_path / name, camera),
                                   camera.back_project_uvd(uvd))
    scipy.io.savemat(tmp_path / 'other.mat', {'centers': uvd})
    with pytest.raises(InputError, match='centre_pixel'):
        read_centers_mm(tmp_path / 'other.mat', camera)
