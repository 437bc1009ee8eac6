# Copyright 2026 jgr_ros contributors. MIT License.
"""
How a network runs: the device, the backend (:data:`BACKENDS`) and the runner built for it.

A *runner* (:func:`build_runner`) takes a batch of (B, H, W) float32 inputs, of the network's
``input_shape`` (square crops; the hand detector's 120 x 160 frames, or wider), and returns the
network's inference output as a NumPy array, whatever runs it: eager PyTorch, a frozen
TorchScript graph, ONNX Runtime or replayed CUDA graphs. docs/performance.md has the
measurements behind the ``'auto'`` choice. A CUDA device that fails at start-up falls back to
the CPU (:func:`load_estimator_with_cpu_fallback`).
"""
import argparse
import contextlib
import copy
from dataclasses import dataclass
import importlib.util
import pathlib
from typing import Callable, Iterator, TYPE_CHECKING, TypeVar

from jgr_ros.errors import InputError
from jgr_ros.export import InferencePath, INPUT_NAME, OUTPUT_NAME
from jgr_ros.model_file import ModelInfo
from jgr_ros.onnx_cache import int8_onnx_bytes, onnx_bytes
import numpy as np
import torch
from torch import nn
from torch.nn.utils.fusion import fuse_conv_bn_eval

if TYPE_CHECKING:
    from jgr_ros.networks import PoseModel

# What load_estimator_with_cpu_fallback loads (an estimator, or anything built on a device).
Loaded = TypeVar('Loaded')


def select_device(name: str) -> torch.device:
    """Map 'auto' / 'cuda' / 'cpu' to a device; asking for CUDA without one is an error."""
    if name == 'auto':
        return torch.device('cuda' if torch.cuda.is_available() else 'cpu')
    if name.startswith('cuda') and not torch.cuda.is_available():
        raise InputError(f'device {name!r} requested but CUDA is not available')
    if name not in ('cpu',) and not name.startswith('cuda'):
        raise InputError(f'unknown device {name!r}: use auto, cuda, cuda:N or cpu')
    return torch.device(name)


# 'auto' picks, per device, the fastest one measured (docs/performance.md):
#   cpu:  'onnxruntime' (ONNX Runtime's fused kernels), else 'torchscript' without it;
#   cuda: 'cuda_graph' (BatchNorm folded, channels_last, one CUDA graph per batch size fed
#         through pinned host buffers).
# 'eager' is plain PyTorch, the reference the others are tested against; 'torchscript' is a
# traced, frozen graph with optimize_for_inference (BatchNorm folded, oneDNN on CPU).
BACKENDS = ('auto', 'eager', 'torchscript', 'onnxruntime', 'cuda_graph')
# Precision of the pose network's and the detector's convolutions. 'auto' is int8 where they
# run on ONNX Runtime (the CPU: 26-40 % less time a crop, half a frame's detection, the same
# accuracy, docs/performance.md)
# and the onnx package is installed (ONNX Runtime's quantiser needs it; no rosdep key has it),
# fp32 elsewhere; 'int8' needs both (jgr_ros.quantization).
PRECISIONS = ('auto', 'fp32', 'int8')
_CPU_ONLY_BACKENDS = ('onnxruntime',)
_CUDA_ONLY_BACKENDS = ('cuda_graph',)
# Calls before a CUDA graph is captured (cuDNN picks its algorithms, allocators settle).
_CUDA_GRAPH_WARMUP_CALLS = 3
# Calls after which TorchScript's profiling executor has specialised and optimised the graph.
_TORCHSCRIPT_WARMUP_CALLS = 2

# (B, H, W) float32 inputs (model.input_shape) -> the inference output as a float32 array.
Runner = Callable[[np.ndarray], np.ndarray]


def resolve_backend(name: str, device: torch.device) -> str:
    """Return the backend that runs on ``device``: ``name`` itself, or what 'auto' means there."""
    if name not in BACKENDS:
        raise InputError(f'unknown backend {name!r}: use {", ".join(BACKENDS)}')
    if name == 'auto':
        if device.type == 'cuda':
            return 'cuda_graph'
        return 'onnxruntime' if importlib.util.find_spec('onnxruntime') else 'torchscript'
    if name in _CPU_ONLY_BACKENDS and device.type != 'cpu':
        raise InputError(f'backend {name!r} runs on the CPU only, device is {device}')
    if name in _CUDA_ONLY_BACKENDS and device.type != 'cuda':
        raise InputError(f'backend {name!r} needs a CUDA device, device is {device}')
    if name == 'onnxruntime' and not importlib.util.find_spec('onnxruntime'):
        raise InputError("backend 'onnxruntime' needs the onnxruntime package (pip install "
                         'onnxruntime), or use torchscript')
    return name


def add_precision_argument(parser: argparse.ArgumentParser) -> None:
    """Add ``--precision`` (PRECISIONS) to a tool's command line, 'auto' as in the node."""
    parser.add_argument('--precision', choices=PRECISIONS, default='auto',
                        help="JGR-P2O's and the detector's convolutions (default: auto, int8 "
                        'on onnxruntime)')


def resolve_int8(precision: str, backend: str) -> bool:
    """Return whether a network runs int8 with ``precision`` on a resolved ``backend``."""
    if precision not in PRECISIONS:
        raise InputError(f'unknown precision {precision!r}: use {", ".join(PRECISIONS)}')
    if precision == 'int8':
        if backend != 'onnxruntime':
            raise InputError(f'precision int8 runs on the onnxruntime backend only, not '
                             f'{backend!r}')
        if not _quantiser_installed():
            raise InputError('precision int8 needs the onnx package (pip install onnx), or use '
                             'fp32')
        return True
    return precision == 'auto' and backend == 'onnxruntime' and _quantiser_installed()


def _quantiser_installed() -> bool:
    return importlib.util.find_spec('onnx') is not None


def slower_backend_reason(requested: str, pose_model: 'PoseModel',
                          requested_precision: str = 'auto') -> str:
    """
    Return why ``pose_model`` runs slower than this machine could run it ('' if not).

    'auto' on the CPU takes onnxruntime, several times faster than TorchScript here, and int8
    on it (docs/performance.md); without the packages it falls back silently unless told.
    """
    if pose_model.device.type != 'cpu':
        return ''
    if requested == 'auto' and pose_model.backend != 'onnxruntime':
        return (f'running the {pose_model.backend} backend because onnxruntime is not '
                'installed; it is several times slower (pip install onnxruntime, or rosdep '
                'key python3-onnxruntime-pip)')
    if (requested_precision == 'auto' and pose_model.backend == 'onnxruntime'
            and not pose_model.int8):
        return ('running JGR-P2O and the detector in fp32 because the onnx package, which '
                'makes their int8 networks, is not installed; int8 takes 26-40 % and half the '
                'time (pip install onnx)')
    return ''


def load_estimator_with_cpu_fallback(load: Callable[[str], Loaded],
                                     device: str) -> tuple[Loaded, str]:
    """
    Return ``load(device)`` and '' or, when a CUDA device fails, ``load('cpu')`` and why.

    ``load`` must run the networks once (the first inference is where a driver mismatch, an
    out-of-memory or a graph capture error shows). Bad input (InputError: a missing file, a
    CUDA device asked for on a machine without one) is not a device failure and is raised.
    """
    try:
        return load(device), ''
    except InputError:
        raise
    except Exception as error:
        if select_device(device).type != 'cuda':
            raise
        reason = (f'CUDA failed ({type(error).__name__}: {str(error).strip()[:300]}); running '
                  'on the CPU instead')
    return load('cpu'), reason


def build_runner(backend: str, model: nn.Module, device: torch.device,
                 dtype: torch.dtype = torch.float32,
                 model_path: pathlib.Path | None = None,
                 int8_info: ModelInfo | None = None) -> Runner:
    """
    Return a function running ``model.infer`` on crops with a resolved ``backend``.

    ``model`` is an eval-mode network on ``device`` (eager runs it as it is, in ``dtype``; the
    others work on copies). ONNX Runtime runs on the CPU with torch's thread count, from the
    cached export of ``model_path`` (the file ``model`` was loaded from) when given: in fp32,
    or, given the file's ``int8_info``, with int8 convolutions by the recipe of its kind
    (:mod:`jgr_ros.quantization`; only with onnxruntime: :func:`resolve_int8` checks it).
    """
    if backend == 'onnxruntime':
        if dtype != torch.float32:
            raise InputError('the onnxruntime backend runs in fp32 only (half=False)')
        return _onnxruntime_runner(model, model_path, int8_info)
    if backend == 'torchscript':
        return _torchscript_runner(model.to(dtype), device, dtype)
    if backend == 'cuda_graph':
        return _CudaGraphRunner(model, device, dtype)
    return _eager_runner(model.to(dtype), device, dtype)


def fold_batch_norms(model: nn.Module) -> nn.Module:
    """Return an eval-mode copy of ``model`` with each Conv2d + BatchNorm2d pair folded."""
    folded = copy.deepcopy(model).eval()
    for module in folded.modules():
        if not isinstance(module, nn.Sequential):
            continue
        for index in range(len(module) - 1):
            conv, norm = module[index], module[index + 1]
            if isinstance(conv, nn.Conv2d) and isinstance(norm, nn.BatchNorm2d):
                module[index], module[index + 1] = fuse_conv_bn_eval(conv, norm), nn.Identity()
    return folded


def _as_batch(crops: np.ndarray, device: torch.device, dtype: torch.dtype) -> torch.Tensor:
    """(B, H, W) NumPy inputs -> (B, 1, H, W) tensor on ``device``."""
    return torch.from_numpy(crops)[:, None].to(device, dtype)


def _eager_runner(model: nn.Module, device: torch.device, dtype: torch.dtype) -> Runner:
    @torch.inference_mode()
    def run(crops: np.ndarray) -> np.ndarray:
        return model.infer(_as_batch(crops, device, dtype)).float().cpu().numpy()
    return run


def _torchscript_runner(model: nn.Module, device: torch.device, dtype: torch.dtype) -> Runner:
    example = torch.zeros(1, 1, *model.input_shape, device=device, dtype=dtype)
    # Trace, then let the profiling executor optimise the graph before the first frame does;
    # on one thread, like the ONNX export (see _onnxruntime_runner).
    with torch.no_grad(), _torch_threads(1):
        traced = torch.jit.trace(InferencePath(model).eval(), example)
        module = torch.jit.optimize_for_inference(torch.jit.freeze(traced))
        for _ in range(_TORCHSCRIPT_WARMUP_CALLS):
            module(example)

    @torch.inference_mode()
    def run(crops: np.ndarray) -> np.ndarray:
        return module(_as_batch(crops, device, dtype)).float().cpu().numpy()
    return run


def _onnxruntime_runner(model: nn.Module, model_path: pathlib.Path | None,
                        int8_info: ModelInfo | None) -> Runner:
    import onnxruntime  # optional dependency: resolve_backend checked that it is installed
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = torch.get_num_threads()
    options.inter_op_num_threads = 1
    # Idle threads sleep instead of spinning: between frames the cores belong to DDS and the
    # rest of the pipeline (spinning threads were slower on a busy 2-core machine).
    options.add_session_config_entry('session.intra_op.allow_spinning', '0')
    # Exporting (on a cache miss) runs the network once in PyTorch: on one thread, as two
    # spin-waiting OpenMP threads made start-up 5x slower when other processes kept the cores busy.
    with _torch_threads(1):
        exported = (int8_onnx_bytes(model, model_path, int8_info) if int8_info
                    else onnx_bytes(model, model_path))
    session = onnxruntime.InferenceSession(exported, options, providers=['CPUExecutionProvider'])

    def run(crops: np.ndarray) -> np.ndarray:
        return session.run([OUTPUT_NAME], {INPUT_NAME: crops[:, None]})[0]
    return run


@contextlib.contextmanager
def _torch_threads(count: int) -> Iterator[None]:
    """Run the block with ``count`` PyTorch CPU threads, then restore the previous count."""
    previous = torch.get_num_threads()
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def _cudnn_without_tf32():
    """
    Return a context in which cuDNN runs fp32 convolutions in full fp32.

    PyTorch lets cuDNN use TF32 (a 10-bit mantissa) on Ampere and later GPUs: about as coarse
    as fp16. A graph captured inside the context keeps the exact kernels.
    """
    cudnn = torch.backends.cudnn
    return cudnn.flags(enabled=cudnn.enabled, benchmark=cudnn.benchmark,
                       deterministic=cudnn.deterministic, allow_tf32=False)


@dataclass
class _CapturedGraph:
    """One CUDA graph with its static buffers (pinned host in/out, device in/out)."""

    graph: 'torch.cuda.CUDAGraph'
    host_input: torch.Tensor
    device_input: torch.Tensor
    device_output: torch.Tensor
    host_output: torch.Tensor


class _CudaGraphRunner:
    """
    Replay one captured CUDA graph per input shape: no per-layer launch overhead.

    The network is a copy with BatchNorm folded, in ``dtype`` and channels_last (tensor-core
    friendly). Crops are copied into a pinned host buffer, then asynchronously into the graph's
    static fp32 input; the graph casts, runs and writes fp32 output, copied back to pinned
    memory. Batch size 1 of ``model.input_shape`` is captured at construction, other batch sizes
    and shapes (the detector's wider frames) on first use.
    """

    def __init__(self, model: nn.Module, device: torch.device, dtype: torch.dtype):
        self.device, self.dtype = device, dtype
        self.model = fold_batch_norms(model).to(device, dtype, memory_format=torch.channels_last)
        self.input_shape: tuple[int, int] = tuple(model.input_shape)   # (height, width)
        self._graphs: dict[tuple[int, ...], _CapturedGraph] = {}
        self(np.zeros((1, *self.input_shape), np.float32))

    @torch.inference_mode()
    def __call__(self, crops: np.ndarray) -> np.ndarray:
        with torch.cuda.device(self.device):
            captured = self._graphs.get(crops.shape) or self._capture(crops.shape)
            captured.host_input.numpy()[:, 0] = crops
            captured.device_input.copy_(captured.host_input, non_blocking=True)
            captured.graph.replay()
            captured.host_output.copy_(captured.device_output, non_blocking=True)
            torch.cuda.current_stream().synchronize()
            return captured.host_output.numpy().copy()

    def _forward(self, batch: torch.Tensor) -> torch.Tensor:
        return self.model.infer(batch.to(self.dtype, memory_format=torch.channels_last)).float()

    def _capture(self, shape: tuple[int, ...]) -> _CapturedGraph:
        """Warm up on a side stream, then record the network for (B, H, W) ``shape`` inputs."""
        batch_size, *image_shape = shape
        host_input = torch.zeros((batch_size, 1, *image_shape), pin_memory=True)
        device_input = host_input.to(self.device)
        graph = torch.cuda.CUDAGraph()
        with _cudnn_without_tf32():
            side_stream = torch.cuda.Stream()
            side_stream.wait_stream(torch.cuda.current_stream())
            with torch.cuda.stream(side_stream):
                for _ in range(_CUDA_GRAPH_WARMUP_CALLS):
                    self._forward(device_input)
            torch.cuda.current_stream().wait_stream(side_stream)
            with torch.cuda.graph(graph, capture_error_mode='thread_local'):
                device_output = self._forward(device_input)
        host_output = torch.empty(device_output.shape, pin_memory=True)
        self._graphs[tuple(shape)] = _CapturedGraph(graph, host_input, device_input,
                                                    device_output, host_output)
        return self._graphs[tuple(shape)]
