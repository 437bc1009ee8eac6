# Copyright 2026 jgr_ros contributors. MIT License.
"""TorchScript and ONNX exports agree with the eager model, at any batch size."""
from jgr_ros.center_net import CenterRefineNet
from jgr_ros.detector_net import HandDetectorNet
from jgr_ros.export import (
    example_input,
    export_onnx,
    export_torchscript,
    run_exported,
    verify_export,
)
from jgr_ros.model import BN_MOMENTUM, JGRP2O
import numpy as np
import pytest
import torch
from torch import nn

torch.set_num_threads(2)
pytestmark = pytest.mark.filterwarnings('ignore::DeprecationWarning')   # torch.jit, legacy ONNX


def calibrated(model: JGRP2O) -> JGRP2O:
    """
    Return ``model`` (in train mode) with BatchNorm statistics of one random batch.

    Fresh statistics (mean 0, variance 1) would squash the tiny initial activations, and every
    prediction would sit at the crop centre: a weak check of an export.
    """
    batch_norms = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    for batch_norm in batch_norms:
        batch_norm.reset_running_stats()
        batch_norm.momentum = None          # cumulative average: one batch sets the statistics
    with torch.no_grad():
        model(example_input(model, batch=4))
    for batch_norm in batch_norms:
        batch_norm.momentum = BN_MOMENTUM
    return model


@pytest.fixture(scope='module')
def jgr_model() -> JGRP2O:
    """Return a 2-stack, 21-joint model whose eval-mode predictions spread over the crop."""
    torch.manual_seed(0)
    return calibrated(JGRP2O(21, num_stacks=2))


@pytest.fixture(scope='module', params=['torchscript', 'onnx'])
def exported(request, jgr_model, tmp_path_factory):
    path = tmp_path_factory.mktemp('export') / f'jgr.{request.param}'
    if request.param == 'onnx':
        pytest.importorskip('onnxruntime', reason='onnxruntime is needed to run ONNX exports')
        return export_onnx(jgr_model, path.with_suffix('.onnx'))
    return export_torchscript(jgr_model, path.with_suffix('.ts'))


@pytest.mark.parametrize('batch', [1, 3])
def test_export_agrees_with_eager(jgr_model, exported, batch):
    depth = torch.rand(batch, 1, 96, 96, generator=torch.Generator().manual_seed(batch)) * 2 - 1
    assert verify_export(jgr_model, exported, depth) <= 1e-4
    uvz = run_exported(exported, depth.numpy())
    assert uvz.shape == (batch, 21, 3)
    assert uvz.std(axis=1).min() > 0.01     # joints spread out: the comparison means something


def test_verify_export_detects_a_different_model(jgr_model, exported):
    torch.manual_seed(1)
    other = calibrated(JGRP2O(21, num_stacks=2))
    with pytest.raises(RuntimeError, match='differs from the eager model'):
        verify_export(other, exported, example_input(other, batch=2))


def test_center_net_exports_and_is_left_in_train_mode(tmp_path):
    pytest.importorskip('onnxruntime', reason='onnxruntime is needed to run ONNX exports')
    model = CenterRefineNet()
    crops = example_input(model, batch=2)
    path = export_onnx(model, tmp_path / 'center.onnx')
    assert model.training and all(m.training for m in model.modules())
    assert verify_export(model, path, crops) <= 1e-4
    assert np.isfinite(run_exported(path, crops.numpy())).all()


def test_hand_detector_exports_a_frame_network(tmp_path):
    pytest.importorskip('onnxruntime', reason='onnxruntime is needed to run ONNX exports')
    model = HandDetectorNet().eval()
    frames = example_input(model, batch=2)
    assert frames.shape == (2, 1, 120, 160)
    path = export_onnx(model, tmp_path / 'detector.onnx')
    assert verify_export(model, path, frames) <= 1e-4
    wide_frames = torch.rand(1, 1, 120, 208) * 2.0 - 1.0   # an 848 x 480 frame (any width)
    assert verify_export(model, path, wide_frames) <= 1e-4
