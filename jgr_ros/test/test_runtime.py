# Copyright 2026 jgr_ros contributors. MIT License.
"""
How networks run, with the shipped pose model.

Every backend's agreement with eager PyTorch, 'auto' and the refused combinations are checked
in test_bench.py, on a calibrated model written there.
"""
from jgr_ros import runtime
from jgr_ros.errors import InputError
from jgr_ros.networks import PoseModel
from jgr_ros.runtime import slower_backend_reason
import pytest


def test_the_ready_line_names_a_slower_backend_and_why():
    torchscript = PoseModel(None, 'cpu', backend='torchscript')
    assert 'onnxruntime' in slower_backend_reason('auto', torchscript)
    assert slower_backend_reason('torchscript', torchscript) == ''      # asked for
    assert slower_backend_reason('auto', PoseModel(None, 'cpu')) == ''  # onnxruntime, int8 here


def test_without_the_onnx_package_auto_runs_fp32_and_says_why(monkeypatch):
    """ONNX Runtime's quantiser needs the onnx package, which no rosdep key installs."""
    monkeypatch.setattr(runtime, '_quantiser_installed', lambda: False)
    fp32 = PoseModel(None, 'cpu')
    assert fp32.backend == 'onnxruntime' and not fp32.int8
    assert 'pip install onnx' in slower_backend_reason('auto', fp32, 'auto')
    assert slower_backend_reason('auto', fp32, 'fp32') == ''             # asked for
    with pytest.raises(InputError, match='pip install onnx'):
        PoseModel(None, 'cpu', precision='int8')
