# Copyright 2026 jgr_ros contributors. MIT License.
"""
Fuzz hand_pose_node over DDS: bursts of malformed or meaningless input, valid frames after each.

    python -m jgr_ros.ros.fuzz --messages 10000 [--seed 0]

The node (shipped models, default parameters) runs in this process on a private ROS domain.
Each burst sends one kind of bad input (:data:`BAD_KINDS`: broken images, implausible
camera_info, noise that looks like depth); then valid synthetic frames follow. The run counts
*tracebacks* (frames that failed unexpectedly, ERROR lines; numpy RuntimeWarnings are turned into
errors, so a warning printed outside the logger counts too), *hands published from bad input*,
and valid frames after a burst whose hand is missing or wrong (mean joint error over 40 mm).
test_ros_fuzz.py runs a few hundred messages of it.
"""
import argparse
from dataclasses import dataclass, field
import math
import os
import random
import sys
import time
from typing import Callable
import uuid
import warnings

from jgr_msgs.msg import HandPoseArray
from jgr_ros.camera import CameraModel
from jgr_ros.errors import InputError
from jgr_ros.pipeline import EstimatorConfig, HandPoseEstimator, HandPoseFrame
from jgr_ros.ros.conversions import (
    camera_info_msg,
    depth_from_image_msg,
    image_msg_from_depth,
    joints_from_msg,
    stamp_ns,
)
from jgr_ros.ros.hand_pose_node import HandPoseNode
from jgr_ros.synthetic import get_camera_preset, SyntheticConfig, SyntheticHandGenerator
from jgr_ros.units import MM_PER_M
import numpy as np
from rcl_interfaces.msg import Log
import rclpy
from rclpy.executors import SingleThreadedExecutor
from rclpy.qos import QoSProfile, ReliabilityPolicy
from rclpy.time import Time
from sensor_msgs.msg import CameraInfo, Image
from std_msgs.msg import Header

FRAME_ID = 'camera_depth_optical_frame'
# A valid frame's hand is correct within this mean joint error (the shipped model: 10-16 mm).
CORRECT_MM = 40.0
# Valid frames used: those a fresh estimator reads within this (the model's easy frames).
SCREEN_MM = 20.0
ANSWER_TIMEOUT_S = 10.0
CAMERA_INFO_WAIT_S = 0.1
BURST_MESSAGES = (5, 40)
VALID_AFTER_BURST = 2
SEND_PERIOD_S = 0.004

# A bad message: (camera_info to send first or None, image), from a valid frame and an rng.
BadMessage = tuple[CameraInfo | None, Image]


def _image(depth_mm: np.ndarray, encoding: str = '16UC1') -> Image:
    return image_msg_from_depth(depth_mm, encoding, Header(frame_id=FRAME_ID))


def _float_image(values_m: np.ndarray) -> Image:
    """Return a 32FC1 image holding ``values_m`` as they are (NaN, inf, negative, huge)."""
    pixels = np.ascontiguousarray(values_m, dtype='<f4')
    height, width = pixels.shape
    return Image(header=Header(frame_id=FRAME_ID), height=height, width=width,
                 encoding='32FC1', is_bigendian=0, step=width * 4, data=pixels.tobytes())


def _info(camera: CameraModel, **fields) -> CameraInfo:
    info = camera_info_msg(camera, Header(frame_id=FRAME_ID))
    for name, value in fields.items():
        setattr(info, name, value)
    return info


def _k(camera: CameraModel, fx: float, fy: float, cx: float | None = None,
       cy: float | None = None) -> list[float]:
    return [fx, 0.0, camera.cx if cx is None else cx, 0.0, fy,
            camera.cy if cy is None else cy, 0.0, 0.0, 1.0]


def _broken(image: Image, **fields) -> Image:
    for name, value in fields.items():
        setattr(image, name, value)
    return image


def _bad_kinds() -> dict[str, Callable[[np.random.Generator, np.ndarray, CameraModel],
                                       BadMessage]]:
    """Every kind of bad input: name -> make(rng, valid depth mm, its camera)."""
    def random_mm(rng, shape, low, high):
        return rng.uniform(low, high, shape).astype(np.float32)

    def _noise(rng, depth):
        return _image(random_mm(rng, depth.shape, 350, 900))

    def tiny(side):
        camera = CameraModel(side, side, 1.0, 1.0, side / 2.0, side / 2.0)
        return lambda rng, depth, cam: (camera_info_msg(camera, Header(frame_id=FRAME_ID)),
                                        _image(random_mm(rng, (side, side), 200, 900)))
    return {
        # Images the decoder must refuse.
        'wrong encoding': lambda rng, depth, cam: (None, _broken(_image(depth), encoding='rgb8')),
        'truncated data': lambda rng, depth, cam: (None, _broken(
            _image(depth), data=bytes(_image(depth).data)[:int(rng.integers(0, 1000))])),
        'zero size': lambda rng, depth, cam: (None, _broken(_image(depth), width=0, height=0,
                                                            step=0, data=b'')),
        'step too small': lambda rng, depth, cam: (None, _broken(_image(depth), step=3)),
        'huge size, little data': lambda rng, depth, cam: (None, _broken(
            _image(depth), width=100000, height=100000, step=200000)),
        'is_bigendian 2': lambda rng, depth, cam: (None, _broken(_image(depth), is_bigendian=2)),
        'is_bigendian 255': lambda rng, depth, cam: (None, _broken(_image(depth),
                                                                   is_bigendian=255)),
        'all zero': lambda rng, depth, cam: (None, _image(np.zeros_like(depth))),
        'all NaN 32FC1': lambda rng, depth, cam: (None, _float_image(np.full(depth.shape,
                                                                             np.nan))),
        'all inf 32FC1': lambda rng, depth, cam: (None, _float_image(np.full(depth.shape,
                                                                             np.inf))),
        'negative 32FC1': lambda rng, depth, cam: (None, _float_image(-depth / MM_PER_M)),
        'huge 32FC1': lambda rng, depth, cam: (None, _float_image(np.full(depth.shape, 3e38))),
        'size mismatch': lambda rng, depth, cam: (None, _image(depth[::2, ::2])),
        # Depth that decodes but shows no hand: noise, walls, degenerate images.
        'uniform random 16UC1': lambda rng, depth, cam: (None, _image(
            rng.integers(0, 65536, depth.shape).astype(np.float32))),
        'random in the working range': lambda rng, depth, cam: (None, _image(
            random_mm(rng, depth.shape, 150, 1500))),
        'random at hand depth': lambda rng, depth, cam: (None, _image(
            random_mm(rng, depth.shape, 350, 900))),
        'random 32FC1 metres': lambda rng, depth, cam: (None, _float_image(
            random_mm(rng, depth.shape, 0.0, 2.0))),
        'noise wall': lambda rng, depth, cam: (None, _image(
            float(rng.uniform(350, 900)) + random_mm(rng, depth.shape, -30, 30))),
        'flat wall': lambda rng, depth, cam: (None, _image(
            np.full(depth.shape, float(rng.uniform(300, 1400)), np.float32))),
        'salt noise': lambda rng, depth, cam: (None, _image(
            np.where(rng.random(depth.shape) < 0.05, random_mm(rng, depth.shape, 150, 1500),
                     0.0).astype(np.float32))),
        '1x1 image and camera_info': tiny(1),
        '2x2 image and camera_info': tiny(2),
        '16x16 image and camera_info': tiny(16),
        # camera_info that must be refused, with noise (no hand, whichever camera_info it meets).
        'zero K': lambda rng, depth, cam: (_info(cam, k=[0.0] * 9), _noise(rng, depth)),
        'NaN K': lambda rng, depth, cam: (_info(cam, k=[math.nan] * 9), _noise(rng, depth)),
        'negative fx': lambda rng, depth, cam: (_info(cam, k=_k(cam, -cam.fx, cam.fy)),
                                                _noise(rng, depth)),
        'fx = fy = 1e-300': lambda rng, depth, cam: (_info(cam, k=_k(cam, 1e-300, 1e-300)),
                                                     _noise(rng, depth)),
        'denormal K': lambda rng, depth, cam: (_info(cam, k=_k(cam, 5e-324, 5e-324, 5e-324,
                                                               5e-324)), _noise(rng, depth)),
        'fx = 1e30': lambda rng, depth, cam: (_info(cam, k=_k(cam, 1e30, 1e30)),
                                              _noise(rng, depth)),
        'fx / fy = 10': lambda rng, depth, cam: (_info(cam, k=_k(cam, cam.fx, cam.fy / 10.0)),
                                                 _noise(rng, depth)),
        'principal point outside': lambda rng, depth, cam: (
            _info(cam, k=_k(cam, cam.fx, cam.fy, cx=-500.0)), _noise(rng, depth)),
        'D = 1e30': lambda rng, depth, cam: (_info(cam, d=[1e30, -1e30, 0.0, 0.0, 1e30]),
                                             _noise(rng, depth)),
        'D NaN': lambda rng, depth, cam: (_info(cam, d=[math.nan] * 5), _noise(rng, depth)),
        'D wrong length': lambda rng, depth, cam: (_info(cam, d=[0.1] * 3), _noise(rng, depth)),
        'unknown distortion model': lambda rng, depth, cam: (
            _info(cam, d=[0.1] * 5, distortion_model='fisheye_magic'), _noise(rng, depth)),
        'camera_info 0x0': lambda rng, depth, cam: (_info(cam, width=0, height=0),
                                                    _noise(rng, depth)),
        # Frame ids: unique ones (bounded caches, throttled warnings) and very long ones.
        'unique frame_id': lambda rng, depth, cam: (None, _broken(
            _image(depth), header=Header(frame_id=uuid.uuid4().hex * 4))),
        'unique frame_id with camera_info': lambda rng, depth, cam: (
            (lambda frame_id: (camera_info_msg(cam, Header(frame_id=frame_id)),
                               _broken(_image(random_mm(rng, depth.shape, 150, 1500)),
                                       header=Header(frame_id=frame_id))))(
                uuid.uuid4().hex)),
        'long frame_id': lambda rng, depth, cam: (None, _broken(
            _image(depth), header=Header(frame_id='x' * 1200))),
    }


BAD_KINDS = _bad_kinds()


@dataclass
class FuzzReport:
    """What a fuzz run found."""

    bad_messages: int = 0
    valid_frames: int = 0
    bursts: int = 0
    tracebacks: int = 0
    hands_from_bad_input: list[str] = field(default_factory=list)
    wrong_valid_frames: list[str] = field(default_factory=list)
    warning_lines: int = 0
    camera_infos_kept: int = 0

    @property
    def clean(self) -> bool:
        """No traceback, no hand from bad input, every valid frame after a burst right."""
        return not (self.tracebacks or self.hands_from_bad_input or self.wrong_valid_frames)


@dataclass(frozen=True)
class ValidFrame:
    """A synthetic frame the model reads well, with its ground truth (metres)."""

    depth_mm: np.ndarray
    camera: CameraModel
    joints_m: np.ndarray


def valid_frames(estimator: HandPoseEstimator, count: int) -> list[ValidFrame]:
    """Return ``count`` synthetic frames that a fresh estimator reads within SCREEN_MM."""
    generator = SyntheticHandGenerator(get_camera_preset('realsense_d435_640x480'),
                                       SyntheticConfig.narrow(distance_range_m=(0.35, 0.9),
                                                              distractor_probability=0.0))
    frames, seed = [], 0
    while len(frames) < count:
        frame = generator.frame(seed)
        seed += 1
        estimator.reset_tracking()
        result = estimator.estimate(frame.depth_mm, frame.camera).best
        truth_m = frame.joints_mm / MM_PER_M
        if result is not None and _error_mm(result.joints_mm / MM_PER_M, truth_m) < SCREEN_MM:
            frames.append(ValidFrame(frame.depth_mm, frame.camera, truth_m))
    return frames


def _error_mm(joints_m: np.ndarray, truth_m: np.ndarray) -> float:
    return float(np.linalg.norm(joints_m - truth_m, axis=1).mean() * MM_PER_M)


class FuzzRig:
    """hand_pose_node (default parameters) and a sender/recorder in one private context."""

    def __init__(self):
        """Start both nodes on a random domain and wait for discovery."""
        os.environ['ROS_AUTOMATIC_DISCOVERY_RANGE'] = 'LOCALHOST'
        self.context = rclpy.Context()
        rclpy.init(context=self.context, domain_id=random.randint(1, 100))
        namespace = f'/jgr_fuzz_{uuid.uuid4().hex[:8]}'
        self.node = HandPoseNode(context=self.context, namespace=namespace)
        self.io = rclpy.create_node('jgr_fuzz', context=self.context, namespace=namespace)
        qos = QoSProfile(depth=10, reliability=ReliabilityPolicy.RELIABLE)
        self.depth_pub = self.io.create_publisher(Image, 'depth/image_raw', qos)
        self.info_pub = self.io.create_publisher(CameraInfo, 'depth/camera_info', qos)
        self.answers: dict[int, HandPoseArray] = {}
        self.errors: list[str] = []
        self.warnings = 0
        self.io.create_subscription(HandPoseArray, 'hand_poses', self._on_answer, 100)
        self.io.create_subscription(Log, '/rosout', self._on_log, 100)
        self.executor = SingleThreadedExecutor(context=self.context)
        self.executor.add_node(self.node)
        self.executor.add_node(self.io)
        self._last_stamp_ns = 0
        if not self.spin_until(lambda: self.depth_pub.get_subscription_count() == 1
                               and self.io.count_publishers(self.node.get_namespace()
                                                            + '/hand_poses') == 1, 10.0):
            raise RuntimeError('no discovery between the fuzzer and the node')

    def close(self) -> None:
        """Stop both nodes and leave the domain."""
        self.executor.shutdown()
        self.node.destroy_node()
        self.io.destroy_node()
        self.context.try_shutdown()

    def spin_until(self, condition, timeout_s: float) -> bool:
        """Serve callbacks until ``condition()`` holds or ``timeout_s`` passed."""
        deadline_s = time.monotonic() + timeout_s
        while not condition() and time.monotonic() < deadline_s:
            self.executor.spin_once(timeout_sec=0.01)
        return condition()

    def send(self, info: CameraInfo | None, image: Image | None) -> int:
        """Publish (camera_info first) with a fresh, unique stamp; return it in nanoseconds."""
        stamp_nanoseconds = max(self.io.get_clock().now().nanoseconds, self._last_stamp_ns + 1)
        self._last_stamp_ns = stamp_nanoseconds
        stamp = Time(nanoseconds=stamp_nanoseconds).to_msg()
        if info is not None:   # taken before the image, as a camera's first camera_info is
            info.header.stamp = stamp
            self.info_pub.publish(info)
            self.spin_until(lambda: False, CAMERA_INFO_WAIT_S)
        if image is not None:
            image.header.stamp = stamp
            self.depth_pub.publish(image)
        return stamp_nanoseconds

    def _on_answer(self, msg: HandPoseArray) -> None:
        self.answers[stamp_ns(msg.header.stamp)] = msg

    def _on_log(self, log: Log) -> None:
        if not log.name.endswith('hand_pose_node'):
            return
        if log.level >= Log.ERROR:
            self.errors.append(log.msg)
        elif log.level == Log.WARN:
            self.warnings += 1


def run_fuzz(messages: int, seed: int = 0, burst_messages: tuple[int, int] = BURST_MESSAGES,
             progress: Callable[[str], None] = lambda _: None) -> FuzzReport:
    """
    Send about ``messages`` bad messages in bursts, valid frames after each; the report.

    Bursts take the kinds in turn, each ``burst_messages`` (low, high exclusive) long.
    """
    rng = np.random.default_rng(seed)
    kinds = sorted(BAD_KINDS)
    report = FuzzReport()
    with warnings.catch_warnings():
        warnings.simplefilter('error', RuntimeWarning)   # numpy's warnings become failures
        rig = FuzzRig()
        try:
            screening = rig.node._estimator.reconfigured(EstimatorConfig(tracking=False))
            frames = valid_frames(screening, 8)
            bad_stamps: dict[int, str] = {}
            while report.bad_messages < messages:
                kind = kinds[report.bursts % len(kinds)]
                for _ in range(int(rng.integers(*burst_messages))):
                    info, image = BAD_KINDS[kind](rng, frames[0].depth_mm, frames[0].camera)
                    bad_stamps[rig.send(info, image)] = kind
                    report.bad_messages += 1
                    rig.spin_until(lambda: False, SEND_PERIOD_S)
                report.bursts += 1
                frame = frames[int(rng.integers(len(frames)))]
                for _ in range(VALID_AFTER_BURST):   # a still hand: searched, then followed
                    _check_valid_frame(rig, frame, kind, report)
                if report.bursts % len(kinds) == 0:
                    progress(f'{report.bad_messages} bad messages, {report.bursts} bursts')
            rig.spin_until(lambda: False, 1.0)
            report.hands_from_bad_input = sorted(
                {f'{bad_stamps[stamp]}: a hand with score {answer.hands[0].score:.2f}'
                 for stamp, answer in rig.answers.items() if stamp in bad_stamps and answer.hands})
            stats = rig.node.stats.snapshot()
            report.tracebacks = stats.frames_failed + len(rig.errors)
            report.warning_lines = rig.warnings
            report.camera_infos_kept = len(rig.node._cameras)
        finally:
            rig.close()
    return report


def _check_valid_frame(rig: FuzzRig, frame: ValidFrame, after: str, report: FuzzReport) -> None:
    # The camera's valid camera_info first, as a driver streams it, then the frame.
    stamp = rig.send(camera_info_msg(frame.camera, Header(frame_id=FRAME_ID)),
                     _image(frame.depth_mm))
    report.valid_frames += 1
    rig.spin_until(lambda: stamp in rig.answers, ANSWER_TIMEOUT_S)
    answer = rig.answers.get(stamp)
    if answer is None or not answer.hands:
        missing = 'no answer' if answer is None else 'no hand'
        report.wrong_valid_frames.append(f'after {after}: {missing}')
        return
    error_mm = _error_mm(joints_from_msg(answer.hands[0]), frame.joints_m)
    if error_mm > CORRECT_MM:
        report.wrong_valid_frames.append(f'after {after}: {error_mm:.0f} mm off')


def score_distributions(frames: int = 100, seed: int = 0) -> dict[str, list[float]]:
    """
    Scores of the best candidate (min_score 0, tracking off) on valid frames and on noise.

    The evidence behind DEFAULT_MIN_SCORE: 'valid' are synthetic hands (every one, not only
    easy ones), the rest the decodable noise kinds of BAD_KINDS on the same camera.
    """
    rng = np.random.default_rng(seed)
    estimator = HandPoseEstimator.from_files(config=EstimatorConfig(tracking=False,
                                                                    min_score=0.0))
    generator = SyntheticHandGenerator(get_camera_preset('realsense_d435_640x480'),
                                       SyntheticConfig.narrow())
    scores: dict[str, list[float]] = {'valid': []}
    noise_kinds = ('uniform random 16UC1', 'random in the working range', 'random at hand depth',
                   'random 32FC1 metres', 'noise wall', 'flat wall', 'salt noise')
    for index in range(frames):
        frame = generator.frame(seed + index)
        scores['valid'].append(_best_score(estimator.estimate(frame.depth_mm, frame.camera)))
        for kind in noise_kinds:
            _, image = BAD_KINDS[kind](rng, frame.depth_mm, frame.camera)
            try:
                result = estimator.estimate(depth_from_image_msg(image), frame.camera)
            except InputError:
                continue
            scores.setdefault(kind, []).append(_best_score(result))
    return scores


def _best_score(frame: HandPoseFrame) -> float:
    return frame.best.score if frame.hands else 0.0


def main(argv: list[str] | None = None) -> int:
    """Run the fuzz (or the score study); print the report; exit 1 unless it is clean."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--messages', type=int, default=10000)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--scores', type=int, metavar='FRAMES',
                        help='instead: print score quantiles on FRAMES valid frames and noise')
    args = parser.parse_args(argv)
    if args.scores:
        for kind, values in score_distributions(args.scores, args.seed).items():
            quantiles = np.quantile(values, [0.0, 0.01, 0.05, 0.5, 0.95, 1.0])
            print(f'{kind:28} n={len(values):4} min/p1/p5/median/p95/max '
                  + ' '.join(f'{value:.3f}' for value in quantiles))
        return 0
    start_s = time.monotonic()
    report = run_fuzz(args.messages, args.seed, progress=lambda line: print(line, flush=True))
    print(f'{report.bad_messages} bad messages of {len(BAD_KINDS)} kinds in {report.bursts} '
          f'bursts, {report.valid_frames} valid frames after them, '
          f'{time.monotonic() - start_s:.0f} s')
    print(f'tracebacks (failed frames + ERROR lines): {report.tracebacks}')
    print(f'hands published from bad input: {len(report.hands_from_bad_input)} '
          f'{report.hands_from_bad_input}')
    print(f'valid frames missed or over {CORRECT_MM:g} mm: {len(report.wrong_valid_frames)} '
          f'{report.wrong_valid_frames}')
    print(f'warning lines: {report.warning_lines}; camera_info frame_ids kept: '
          f'{report.camera_infos_kept}')
    return 0 if report.clean else 1


if __name__ == '__main__':
    sys.exit(main())
