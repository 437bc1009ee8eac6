# Copyright 2026 jgr_ros contributors. MIT License.
"""
ONNX exports of model files, kept on disk: exporting takes seconds, reading one milliseconds.

The onnxruntime backend needs the network as ONNX. Exporting traces it in PyTorch (2-3 s for
JGR-P2O on a 2-core machine, most of a node's start-up), so the export of a model file is
written once to ``$JGR_ROS_CACHE_DIR`` (default ``$XDG_CACHE_HOME/jgr_ros/onnx``, else
``~/.cache/jgr_ros/onnx``), named after the SHA-256 of the model file, the PyTorch version,
the export's opset and :data:`EXPORT_FORMAT`. An int8 network (:mod:`jgr_ros.quantization`) is
cached the same way, its name also after its quantisation recipe and the ONNX Runtime version.
Where the cache cannot be written the file is made in memory each time.
"""
import hashlib
import os
import pathlib
import tempfile
from typing import Callable

from jgr_ros.export import export_onnx
from jgr_ros.model_file import ModelInfo
from jgr_ros.quantization import quantize_int8, RECIPES
import torch
from torch import nn

CACHE_DIR_ENV = 'JGR_ROS_CACHE_DIR'
ONNX_OPSET = 17
# Changed whenever the export itself changes, so that no older export is read back: 2 since the
# hand detector's input width is dynamic (export.export_onnx).
EXPORT_FORMAT = 2
# The cache keeps this many exports, the most recently written.
MAX_CACHED_FILES = 16


def cache_dir() -> pathlib.Path:
    """Return the folder of cached exports (see the module docstring)."""
    if os.environ.get(CACHE_DIR_ENV):
        return pathlib.Path(os.environ[CACHE_DIR_ENV])
    base = os.environ.get('XDG_CACHE_HOME') or pathlib.Path.home() / '.cache'
    return pathlib.Path(base) / 'jgr_ros' / 'onnx'


def cached_export_path(model_path: pathlib.Path, variant: str = '') -> pathlib.Path:
    """Return where the export of ``model_path`` (``variant``: of its int8 network) is cached."""
    digest = hashlib.sha256(model_path.read_bytes())
    digest.update(f'torch {torch.__version__} opset {ONNX_OPSET} format {EXPORT_FORMAT}'.encode())
    digest.update(variant.encode())
    suffix = '.int8.onnx' if variant else '.onnx'
    return cache_dir() / f'{model_path.stem}-{digest.hexdigest()[:20]}{suffix}'


def onnx_bytes(model: nn.Module, model_path: pathlib.Path | None) -> bytes:
    """
    Return ``model`` (loaded from ``model_path``) as an ONNX file's bytes, from the cache.

    A cache miss exports and stores the file (written under a temporary name, then renamed, so
    a concurrent reader never sees half a file). ``model_path`` None: export without caching.
    """
    if model_path is None:
        return _export_bytes(model)
    return _cached(cached_export_path(model_path), lambda: _export_bytes(model))


def int8_onnx_bytes(model: nn.Module, model_path: pathlib.Path | None, info: ModelInfo) -> bytes:
    """
    Return ``model`` as an ONNX file with int8 convolutions (:func:`quantize_int8`), cached.

    ``info`` (the model file's) chooses the recipe (:data:`RECIPES`); its calibration inputs
    are made only on a cache miss.
    """
    recipe = RECIPES[info.kind]

    def quantize() -> bytes:
        return quantize_int8(onnx_bytes(model, model_path), recipe,
                             recipe.calibration_inputs(info))
    if model_path is None:
        return quantize()
    import onnxruntime  # the quantiser's version is part of the file's name
    variant = f'{recipe.name} onnxruntime {onnxruntime.__version__}'
    return _cached(cached_export_path(model_path, variant), quantize)


def _cached(path: pathlib.Path, make: Callable[[], bytes]) -> bytes:
    """Return the file at ``path``, or ``make()`` it and store it there."""
    if path.is_file():
        return path.read_bytes()
    data = make()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix='.part', delete=False) as part:
            part.write(data)
        os.replace(part.name, path)
        _prune(path.parent)
    except OSError:
        pass    # an unwritable cache only costs the export next time
    return data


def _prune(folder: pathlib.Path) -> None:
    """Delete all but the MAX_CACHED_FILES newest exports."""
    exports = sorted(folder.glob('*.onnx'), key=lambda path: path.stat().st_mtime, reverse=True)
    for path in exports[MAX_CACHED_FILES:]:
        path.unlink(missing_ok=True)


def _export_bytes(model: nn.Module) -> bytes:
    with tempfile.TemporaryDirectory(prefix='jgr_ros_onnx_') as folder:
        return export_onnx(model, pathlib.Path(folder) / 'model.onnx', ONNX_OPSET).read_bytes()
