# Copyright 2026 jgr_ros contributors. MIT License.
"""jgr-predict on real depth files: the documented JSON and an overlay a person can look at."""
import json

import cv2
from jgr_ros.networks import DEFAULT_POSE_MODEL, shipped_model_path
from jgr_ros.skeletons import get_skeleton
from jgr_ros.training.predict import main
import numpy as np
import pytest

pytestmark = pytest.mark.skipif(not shipped_model_path(DEFAULT_POSE_MODEL).is_file(),
                                reason='the shipped model is not in jgr_ros/models')
KEYS = {'found', 'reason', 'center_m', 'skeleton', 'joint_names', 'joints_m', 'joints_uvd', 'roi'}


def run_predict(tmp_path, depth_file, depth_format, intrinsics):
    out_json, out_png = tmp_path / 'out.json', tmp_path / 'out.png'
    argv = [str(depth_file), '--depth-format', depth_format, '--json', str(out_json),
            '--overlay', str(out_png), '--intrinsics', *map(str, intrinsics)]
    assert main(argv) == 0
    return json.loads(out_json.read_text()), cv2.imread(str(out_png))


def test_hands2017_frame_gives_a_metric_hand(tmp_path, shared_data):
    depth_file = shared_data / 'frames' / 'hands2017_image_D00000030.png'
    result, overlay = run_predict(tmp_path, depth_file, 'png16',
                                  (475.065948, 475.065857, 315.944855, 245.287079))
    assert set(result) == KEYS and result['found'], result['reason']
    assert result['skeleton'] == 'mano21'
    assert result['joint_names'] == list(get_skeleton('mano21').joint_names)
    joints_m, joints_uvd = np.array(result['joints_m']), np.array(result['joints_uvd'])
    assert joints_m.shape == (21, 3) and joints_uvd.shape == (21, 3)
    assert 0.45 < result['center_m'][2] < 0.75, 'the hand is 560-920 mm away'
    np.testing.assert_allclose(joints_m[:, 2] * 1000.0, joints_uvd[:, 2], rtol=1e-4)
    x, y, w, h = result['roi']
    assert w > 20 and h > 20
    assert overlay.shape == (480, 640, 3)


def test_nyu_frame_with_y_up_intrinsics(tmp_path, shared_data):
    result, _ = run_predict(tmp_path, shared_data / 'frames' / 'nyu_test_depth_1_0000001.png',
                            'nyu', (588.03, -587.07, 320.0, 240.0))
    assert result['found'], result['reason']
    assert 0.6 < result['center_m'][2] < 0.9, 'the hand is at about 730-800 mm'
    u, v, depth_mm = np.array(result['joints_uvd']).T
    y_m = np.array(result['joints_m'])[:, 1]
    np.testing.assert_allclose(y_m, (v - 240.0) * depth_mm / -587.07 / 1000.0, atol=1e-5,
                               err_msg='y follows the sign of fy (NYU: up)')


def test_missing_file_is_a_clear_error(tmp_path, capsys):
    assert main([str(tmp_path / 'absent.png'), '--intrinsics', '500', '500', '320', '240']) == 2
    assert 'absent.png' in capsys.readouterr().err
