# Copyright 2026 jgr_ros contributors. MIT License.
"""
TorchScript and ONNX exports of a network's inference path (``model.infer``).

Works for :class:`~jgr_ros.model.JGRP2O` ((B, 1, 96, 96) crop -> (B, J, 3) uvz),
:class:`~jgr_ros.center_net.CenterRefineNet` ((B, 1, 128, 128) crop -> (B, 3) offset) and
:class:`~jgr_ros.detector_net.HandDetectorNet` ((B, 1, 120, 160) frame -> (B, 4, 30, 40) or
(B, 4, 60, 80); a wider frame, a wider grid). All exports trace an eval-mode copy of the model
(the caller's model is left as it is); the batch size is free, and so is the detector's width.
ONNX uses the TorchScript-based exporter (``dynamo=False``), which needs no ``onnxscript``; the
exported graph has one input ``depth`` and one output ``output``.
"""
import copy
import os
from pathlib import Path
from typing import Union

import numpy as np
import torch
from torch import nn, Tensor

INPUT_NAME = 'depth'
OUTPUT_NAME = 'output'
ONNX_SUFFIX = '.onnx'

PathLike = Union[str, os.PathLike]


class InferencePath(nn.Module):
    """Expose ``model.infer`` as ``forward``, the method tracing and ONNX export follow."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, depth: Tensor) -> Tensor:
        return self.model.infer(depth)


def export_torchscript(model: nn.Module, path: PathLike) -> Path:
    """Trace ``model.infer`` to a TorchScript file at ``path`` (load with torch.jit.load)."""
    module = _inference_module(model)
    with torch.no_grad():
        traced = torch.jit.trace(module, example_input(model))
    traced.save(os.fspath(path))
    return Path(path)


def export_onnx(model: nn.Module, path: PathLike, opset: int = 17) -> Path:
    """
    Export ``model.infer`` to an ONNX file at ``path`` with a dynamic batch axis.

    And a dynamic width where the model takes any (``dynamic_width``: the hand detector).
    """
    axes = {0: 'batch', **({3: 'width'} if getattr(model, 'dynamic_width', False) else {})}
    torch.onnx.export(
        _inference_module(model), (example_input(model),), os.fspath(path), dynamo=False,
        opset_version=opset, input_names=[INPUT_NAME], output_names=[OUTPUT_NAME],
        dynamic_axes={INPUT_NAME: axes, OUTPUT_NAME: axes})
    return Path(path)


def run_exported(path: PathLike, depth: np.ndarray) -> np.ndarray:
    """Run an exported file on a float32 batch: '.onnx' by onnxruntime (CPU), else TorchScript."""
    depth = np.ascontiguousarray(depth, dtype=np.float32)
    if Path(path).suffix == ONNX_SUFFIX:
        import onnxruntime  # only the ONNX path needs it
        session = onnxruntime.InferenceSession(os.fspath(path),
                                               providers=['CPUExecutionProvider'])
        return session.run([OUTPUT_NAME], {INPUT_NAME: depth})[0]
    module = torch.jit.load(os.fspath(path), map_location='cpu')
    with torch.no_grad():
        return module(torch.from_numpy(depth)).numpy()


def verify_export(model: nn.Module, path: PathLike, depth: Tensor, atol: float = 1e-4) -> float:
    """
    Return the largest |exported - eager| on ``depth``; raise RuntimeError if above ``atol``.

    The eager reference is ``model.infer`` in eval mode without gradients.
    """
    with torch.no_grad():
        expected = _inference_module(model)(depth.cpu()).numpy()
    error = float(np.abs(run_exported(path, depth.cpu().numpy()) - expected).max())
    if error > atol:
        raise RuntimeError(f'{path}: export differs from the eager model by {error:.3g} '
                           f'(> {atol:g})')
    return error


def example_input(model: nn.Module, batch: int = 2) -> Tensor:
    """Return a reproducible random normalised batch of the model's input shape (H, W)."""
    generator = torch.Generator().manual_seed(0)
    return torch.rand(batch, 1, *model.input_shape, generator=generator) * 2 - 1


def _inference_module(model: nn.Module) -> nn.Module:
    return InferencePath(copy.deepcopy(model)).cpu().eval()
