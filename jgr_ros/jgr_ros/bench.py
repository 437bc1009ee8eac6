# Copyright 2026 jgr_ros contributors. MIT License.
"""
jgr-bench: how fast the network, the pipeline and the ROS node run on this machine.

    jgr-bench [--json OUT] [--device cpu|cuda] [--threads N] [--quick] [--model PATH]
              [--stages model,pipeline,node] [--backends eager,torchscript,...]

Stages (docs/performance.md has results and how to read them):

- ``model``: JGR-P2O alone on crops of synthetic hands, for each backend the device has:
  batch-1 latency percentiles, throughput at batch 8 and 32, start-up time, and the largest
  deviation from the fp32 eager model in millimetres.
- ``pipeline``: every stage of :class:`~jgr_ros.pipeline.HandPoseEstimator` on 640x480
  synthetic RealSense D435 frames, plus decoding the 16UC1 message bytes and building the
  HandPoseArray message (when rclpy and jgr_msgs import), in two modes: ``search`` (tracking
  off, independent frames: every frame is searched and refined) and ``tracking`` (a hand moving
  at 0.3 m/s, 60 Hz, followed from frame to frame as the node does by default).
- ``node``: hand_pose_node (default parameters, tracking on) in this process on an isolated DDS
  domain, fed the moving hand by a publisher at 30, 60 and 90 fps; latency is depth stamp ->
  HandPoseArray received by a subscriber, and the fraction of published frames that got a
  result.

- ``detector``: the learned hand detector on 640x480 frames with two hands, on one CPU thread
  (ONNX Runtime where installed): resize and normalise, network (as the node runs it: int8
  where it can, and in fp32), peak decoding, in all.
- ``render``: the synthetic renderer on one core.

This module imports no ROS: the message build and the node stage come from
:mod:`jgr_ros.ros.bench_node`, whose ``main`` is the ``jgr-bench`` command (``python -m
jgr_ros.bench`` runs the rest and reports those two as skipped).

Without ``--model`` the shipped models run, or untrained networks of the same architecture
(the same speed) where they are missing. Times are wall clock (``time.perf_counter``; on CUDA
between ``torch.cuda.synchronize()`` calls). Load from other processes skews them: the JSON
records the load average; quote numbers from a quiet machine.
"""
import argparse
from collections import defaultdict
from dataclasses import asdict, dataclass
import importlib.metadata
import itertools
import json
import os
import pathlib
import platform
import sys
import tempfile
import time
from typing import Callable

import cv2
from jgr_ros.camera import CameraModel
from jgr_ros.center_net import CenterRefineNet
from jgr_ros.depth import decode_depth, encode_depth
from jgr_ros.detector import DEFAULT_DETECTOR_MODEL, HandDetector
from jgr_ros.detector_net import decode_centers, detector_input, HandDetectorNet
from jgr_ros.errors import InputError
from jgr_ros.model import JGRP2O
from jgr_ros.model_file import ModelInfo, save_model
from jgr_ros.networks import (
    DEFAULT_CENTER_MODEL,
    DEFAULT_POSE_MODEL,
    PoseModel,
    shipped_model_path,
)
from jgr_ros.pipeline import EstimatorConfig, HandPoseEstimator, HandPoseFrame
from jgr_ros.runtime import (
    add_precision_argument,
    BACKENDS,
    resolve_backend,
    resolve_int8,
    select_device,
)
from jgr_ros.skeletons import get_skeleton
from jgr_ros.synthetic.cameras import get_camera_preset
from jgr_ros.synthetic.generator import SyntheticFrame, SyntheticHandGenerator
from jgr_ros.synthetic.motion import motion_frames, MotionConfig
from jgr_ros.synthetic.scene import SyntheticConfig
from jgr_ros.training.detection import detector_world
import numpy as np
import torch

STAGES = ('model', 'pipeline', 'node', 'render', 'detector')
BATCH_SIZES = (8, 32)
# The first call with a new batch shape sets up kernels (oneDNN, cuDNN, CUDA graph capture).
BATCH_WARMUP_CALLS = 1
NODE_RATES_FPS = (30, 60, 90)
TWO_HAND_NODE_RATES_FPS = (30, 60)   # two hands side by side, moving
CAMERA_PRESET = 'realsense_d435_640x480'
WIDE_CAMERA_PRESET = 'realsense_d435_848x480'   # realsense-ros's default depth mode
FRAME_ID = 'camera_depth_optical_frame'
SKELETON = 'mano21'
# Model-stage rows per device type: (backend, precision). 'auto' is one of them.
MODEL_VARIANTS = {'cpu': (('eager', 'fp32'), ('torchscript', 'fp32'), ('onnxruntime', 'fp32'),
                          ('onnxruntime', 'int8')),
                  'cuda': (('eager', 'fp32'), ('eager', 'fp16'), ('torchscript', 'fp32'),
                           ('cuda_graph', 'fp32'), ('cuda_graph', 'fp16'))}
# Hands at arm's length, nothing in front of them: every frame should reach the network.
FRAME_CONFIG = SyntheticConfig.narrow(distance_range_m=(0.35, 0.9),
                                      distractor_probability=0.0)
# The moving hand of the tracking pipeline and the node stage.
MOTION, MOTION_SEED, MOTION_RATE_HZ = MotionConfig(speed_m_s=0.3), 0, 60.0
RENDER_SEEDS = range(20_000, 30_000)   # frames the render stage draws (never a test set)


@dataclass(frozen=True)
class BenchSettings:
    """How much each stage measures."""

    warmup_calls: int        # untimed calls before every timed series
    latency_calls: int       # batch-1 model calls per backend
    batch_calls: int         # calls per batch size and backend
    pipeline_runs: int       # estimator runs
    node_duration_s: float   # publishing time per input rate
    num_frames: int          # distinct synthetic frames, cycled through
    motion_frames: int       # frames of the moving hand (60 Hz), played forwards and back
    render_frames: int = 300  # synthetic frames rendered per world


FULL = BenchSettings(warmup_calls=10, latency_calls=300, batch_calls=10, pipeline_runs=300,
                     node_duration_s=10.0, num_frames=16, motion_frames=60)
QUICK = BenchSettings(warmup_calls=3, latency_calls=40, batch_calls=2, pipeline_runs=40,
                      node_duration_s=2.0, num_frames=4, motion_frames=12, render_frames=40)

# (a frame's result with hands, its estimator) -> the message the node would publish for it.
MessageBuilder = Callable[[HandPoseFrame, HandPoseEstimator], object]
NO_ROS = ('skipped: the ROS stages run from jgr_ros.ros.bench_node (jgr-bench, or python -m '
          'jgr_ros.ros.bench_node), which needs rclpy and the built jgr_msgs')


@dataclass(frozen=True)
class RosStages:
    """The bench's ROS parts, which jgr_ros.ros.bench_node supplies: the core imports no ROS."""

    build_message: MessageBuilder
    # (pose path, centre path, device, frames, settings, cpu_threads, rates, precision) -> the
    # node stage's dict.
    bench_node: Callable[..., dict]


# --- Measuring -------------------------------------------------------------------------------

def synchronize(device: torch.device) -> None:
    """Wait for queued CUDA work on ``device``; nothing to wait for on the CPU."""
    if device.type == 'cuda':
        torch.cuda.synchronize(device)


def time_calls(call: Callable[[], object], calls: int, warmup: int,
               device: torch.device) -> np.ndarray:
    """Return the wall times (s) of ``calls`` calls of ``call`` after ``warmup`` untimed ones."""
    for _ in range(warmup):
        call()
    times_s = np.empty(calls)
    for index in range(calls):
        synchronize(device)
        start = time.perf_counter()
        call()
        synchronize(device)
        times_s[index] = time.perf_counter() - start
    return times_s


def summary_ms(times_s: np.ndarray | list[float]) -> dict[str, float]:
    """Return the median, 90th and 99th percentile and mean of times in seconds, as ms."""
    times_ms = np.asarray(times_s) * 1000.0
    p50, p90, p99 = np.percentile(times_ms, (50, 90, 99))
    return {'p50_ms': round(p50, 3), 'p90_ms': round(p90, 3), 'p99_ms': round(p99, 3),
            'mean_ms': round(float(times_ms.mean()), 3)}


def uvz_error_mm(uvz: np.ndarray, reference_uvz: np.ndarray, cube_mm: float) -> float:
    """
    Return the largest difference of normalised joints (..., 3) from a reference, in mm.

    u and v span the cube's side (0..1 across the crop), z half of it (-1..1).
    """
    scale_mm = np.array([cube_mm, cube_mm, cube_mm / 2.0])
    return float(np.max(np.abs(uvz - reference_uvz) * scale_mm))


# --- Inputs: synthetic frames and model files ------------------------------------------------

def synthetic_frames(count: int) -> list[SyntheticFrame]:
    """Return ``count`` reproducible 640x480 frames of one hand each (D435 intrinsics)."""
    generator = SyntheticHandGenerator(get_camera_preset(CAMERA_PRESET), FRAME_CONFIG)
    return [generator.frame(seed) for seed in range(count)]


def moving_frames(count: int, hands: int = 1) -> list[SyntheticFrame]:
    """
    Return a loop of ``hands`` hands moving at MOTION.speed_m_s, rendered at MOTION_RATE_HZ.

    ``count`` frames forwards, then back again without repeating the ends: cycled, the hand
    never jumps.
    """
    frames = motion_frames(get_camera_preset(CAMERA_PRESET), MOTION_SEED, count,
                           MOTION_RATE_HZ, FRAME_CONFIG, MOTION, hands)
    return frames + frames[-2:0:-1]


def hand_crops(model: PoseModel, frames: list[SyntheticFrame]) -> np.ndarray:
    """Return (N, S, S) network inputs cropped around each frame's true hand centre."""
    skeleton = get_skeleton(SKELETON)
    return np.stack([
        model.crop(frame.depth_mm.astype(np.float32), frame.camera,
                   skeleton.hand_center(frame.joints_mm)).image
        for frame in frames])


def model_files(pose_path: pathlib.Path | None,
                folder: pathlib.Path) -> tuple[pathlib.Path, pathlib.Path]:
    """Return (pose model, centre model): ``pose_path`` or the shipped files, or stand-ins."""
    return (pose_path or _shipped_or_untrained(DEFAULT_POSE_MODEL, folder),
            _shipped_or_untrained(DEFAULT_CENTER_MODEL, folder))


def _shipped_or_untrained(name: str, folder: pathlib.Path) -> pathlib.Path:
    """
    Return the shipped model file ``name`` or, when it is missing, an untrained stand-in.

    The stand-in (JGRP2O(21, 2) or CenterRefineNet, written to ``folder`` with an 'untrained_'
    name) has the shipped architecture: the same speed, no accuracy.
    """
    path = shipped_model_path(name)
    if path.is_file():
        return path
    skeleton = get_skeleton(SKELETON)
    if name == DEFAULT_POSE_MODEL:
        network = JGRP2O(skeleton.num_joints, 2)
        info = ModelInfo('jgr_p2o', SKELETON, skeleton.num_joints, skeleton.default_cube_mm,
                         JGRP2O.input_size, num_stacks=2)
    else:
        network = CenterRefineNet()
        info = ModelInfo('center_refine', SKELETON, skeleton.num_joints,
                         skeleton.default_cube_mm, CenterRefineNet.input_size)
    stand_in = folder / f'untrained_{name}'
    save_model(stand_in, network, info)
    return stand_in


# --- Stage 1: the network alone --------------------------------------------------------------

def bench_model(pose_path: pathlib.Path, device: torch.device, crops: np.ndarray,
                settings: BenchSettings, backends: tuple[str, ...]) -> dict:
    """
    Time JGR-P2O per backend (and precision) on ``crops``: the auto backend's numbers, and all.

    Each row's error is its largest deviation (mm) from the fp32 eager model on the CPU.
    """
    reference = PoseModel(pose_path, 'cpu', backend='eager').predict_crops(crops)
    rows = {_row_name(backend, precision):
            _bench_backend(pose_path, device, backend, precision, crops, reference, settings)
            for backend, precision in MODEL_VARIANTS[device.type] if backend in backends}
    backend = resolve_backend('auto', device)
    auto = _row_name(backend, 'int8' if resolve_int8('auto', backend) else 'fp32')
    return {**rows.get(auto, {}), 'auto_backend': auto, 'backends': rows}


def _row_name(backend: str, precision: str) -> str:
    return backend if precision == 'fp32' else f'{backend}_{precision}'


def _bench_backend(pose_path: pathlib.Path, device: torch.device, backend: str, precision: str,
                   crops: np.ndarray, reference: np.ndarray, settings: BenchSettings) -> dict:
    start = time.perf_counter()
    model = PoseModel(pose_path, str(device), half=precision == 'fp16', backend=backend,
                      precision='int8' if precision == 'int8' else 'fp32')
    startup_s = time.perf_counter() - start
    latency = summary_ms(time_calls(lambda: model.predict_crops(crops[:1]),
                                    settings.latency_calls, settings.warmup_calls, device))
    batched = {}
    for batch_size in BATCH_SIZES:
        batch = np.resize(crops, (batch_size, *crops.shape[1:]))
        times_s = time_calls(lambda: model.predict_crops(batch), settings.batch_calls,
                             BATCH_WARMUP_CALLS, device)
        batched[str(batch_size)] = round(batch_size / float(np.median(times_s)), 1)
    return {'batch1_fps': round(1000.0 / latency['p50_ms'], 1), **latency, 'batched': batched,
            'max_error_mm': uvz_error_mm(model.predict_crops(crops), reference, model.cube_mm),
            'startup_s': round(startup_s, 2)}


# --- Stage 2: the pipeline, stage by stage ---------------------------------------------------

def bench_pipeline(pose_path: pathlib.Path, center_path: pathlib.Path, device: torch.device,
                   still: list[SyntheticFrame], moving: list[SyntheticFrame],
                   settings: BenchSettings, build_message: MessageBuilder | None = None,
                   precision: str = 'auto') -> dict:
    """
    Per-stage times in ms of decode -> HandPoseEstimator -> message, searching and tracking.

    ``build_message`` builds what the node publishes for the hands found (RosStages); without it
    the message stage is reported as skipped.
    """
    loaded = HandPoseEstimator.from_files(pose_path, center_path, str(device),
                                          precision=precision)
    results = {}
    for mode, frames in (('search', still), ('tracking', moving)):
        estimator = loaded.reconfigured(EstimatorConfig(tracking=mode == 'tracking'))
        results[mode] = _bench_mode(estimator, build_message, frames, settings)
        if build_message is None:
            results[mode]['stages']['message'] = {'skipped': NO_ROS}
    return {**results, 'backends': {'pose': loaded.pose_model.backend,
                                    'pose_int8': loaded.pose_model.int8,
                                    'center': loaded.refiner.backend},
            'image': f'{still[0].camera.width}x{still[0].camera.height} 16UC1'}


def _bench_mode(estimator: HandPoseEstimator, build_message: Callable | None,
                frames: list[SyntheticFrame], settings: BenchSettings) -> dict:
    """Run the frames in order (cycled); per-stage summaries over the runs that had the stage."""
    inputs = [(frame.camera, *encode_depth(frame.depth_mm, '16UC1')) for frame in frames]
    runs = [pipeline_run(estimator, build_message, *inputs[index % len(inputs)])
            for index in range(settings.warmup_calls + settings.pipeline_runs)]
    times_s: dict[str, list[float]] = defaultdict(list)
    for _, stage_times_s in runs[settings.warmup_calls:]:
        for stage, seconds in stage_times_s.items():
            times_s[stage].append(seconds)
    results = [result for result, _ in runs[settings.warmup_calls:]]
    return {'stages': {stage: summary_ms(samples) for stage, samples in times_s.items()},
            'runs': len(results),
            'found_fraction': round(np.mean([bool(result.hands) for result in results]), 3),
            'tracked_fraction': round(np.mean([result.tracked for result in results]), 3)}


def pipeline_run(estimator: HandPoseEstimator, build_message: Callable | None,
                 camera: CameraModel, data: bytes, step: int
                 ) -> tuple[HandPoseFrame, dict[str, float]]:
    """Decode 16UC1 ``data``, estimate, build the message; return (result, s per stage)."""
    start = time.perf_counter()
    depth_mm = decode_depth(data, camera.width, camera.height, '16UC1', step, False)
    times_s = {'decode': time.perf_counter() - start}
    result = estimator.estimate(depth_mm, camera)
    times_s.update({stage: stage_ms / 1000.0 for stage, stage_ms in result.timings_ms.items()})
    if result.hands and build_message is not None:
        estimated = time.perf_counter()
        build_message(result, estimator)
        times_s['message'] = time.perf_counter() - estimated
    times_s['total'] = time.perf_counter() - start
    return result, times_s


# --- Machine, report, command line -----------------------------------------------------------

def machine_info(device: torch.device) -> dict:
    """Describe what the numbers were measured on (CPU, cores, versions, threads, load)."""
    return {'cpu_model': cpu_model(), 'logical_cpus': os.cpu_count(),
            'usable_cpus': len(os.sched_getaffinity(0)), 'threads': torch.get_num_threads(),
            'device': str(device),
            'device_name': (torch.cuda.get_device_name(device) if device.type == 'cuda'
                            else cpu_model()),
            'python': platform.python_version(), 'torch': torch.__version__,
            'onnxruntime': _version('onnxruntime'), 'numpy': np.__version__,
            'opencv': cv2.__version__,
            'omp_wait_policy': os.environ.get('OMP_WAIT_POLICY', 'unset (spins)'),
            'load_average_start': list(os.getloadavg())}


def cpu_model() -> str:
    """Return the CPU's model name from /proc/cpuinfo (Linux), else what platform knows."""
    cpuinfo = pathlib.Path('/proc/cpuinfo')
    lines = cpuinfo.read_text().splitlines() if cpuinfo.is_file() else []
    names = [line.split(':', 1)[1].strip() for line in lines if line.startswith('model name')]
    return names[0] if names else platform.processor() or 'unknown'


def _version(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def available_backends(device: torch.device) -> tuple[str, ...]:
    """Return the backends that can run on ``device`` with the packages installed here."""
    return tuple(backend for backend, _ in MODEL_VARIANTS[device.type]
                 if backend != 'onnxruntime' or _version('onnxruntime'))


def format_report(results: dict) -> str:
    """Return the results as plain-text tables."""
    machine = results['machine']
    lines = [f'jgr-bench on {machine["device_name"]} ({machine["device"]}, '
             f'{machine["threads"]} threads, {machine["usable_cpus"]} usable CPUs), load '
             f'{_load(machine["load_average_start"])} -> {_load(machine["load_average_end"])}']
    for device_type, model in results.get('model', {}).items():
        lines += ['', *_model_table(device_type, model)]
    if 'pipeline' in results:
        lines += ['', *_pipeline_table(results['pipeline'])]
    if 'node' in results:
        lines += ['', *_node_table(results['node'])]
    if 'node_two_hands' in results:
        lines += ['', *_node_table(results['node_two_hands'], 'two moving hands')]
    if 'render' in results:
        lines += ['', *_render_table(results['render'])]
    if 'detector' in results:
        lines += ['', *_detector_table(results['detector'])]
    return '\n'.join(lines)


def _render_table(render: dict) -> list[str]:
    lines = [f'Synthetic renderer on one core, {render["camera"]}, {render["frames"]} frames '
             "per world (narrow: the first models' world; default: SyntheticConfig())",
             f'{"world":9} {"fps":>7} {"p50 ms":>8} {"p90 ms":>8} {"p99 ms":>8}']
    for world in ('narrow', 'default'):
        lines.append(f'{world:9} {render[world]["fps"]:7.1f} {_percentile_cells(render[world])}')
    return lines


def _detector_table(detector: dict) -> list[str]:
    precision = 'int8' if detector['int8'] else 'fp32'
    lines = [f'Hand detector on one CPU thread ({detector["backend"]}, {precision}), '
             f'{detector["camera"]} frames with two hands (_848x480: {detector["wide_camera"]})',
             f'{"part":15} {"p50 ms":>8} {"p90 ms":>8} {"p99 ms":>8}']
    for part, row in detector['parts'].items():
        lines.append(f'{part:15} {_percentile_cells(row)}')
    return lines


def _model_table(device_type: str, model: dict) -> list[str]:
    lines = [f'Model: JGR-P2O on {device_type}, batch-1 latency and batched throughput '
             f'(auto = {model["auto_backend"]})',
             f'{"backend":17} {"fps":>7} {"p50 ms":>8} {"p90 ms":>8} {"p99 ms":>8}'
             + ''.join(f'{f"B={size} img/s":>13}' for size in BATCH_SIZES)
             + f' {"err mm":>8} {"start s":>8}']
    for backend, row in model['backends'].items():
        lines.append(f'{backend:17} {row["batch1_fps"]:7.1f} {row["p50_ms"]:8.2f} '
                     f'{row["p90_ms"]:8.2f} {row["p99_ms"]:8.2f}'
                     + ''.join(f'{row["batched"][str(size)]:13.1f}' for size in BATCH_SIZES)
                     + f' {row["max_error_mm"]:8.4f} {row["startup_s"]:8.2f}')
    return lines


def _pipeline_table(pipeline: dict) -> list[str]:
    search, tracking = pipeline['search'], pipeline['tracking']
    lines = [f'Pipeline on {pipeline["image"]} frames, backends {pipeline["backends"]}: '
             f'search = tracking off, {search["runs"]} independent frames (hand found in '
             f'{search["found_fraction"]:.0%}); tracking = {tracking["runs"]} frames of a moving '
             f'hand (found in {tracking["found_fraction"]:.0%}, followed in '
             f'{tracking["tracked_fraction"]:.0%})',
             f'{"":14} {"search":^26} {"tracking":^26}',
             f'{"stage":14}' + f' {"p50 ms":>8} {"p90 ms":>8} {"p99 ms":>8}' * 2]
    for stage in search['stages'] | tracking['stages']:
        lines.append(f'{stage:14} ' + ' '.join(
            _stage_cells(mode['stages'].get(stage, {'skipped': 'not run'}))
            for mode in (search, tracking)))
    return lines


def _stage_cells(row: dict) -> str:
    return f'{row["skipped"][:26]:>26}' if 'skipped' in row else _percentile_cells(row)


def _node_table(node: dict, hands: str = 'a moving hand') -> list[str]:
    lines = [f'Node over DDS, {hands}: depth stamp -> HandPoseArray received'
             + (f' (network threads: {node["cpu_threads"]})' if 'cpu_threads' in node else '')]
    if 'skipped' in node:
        return lines + [f'skipped: {node["skipped"]}']
    lines.append(f'{"input fps":>9} {"processed":>10} {"p50 ms":>8} {"p90 ms":>8} '
                 f'{"p99 ms":>8} {"hands":>6}')
    for rate, row in node['rates'].items():
        lines.append(f'{rate:>9} {row["processed_fraction"]:10.1%} {_percentile_cells(row)} '
                     f'{row.get("mean_hands", 0.0):6.2f}')
    return lines


def _percentile_cells(row: dict) -> str:
    """Return p50, p90 and p99 in ms as table cells ('nan' where nothing was measured)."""
    return ' '.join(f'{row.get(key, float("nan")):8.2f}' for key in ('p50_ms', 'p90_ms', 'p99_ms'))


def _load(load_average: list[float]) -> str:
    return '/'.join(f'{value:.2f}' for value in load_average)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Parse the command line (see the module docstring)."""
    parser = argparse.ArgumentParser(
        prog='jgr-bench', description='Measure the speed of JGR-P2O, the estimation pipeline '
        'and hand_pose_node on this machine.')
    parser.add_argument('--json', type=pathlib.Path, help='also write the results here')
    parser.add_argument('--device', default='auto', help='cpu, cuda, cuda:N or auto (default)')
    parser.add_argument('--threads', type=int, help='torch (and ONNX Runtime) CPU threads; '
                        "default: torch's choice")
    parser.add_argument('--quick', action='store_true', help='fewer runs: under a minute')
    parser.add_argument('--model', type=pathlib.Path, help='JGR-P2O model file (default: the '
                        'shipped one, or an untrained stand-in if it is missing)')
    parser.add_argument('--stages', type=_names(STAGES), default=STAGES,
                        help=f'comma-separated, of {",".join(STAGES)} (default: all)')
    add_precision_argument(parser)   # the pipeline and node stages; the model stage runs both
    parser.add_argument('--backends', type=_names(BACKENDS[1:]),
                        help='model stage: comma-separated backends (default: all that run '
                        'on the device)')
    args = parser.parse_args(argv)
    if args.threads is not None and args.threads < 1:
        parser.error(f'--threads must be at least 1, got {args.threads}')
    return args


def _names(allowed: tuple[str, ...]) -> Callable[[str], tuple[str, ...]]:
    """Return an argparse type: a comma-separated list of names out of ``allowed``."""
    def parse(text: str) -> tuple[str, ...]:
        names = tuple(name.strip() for name in text.split(',') if name.strip())
        unknown = sorted(set(names) - set(allowed))
        if unknown or not names:
            raise argparse.ArgumentTypeError(f'{text!r}: choose from {", ".join(allowed)}')
        return names
    return parse


# --- Stage 5: the hand detector -------------------------------------------------------------

def bench_detector(settings: BenchSettings, folder: pathlib.Path) -> dict:
    """
    Per-part times (ms) of the hand detector on two-hand 640x480 frames, one CPU thread.

    And the network and the whole detection on 848x480 frames (a 208 x 120 input).
    """
    frames = _two_hand_frames(CAMERA_PRESET, settings.num_frames)
    wide_frames = _two_hand_frames(WIDE_CAMERA_PRESET, settings.num_frames)
    path = shipped_model_path(DEFAULT_DETECTOR_MODEL)
    if not path.is_file():
        path = folder / f'untrained_{DEFAULT_DETECTOR_MODEL}'
        save_model(path, HandDetectorNet(), ModelInfo('hand_detector', SKELETON, 21, 0.0,
                                                      HandDetectorNet.input_size))
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        detector = HandDetector(path, device='cpu')
        fp32_detector = HandDetector(path, device='cpu', precision='fp32')
        cycle, wide_cycle = itertools.cycle(frames), itertools.cycle(wide_frames)
        inputs, wide_inputs = detector_input(frames[0])[None], detector_input(wide_frames[0])[None]
        output = detector.infer(inputs)[0]
        parts = {
            'input': lambda: detector_input(next(cycle)),
            'network': lambda: detector.infer(inputs),
            'network_fp32': lambda: fp32_detector.infer(inputs),
            'decode': lambda: decode_centers(output, frames[0].shape, 2,
                                             detector.config.min_score),
            'total': lambda: detector.detect(next(cycle), 2),
            'network_848x480': lambda: detector.infer(wide_inputs),
            'total_848x480': lambda: detector.detect(next(wide_cycle), 2),
        }
        results = {name: summary_ms(time_calls(call, settings.latency_calls,
                                               settings.warmup_calls, torch.device('cpu')))
                   for name, call in parts.items()}
    finally:
        torch.set_num_threads(threads)
    return {'backend': detector.backend, 'int8': detector.int8, 'model': str(path),
            'camera': CAMERA_PRESET, 'wide_camera': WIDE_CAMERA_PRESET, 'parts': results}


def _two_hand_frames(preset: str, count: int) -> list[np.ndarray]:
    """Return ``count`` rendered depth frames (mm) of the detector's world through ``preset``."""
    generator = SyntheticHandGenerator(get_camera_preset(preset), detector_world(1.0))
    return [generator.frame(seed).depth_mm for seed in RENDER_SEEDS[:count]]


# --- Stage 4: the synthetic renderer --------------------------------------------------------

def bench_render(settings: BenchSettings) -> dict:
    """Frames per second of the synthetic renderer on one core: narrow and default world."""
    threads = cv2.getNumThreads()
    cv2.setNumThreads(1)   # NumPy runs the rest on one core
    try:
        results = {'camera': CAMERA_PRESET, 'frames': settings.render_frames}
        worlds = {'narrow': SyntheticConfig.narrow(), 'default': SyntheticConfig()}
        for world, config in worlds.items():
            generator = SyntheticHandGenerator(get_camera_preset(CAMERA_PRESET), config)
            seeds = iter(RENDER_SEEDS)
            times_s = time_calls(lambda: generator.frame(next(seeds)), settings.render_frames,
                                 settings.warmup_calls, torch.device('cpu'))
            results[world] = {'fps': round(len(times_s) / float(np.sum(times_s)), 1),
                              **summary_ms(times_s)}
        return results
    finally:
        cv2.setNumThreads(threads)


def run_bench(args: argparse.Namespace, settings: BenchSettings,
              ros: RosStages | None = None) -> dict:
    """Run the stages ``args`` asks for (ROS ones with ``ros``); return the JSON document."""
    if args.threads:
        torch.set_num_threads(args.threads)
    device = select_device(args.device)
    results = {'machine': machine_info(device), 'settings': asdict(settings)}
    frames = synthetic_frames(settings.num_frames)
    with tempfile.TemporaryDirectory(prefix='jgr_bench_') as folder:
        pose_path, center_path = model_files(args.model, pathlib.Path(folder))
        results['models'] = {'pose': str(pose_path), 'center': str(center_path)}
        if 'model' in args.stages:
            crops = hand_crops(PoseModel(pose_path, 'cpu', backend='eager'), frames)
            backends = args.backends or available_backends(device)
            results['model'] = {device.type: bench_model(pose_path, device, crops, settings,
                                                         backends)}
        if {'pipeline', 'node'} & set(args.stages):
            moving = moving_frames(settings.motion_frames)
        if 'pipeline' in args.stages:
            results['pipeline'] = bench_pipeline(pose_path, center_path, device, frames,
                                                 moving, settings,
                                                 ros.build_message if ros else None,
                                                 args.precision)
        if 'node' in args.stages:
            results['node'] = (ros.bench_node(pose_path, center_path, device, moving, settings,
                                              args.threads or 0, NODE_RATES_FPS,
                                              args.precision) if ros else
                               {'skipped': NO_ROS})
            results['node_two_hands'] = (
                ros.bench_node(pose_path, center_path, device,
                               moving_frames(settings.motion_frames, hands=2), settings,
                               args.threads or 0, TWO_HAND_NODE_RATES_FPS, args.precision)
                if ros else {'skipped': NO_ROS})
        if 'detector' in args.stages:
            results['detector'] = bench_detector(settings, pathlib.Path(folder))
    if 'render' in args.stages:
        results['render'] = bench_render(settings)
    results['machine']['load_average_end'] = list(os.getloadavg())
    return results


def main(argv: list[str] | None = None, ros: RosStages | None = None) -> int:
    """
    Run the bench; print the tables, write the JSON if asked. Bad input: message, exit 2.

    ``python -m jgr_ros.bench`` runs without ROS (the ROS stages say they were skipped); the
    ``jgr-bench`` command is jgr_ros.ros.bench_node's, which passes ``ros``.
    """
    args = parse_args(argv)
    try:
        results = run_bench(args, QUICK if args.quick else FULL, ros)
    except InputError as error:
        print(f'jgr-bench: {error}', file=sys.stderr)
        return 2
    print(format_report(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + '\n')
        print(f'\nwrote {args.json}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
