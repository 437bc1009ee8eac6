# Copyright 2026 jgr_ros contributors. MIT License.
"""The shipped networks reproduce their stored golden outputs (update on purpose: --write)."""

import json

from jgr_ros.detector import HandDetector
from jgr_ros.networks import CenterRefiner, HandVerifier, PoseModel
from jgr_ros.training.golden_outputs import compute, golden_inputs, golden_path
import numpy as np
import pytest

pytestmark = pytest.mark.filterwarnings('ignore::DeprecationWarning')   # torch.jit, legacy ONNX


@pytest.fixture(scope='module')
def stored() -> dict:
    return json.loads(golden_path().read_text())


@pytest.mark.parametrize('backend', ['eager', 'torchscript', 'auto'])
def test_shipped_networks_reproduce_their_golden_outputs(stored, backend):
    # fp32 on every backend; the int8 networks are measured in test_quantization.py.
    outputs = compute(PoseModel(device='cpu', backend=backend, precision='fp32'),
                      CenterRefiner(device='cpu', backend=backend),
                      HandDetector(device='cpu', backend=backend, precision='fp32'),
                      HandVerifier(device='cpu', backend=backend))
    tolerance = 1e-4 if backend == 'eager' else 1e-3   # other runtimes round differently
    for key in ('pose_uvz', 'center_offsets', 'detector_outputs', 'verifier_probabilities'):
        np.testing.assert_allclose(outputs[key], stored[key], rtol=0, atol=tolerance,
                                   err_msg=f'{key}: if the weights changed on purpose, run '
                                           'python -m jgr_ros.training.golden_outputs --write')


def test_golden_outputs_tell_the_frames_apart(stored):
    uvz = np.array(stored['pose_uvz'])
    assert uvz.shape == (4, 21, 3) and np.all(np.abs(uvz) < 1.5)
    assert np.min(np.ptp(uvz, axis=0)) > 0.0   # four different hands, four different answers


def test_the_detector_sees_hands_in_its_golden_frames(stored):
    outputs = np.array(stored['detector_outputs'])
    assert outputs.shape == (2, 4, 15, 20)   # every fourth cell of the 60 x 80 grid (stride 2)
    assert np.all((outputs[:, 0] >= 0.0) & (outputs[:, 0] <= 1.0))   # heat
    assert np.ptp(outputs[:, 0]) > 0.0


def test_the_shipped_verifier_sees_hands_in_crops_centred_on_them():
    """
    Pose crops at the true centre of 40 hands of today's test set: nearly all hands to it.

    Measured (version 2): 36 of these 40 above 0.5, 94 % of 300 (version 1: 37, 95 %); the same
    crops inverted: 0 of 40. Single crops can be doubted (two of the four golden ones are, by
    version 2), so the test counts over many.
    """
    crops, _ = golden_inputs(PoseModel(device='cpu'), CenterRefiner(device='cpu'), 40)
    probabilities = HandVerifier(device='cpu').hand_probabilities(crops)
    assert np.mean(probabilities > 0.5) >= 0.85, np.round(probabilities, 2)
