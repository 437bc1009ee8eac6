# Copyright 2026 jgr_ros contributors. MIT License.
"""
The estimation pipeline on one depth frame, free of ROS.

    depth (mm) -> find the hand (nearest sizeable blob, centre of mass)
               -> refine the centre (DeepPrior++ network, iterated)
               -> crop a metric cube to 96 x 96 in [-1, 1]
               -> JGR-P2O -> per-joint (u, v, z) in the crop
               -> full-image (u, v, depth) -> back-projection to the camera frame (mm)

:class:`HandPoseEstimator` runs it all; :class:`PoseModel` and :class:`CenterRefiner` wrap
the two networks with the conventions stored in their model files. Both run their network
through a *backend* (:data:`BACKENDS`, see :func:`build_runner`); docs/performance.md has the
measurements behind the ``'auto'`` choice.
"""
import contextlib
import copy
from dataclasses import dataclass, field
import importlib.resources
import importlib.util
import pathlib
import time
from typing import Callable, Iterator

from jgr_ros.camera import CameraModel
from jgr_ros.crop import crop_hand, crop_to_camera, crop_to_image, HandCrop
from jgr_ros.errors import InputError
from jgr_ros.export import InferencePath, INPUT_NAME, OUTPUT_NAME
from jgr_ros.localization import HandLocalizer, LocalizerConfig, refine_center
from jgr_ros.model_file import load_model
from jgr_ros.onnx_cache import onnx_bytes
from jgr_ros.skeletons import get_skeleton, Skeleton
import numpy as np
import torch
from torch import nn
from torch.nn.utils.fusion import fuse_conv_bn_eval

# A joint this far in front of the observed surface (mm) gets confidence exp(-1).
CONFIDENCE_SCALE_MM = 30.0
# A followed crop more filled than this (of its part inside the image) is a surface the hand
# left, not a hand: true hands filled at most 0.87 of it in 300 synthetic frames with body,
# wall and table behind them.
MAX_HAND_FILL = 0.95
# A hand is a smooth surface: the median depth step between horizontally adjacent crop pixels
# on it (crop units: 1 = half the cube's depth, 125 mm) was at most 0.032 on 60 searched and 60
# followed synthetic hands; random depth steps by 0.25, a wall with +-30 mm noise by 0.1.
MAX_SURFACE_STEP = 0.08
# Hands scoring below this are not reported (EstimatorConfig.min_score). Measured with the
# shipped models (python -m jgr_ros.ros.fuzz --scores 60): 60 synthetic hands scored 0.785 to
# 1.0 (median 0.991); the best candidate in random depth at hand distance 0.07 to 0.464, in
# other noise, walls and random images 0.0 (no candidate). 0.6 lies between.
DEFAULT_MIN_SCORE = 0.6


def shipped_model_path(name: str) -> pathlib.Path:
    """Return the path of a model file shipped inside the package (jgr_ros/models/)."""
    return pathlib.Path(str(importlib.resources.files('jgr_ros') / 'models' / name))


DEFAULT_POSE_MODEL = 'jgr_p2o_mano21.pt'
DEFAULT_CENTER_MODEL = 'center_refine_mano21.pt'


def select_device(name: str) -> torch.device:
    """Map 'auto' / 'cuda' / 'cpu' to a device; asking for CUDA without one is an error."""
    if name == 'auto':
        return torch.device('cuda' if torch.cuda.is_available() else 'cpu')
    if name.startswith('cuda') and not torch.cuda.is_available():
        raise InputError(f'device {name!r} requested but CUDA is not available')
    if name not in ('cpu',) and not name.startswith('cuda'):
        raise InputError(f'unknown device {name!r}: use auto, cuda, cuda:N or cpu')
    return torch.device(name)


# --- Backends: how a network runs -----------------------------------------------------------

# 'auto' picks, per device, the fastest one measured (docs/performance.md):
#   cpu:  'onnxruntime' (ONNX Runtime's fused kernels), else 'torchscript' without it;
#   cuda: 'cuda_graph' (BatchNorm folded, channels_last, one CUDA graph per batch size fed
#         through pinned host buffers).
# 'eager' is plain PyTorch, the reference the others are tested against; 'torchscript' is a
# traced, frozen graph with optimize_for_inference (BatchNorm folded, oneDNN on CPU).
BACKENDS = ('auto', 'eager', 'torchscript', 'onnxruntime', 'cuda_graph')
_CPU_ONLY_BACKENDS = ('onnxruntime',)
_CUDA_ONLY_BACKENDS = ('cuda_graph',)
# Calls before a CUDA graph is captured (cuDNN picks its algorithms, allocators settle).
_CUDA_GRAPH_WARMUP_CALLS = 3
# Calls after which TorchScript's profiling executor has specialised and optimised the graph.
_TORCHSCRIPT_WARMUP_CALLS = 2

# (B, S, S) float32 crops -> the network's inference output as a float32 NumPy array.
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


def slower_backend_reason(requested: str, pose_model: 'PoseModel') -> str:
    """
    Return why ``pose_model`` runs on a slower backend than this machine could use ('' if not).

    'auto' on the CPU takes onnxruntime, several times faster than TorchScript here
    (docs/performance.md); without the package it falls back silently unless told.
    """
    if (requested == 'auto' and pose_model.device.type == 'cpu'
            and pose_model.backend != 'onnxruntime'):
        return (f'running the {pose_model.backend} backend because onnxruntime is not '
                'installed; it is several times slower (pip install onnxruntime, or rosdep '
                'key python3-onnxruntime-pip)')
    return ''


def load_estimator_with_cpu_fallback(load: Callable[[str], 'HandPoseEstimator'],
                                     device: str) -> tuple['HandPoseEstimator', str]:
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
                 model_path: pathlib.Path | None = None) -> Runner:
    """
    Return a function running ``model.infer`` on crops with a resolved ``backend``.

    ``model`` is an eval-mode network on ``device`` (eager runs it as it is, in ``dtype``; the
    others work on copies). ONNX Runtime runs fp32 on the CPU with torch's thread count, from
    the cached export of ``model_path`` (the file ``model`` was loaded from) when given.
    """
    if backend == 'onnxruntime':
        if dtype != torch.float32:
            raise InputError('the onnxruntime backend runs in fp32 only (half=False)')
        return _onnxruntime_runner(model, model_path)
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
    """(B, S, S) NumPy crops -> (B, 1, S, S) tensor on ``device``."""
    return torch.from_numpy(crops)[:, None].to(device, dtype)


def _eager_runner(model: nn.Module, device: torch.device, dtype: torch.dtype) -> Runner:
    @torch.inference_mode()
    def run(crops: np.ndarray) -> np.ndarray:
        return model.infer(_as_batch(crops, device, dtype)).float().cpu().numpy()
    return run


def _torchscript_runner(model: nn.Module, device: torch.device, dtype: torch.dtype) -> Runner:
    example = torch.zeros(1, 1, model.input_size, model.input_size, device=device, dtype=dtype)
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


def _onnxruntime_runner(model: nn.Module, model_path: pathlib.Path | None) -> Runner:
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
        exported = onnx_bytes(model, model_path)
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
    Replay one captured CUDA graph per batch size: no per-layer launch overhead.

    The network is a copy with BatchNorm folded, in ``dtype`` and channels_last (tensor-core
    friendly). Crops are copied into a pinned host buffer, then asynchronously into the graph's
    static fp32 input; the graph casts, runs and writes fp32 output, copied back to pinned
    memory. Batch size 1 is captured at construction, others on first use.
    """

    def __init__(self, model: nn.Module, device: torch.device, dtype: torch.dtype):
        self.device, self.dtype = device, dtype
        self.model = fold_batch_norms(model).to(device, dtype, memory_format=torch.channels_last)
        self.input_size: int = model.input_size
        self._graphs: dict[int, _CapturedGraph] = {}
        self(np.zeros((1, self.input_size, self.input_size), np.float32))

    @torch.inference_mode()
    def __call__(self, crops: np.ndarray) -> np.ndarray:
        with torch.cuda.device(self.device):
            captured = self._graphs.get(len(crops)) or self._capture(len(crops))
            captured.host_input.numpy()[:, 0] = crops
            captured.device_input.copy_(captured.host_input, non_blocking=True)
            captured.graph.replay()
            captured.host_output.copy_(captured.device_output, non_blocking=True)
            torch.cuda.current_stream().synchronize()
            return captured.host_output.numpy().copy()

    def _forward(self, batch: torch.Tensor) -> torch.Tensor:
        return self.model.infer(batch.to(self.dtype, memory_format=torch.channels_last)).float()

    def _capture(self, batch_size: int) -> _CapturedGraph:
        """Warm up on a side stream, then record the network for ``batch_size`` crops."""
        host_input = torch.zeros((batch_size, 1, self.input_size, self.input_size),
                                 pin_memory=True)
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
        self._graphs[batch_size] = _CapturedGraph(graph, host_input, device_input,
                                                  device_output, host_output)
        return self._graphs[batch_size]


def check_crops(crops: np.ndarray, size: int) -> np.ndarray:
    """Return ``crops`` as C-contiguous float32 (B, size, size); other shapes raise InputError."""
    crops = np.ascontiguousarray(crops, dtype=np.float32)
    if crops.ndim != 3 or crops.shape[1:] != (size, size):
        raise InputError(f'crops must have shape (B, {size}, {size}), got {crops.shape}')
    return crops


class PoseModel:
    """JGR-P2O with the crop conventions (layout, cube, input size) of its model file."""

    def __init__(self, path: str | pathlib.Path | None = None, device: str = 'auto',
                 half: bool = False, backend: str = 'auto'):
        """
        Load the model file (None: the shipped default) and prepare ``backend`` (BACKENDS).

        ``half`` runs fp16 (CUDA; not onnxruntime): its joints move 0.17-0.6 mm from the fp32
        model's on hand crops (docs/performance.md), so it is opt-in.
        """
        self.path = pathlib.Path(path) if path else shipped_model_path(DEFAULT_POSE_MODEL)
        self.device = select_device(device)
        self.backend = resolve_backend(backend, self.device)
        self.model, self.info = load_model(self.path, expected_kind='jgr_p2o', device=self.device)
        self.half = half
        self._run = build_runner(self.backend, self.model, self.device,
                                 torch.float16 if self.half else torch.float32, self.path)
        self.skeleton: Skeleton = get_skeleton(self.info.skeleton)
        self.cube_mm: float = self.info.cube_mm
        self.input_size: int = self.info.input_size

    def predict_crops(self, crops: np.ndarray) -> np.ndarray:
        """(B, S, S) normalised crops -> (B, J, 3) normalised (u, v, z)."""
        return self._run(check_crops(crops, self.input_size))

    def crop(self, depth_mm: np.ndarray, camera: CameraModel, center_mm: np.ndarray) -> HandCrop:
        """Crop the model's cube around ``center_mm`` at the model's input size."""
        return crop_hand(depth_mm, camera, center_mm, (self.cube_mm,) * 3, size=self.input_size)

    def predict_at_centers(self, depth_mm: np.ndarray, camera: CameraModel,
                           centers_mm: np.ndarray) -> np.ndarray:
        """Run the model at given hand centres (K, 3) mm; return (K, J, 3) joints in mm."""
        crops = [self.crop(depth_mm, camera, center) for center in np.atleast_2d(centers_mm)]
        uvz = self.predict_crops(np.stack([crop.image for crop in crops]))
        return np.stack([crop_to_camera(joints, crop, camera) for joints, crop in zip(uvz, crops)])


class CenterRefiner:
    """The DeepPrior++-style centre-refinement network with its model file's cube."""

    def __init__(self, path: str | pathlib.Path | None = None, device: str = 'auto',
                 backend: str = 'auto'):
        """Load the model file (None: the shipped default); it runs in fp32 on ``backend``."""
        self.path = pathlib.Path(path) if path else shipped_model_path(DEFAULT_CENTER_MODEL)
        self.device = select_device(device)
        self.backend = resolve_backend(backend, self.device)
        self.model, self.info = load_model(self.path, expected_kind='center_refine',
                                           device=self.device)
        self._run = build_runner(self.backend, self.model, self.device, model_path=self.path)
        self.cube_mm: float = self.info.cube_mm
        self.input_size: int = self.info.input_size

    def predict_offset(self, crop_image: np.ndarray) -> np.ndarray:
        """(S, S) normalised crop -> (3,) offset to the true centre in units of cube / 2."""
        return self._run(check_crops(np.asarray(crop_image)[None], self.input_size))[0]

    def refine(self, depth_mm: np.ndarray, camera: CameraModel, center_mm: np.ndarray,
               iterations: int) -> np.ndarray:
        """Move ``center_mm`` towards the hand's true centre, ``iterations`` times."""
        return refine_center(depth_mm, camera, center_mm, (self.cube_mm,) * 3,
                             self.predict_offset, iterations=iterations,
                             crop_size=self.input_size)


@dataclass
class EstimatorConfig:
    """Pipeline settings; the ROS node maps its parameters onto these."""

    localizer: LocalizerConfig = field(default_factory=LocalizerConfig)
    refine_iterations: int = 2            # centre refinements after a search of the image
    tracking: bool = True                 # follow the hand (see HandPoseEstimator)
    tracking_refine_iterations: int = 1   # centre refinements on a followed hand
    min_score: float = DEFAULT_MIN_SCORE  # a hand scoring lower is no hand

    def __post_init__(self) -> None:
        """Reject settings that cannot work, with the setting's name in the message."""
        for name in ('refine_iterations', 'tracking_refine_iterations'):
            if getattr(self, name) < 0:
                raise InputError(f'{name} must be >= 0, got {getattr(self, name)}')
        if not 0.0 <= self.min_score <= 1.0:
            raise InputError(f'min_score must be in [0, 1], got {self.min_score}')


@dataclass
class HandPoseResult:
    """One frame's result. Positions in millimetres in the camera optical frame."""

    found: bool
    reason: str = ''
    joints_mm: np.ndarray | None = None       # (J, 3)
    joints_uvd: np.ndarray | None = None      # (J, 3): u, v pixels, depth mm
    confidences: np.ndarray | None = None     # (J,) in 0..1
    center_mm: np.ndarray | None = None       # (3,) centre of the crop (refined)
    detected_center_mm: np.ndarray | None = None   # (3,) start: localiser's or followed centre
    roi: tuple[int, int, int, int] | None = None   # x, y, w, h in image pixels
    crop: HandCrop | None = None
    tracked: bool = False                     # started from the previous frame's hand
    timings_ms: dict[str, float] = field(default_factory=dict)

    @property
    def score(self) -> float:
        return float(np.mean(self.confidences)) if self.confidences is not None else 0.0


def surface_step(crop_image: np.ndarray) -> float:
    """Median depth step between horizontally adjacent surface pixels of a crop (0: none)."""
    surface = crop_image < 1.0
    pairs = surface[:, 1:] & surface[:, :-1]
    if not pairs.any():
        return 0.0
    return float(np.median(np.abs(np.diff(crop_image, axis=1))[pairs]))


def in_image_fraction(crop: HandCrop) -> float:
    """Share of the crop that shows the image (the rest of a crop at its border is empty)."""
    _, _, width_px, height_px = crop.roi
    crop_px_per_image_px2 = abs(crop.transform[0, 0] * crop.transform[1, 1])
    return min(1.0, width_px * height_px * crop_px_per_image_px2 / crop.image.size)


def joint_confidences(joints_uvd: np.ndarray, depth_mm: np.ndarray) -> np.ndarray:
    """
    Per-joint plausibility against the observed depth, in 0..1.

    A joint can hide behind the visible surface but cannot float in front of it: the further a
    joint lies in front of the depth observed at its pixel, the lower its confidence. Joints
    outside the image or on invalid depth get 0.5 (no evidence either way).
    """
    height, width = depth_mm.shape
    u = np.round(joints_uvd[:, 0]).astype(int)
    v = np.round(joints_uvd[:, 1]).astype(int)
    inside = (u >= 0) & (u < width) & (v >= 0) & (v < height)
    observed = np.zeros(len(joints_uvd), np.float32)
    observed[inside] = depth_mm[v[inside], u[inside]]
    in_front_mm = np.maximum(observed - joints_uvd[:, 2], 0.0)
    confidence = np.exp(-in_front_mm / CONFIDENCE_SCALE_MM)
    return np.where(inside & (observed > 0), confidence, 0.5).astype(np.float32)


class _Stopwatch:
    """Collects per-stage wall times in milliseconds."""

    def __init__(self):
        self.timings_ms: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.timings_ms[stage] = (now - self._last) * 1000.0
        self._last = now


class HandPoseEstimator:
    """
    Depth frame in, metric 3-D hand out: localise, refine, crop, JGR-P2O, back-project.

    With ``config.tracking`` it follows the hand from frame to frame. A frame after one with a
    hand starts from that hand's centre as the network saw it (the mean of its centre joints,
    the point crops are built around), moved on by the centre's last frame-to-frame motion
    (constant velocity), then refined ``tracking_refine_iterations`` times (one by default:
    without it, a hand first found on its forearm stays there). Such a frame needs no search of
    the image and one refinement instead of two; on moving synthetic hands it is faster and
    more accurate than a searched frame (docs/performance.md). The hand stays followed while
    the crop can hold one (see :meth:`_holds_hand`); otherwise the frame is searched, near the
    last hand first.
    """

    def __init__(self, pose_model: PoseModel, refiner: CenterRefiner | None = None,
                 config: EstimatorConfig | None = None):
        self.pose_model, self.refiner = pose_model, refiner
        self.config = config or EstimatorConfig()
        self.localizer = HandLocalizer(self.config.localizer)
        self._followed_center_mm: np.ndarray | None = None   # None: no hand being followed
        self._last_center_mm: np.ndarray | None = None       # the last hand's, for the search
        self._camera: CameraModel | None = None              # the camera of the last frame

    @classmethod
    def from_files(cls, model_path=None, center_model_path=None, device: str = 'auto',
                   config: EstimatorConfig | None = None,
                   backend: str = 'auto') -> 'HandPoseEstimator':
        """Load both networks (None: the shipped defaults); missing files raise InputError."""
        return cls(PoseModel(model_path, device, backend=backend),
                   CenterRefiner(center_model_path, device, backend), config)

    @property
    def skeleton(self) -> Skeleton:
        return self.pose_model.skeleton

    def reset_tracking(self) -> None:
        """Forget the followed hand: the next frame is searched from scratch."""
        self._followed_center_mm = self._last_center_mm = None

    def estimate(self, depth_mm: np.ndarray, camera: CameraModel) -> HandPoseResult:
        """
        Run the whole pipeline; bad input raises InputError, no hand gives found=False.

        A hand scoring below ``config.min_score`` is no hand: a followed one is searched for
        instead, a searched one is not found. A new camera model forgets the followed hand.
        """
        camera.check_image_size(*depth_mm.shape)
        if camera != self._camera:
            self.reset_tracking()
            self._camera = camera
        watch = _Stopwatch()
        if self._followed_center_mm is not None:
            result = self._estimate_at(depth_mm, camera, self._followed_center_mm,
                                       self.config.tracking_refine_iterations, watch)
            if result is not None and result.score >= self.config.min_score:
                result.tracked = True
                return self._remember(result)
        prior_mm = self._last_center_mm if self.config.tracking else None
        detection = self.localizer.locate(depth_mm, camera, prior_mm)
        watch.lap('localize')
        if not detection.found:
            self.reset_tracking()
            return HandPoseResult(False, detection.reason, timings_ms=watch.timings_ms)
        result = self._estimate_at(depth_mm, camera, detection.center_mm,
                                   self.config.refine_iterations, watch, followed=False)
        if result is None:
            self.reset_tracking()
            return HandPoseResult(False, 'the candidate is no smooth surface (noise?)',
                                  timings_ms=watch.timings_ms)
        if result.score < self.config.min_score:
            self.reset_tracking()
            return HandPoseResult(False, f'best candidate scored {result.score:.2f} < min_score '
                                  f'{self.config.min_score:g}', timings_ms=watch.timings_ms)
        return self._remember(result)

    def _estimate_at(self, depth_mm: np.ndarray, camera: CameraModel, start_mm: np.ndarray,
                     refine_iterations: int, watch: _Stopwatch,
                     followed: bool = True) -> HandPoseResult | None:
        """Refine, crop, infer, back-project from ``start_mm``; None if the crop holds no hand."""
        center_mm = start_mm
        if self.refiner is not None and refine_iterations > 0:
            center_mm = self.refiner.refine(depth_mm, camera, center_mm, refine_iterations)
            watch.lap('refine')
        crop = self.pose_model.crop(depth_mm, camera, center_mm)
        watch.lap('crop')
        if not self._holds_hand(crop, followed):
            return None
        uvz = self.pose_model.predict_crops(crop.image[None])[0]
        watch.lap('infer')
        joints_uvd = crop_to_image(uvz, crop)
        joints_mm = camera.back_project_uvd(joints_uvd)
        confidences = joint_confidences(joints_uvd, depth_mm)
        watch.lap('back_project')
        return HandPoseResult(True, '', joints_mm, joints_uvd, confidences, center_mm,
                              start_mm, crop.roi, crop, timings_ms=watch.timings_ms)

    def _holds_hand(self, crop: HandCrop, followed: bool) -> bool:
        """
        Whether the crop's surface inside the cube can be a hand.

        Always: a smooth surface (:func:`surface_step`), not noise. A followed crop, which no
        search vouched for, also needs at least the localiser's ``min_area_mm2`` of surface and
        must not be nearly all surface where it lies in the image: that is a wall, table or body
        the hand has left (the localiser finds it too large as well).
        """
        if surface_step(crop.image) > MAX_SURFACE_STEP:
            return False
        if not followed:
            return True
        filled = np.count_nonzero(crop.image < 1.0) / crop.image.size
        area_mm2 = filled * self.pose_model.cube_mm ** 2
        return (area_mm2 >= self.config.localizer.min_area_mm2
                and filled <= MAX_HAND_FILL * in_image_fraction(crop))

    def _remember(self, result: HandPoseResult) -> HandPoseResult:
        center_mm = self.skeleton.hand_center(result.joints_mm)
        if self.config.tracking:
            # Constant velocity: where the hand will be if it keeps moving as it did.
            moved_mm = (center_mm - self._last_center_mm
                        if result.tracked else np.zeros(3))
            self._followed_center_mm = center_mm + moved_mm
        self._last_center_mm = center_mm
        return result
