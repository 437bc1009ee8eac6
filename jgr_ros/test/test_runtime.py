# Copyright 2026 jgr_ros contributors. MIT License.
"""
How networks run, with the shipped pose model.

Every backend's agreement with eager PyTorch, 'auto' and the refused combinations are checked
in test_bench.py, on a calibrated model written there.
"""
from jgr_ros.networks import PoseModel
from jgr_ros.runtime import slower_backend_reason


def test_the_ready_line_names_a_slower_backend_and_why():
    torchscript = PoseModel(None, 'cpu', backend='torchscript')
    assert 'onnxruntime' in slower_backend_reason('auto', torchscript)
    assert slower_backend_reason('torchscript', torchscript) == ''      # asked for
    assert slower_backend_reason('auto', PoseModel(None, 'cpu')) == ''  # onnxruntime here
