# Copyright 2026 jgr_ros contributors. MIT License.
"""The shipped networks reproduce their stored golden outputs (update on purpose: --write)."""

import json

from jgr_ros.networks import CenterRefiner, PoseModel
from jgr_ros.training.golden_outputs import compute, golden_path
import numpy as np
import pytest

pytestmark = pytest.mark.filterwarnings('ignore::DeprecationWarning')   # torch.jit, legacy ONNX


@pytest.fixture(scope='module')
def stored() -> dict:
    return json.loads(golden_path().read_text())


@pytest.mark.parametrize('backend', ['eager', 'auto'])
def test_shipped_networks_reproduce_their_golden_outputs(stored, backend):
    outputs = compute(PoseModel(device='cpu', backend=backend),
                      CenterRefiner(device='cpu', backend=backend))
    tolerance = 1e-4 if backend == 'eager' else 1e-3   # other runtimes round differently
    for key in ('pose_uvz', 'center_offsets'):
        np.testing.assert_allclose(outputs[key], stored[key], rtol=0, atol=tolerance,
                                   err_msg=f'{key}: if the weights changed on purpose, run '
                                           'python -m jgr_ros.training.golden_outputs --write')


def test_golden_outputs_tell_the_frames_apart(stored):
    uvz = np.array(stored['pose_uvz'])
    assert uvz.shape == (4, 21, 3) and np.all(np.abs(uvz) < 1.5)
    assert np.min(np.ptp(uvz, axis=0)) > 0.0   # four different hands, four different answers
