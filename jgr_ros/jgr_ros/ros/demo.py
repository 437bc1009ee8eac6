# Copyright 2026 jgr_ros contributors. MIT License.
"""
The demo: a synthetic depth camera and the hand-pose node as real ROS 2 nodes in one process.

    python -m jgr_ros.ros.demo [--frames 150] [--rate 15] [--motion-speed 0.3] [--encoding 16UC1]
                               [--output out/demo]

A monitor node pairs every ``hand_poses`` message with the camera's ground truth by stamp and
prints, live and at the end, the rates, the end-to-end latency (camera stamp to results
received) and the mean 3-D joint error. It writes ``summary.json`` and ``demo.png`` (estimate
over the depth frame whose error is the median) to the output directory. Exits 1 with the
reason when the nodes cannot start (e.g. a missing model file).
"""
import argparse
from collections import OrderedDict
from dataclasses import dataclass
import json
import pathlib
import sys
import time

import cv2
from jgr_msgs.msg import HandPose, HandPoseArray
from jgr_ros.errors import InputError
from jgr_ros.ros.conversions import joints_from_msg, stamp_ns
from jgr_ros.ros.debug_images import comparison_image
from jgr_ros.ros.hand_pose_node import HandPoseNode
from jgr_ros.ros.synthetic_camera_node import ENCODINGS, SyntheticCameraNode
from jgr_ros.runtime import add_precision_argument, BACKENDS
from jgr_ros.skeletons import convert_joints, get_skeleton
from jgr_ros.synthetic import CAMERA_PRESETS
from jgr_ros.units import MM_PER_M
import numpy as np
import rclpy
from rclpy.executors import SingleThreadedExecutor
from rclpy.node import Node
from rclpy.parameter import Parameter

# Results still missing this long after the last frame are given up on.
DRAIN_TIMEOUT_S = 5.0
PROGRESS_PERIOD_S = 1.0
# Unpaired messages kept while waiting for their partner.
_MAX_PENDING = 256


@dataclass(frozen=True)
class FrameOutcome:
    """One camera frame paired with the node's answer (joints in metres; None: no hand)."""

    stamp_ns: int
    received_s: float        # wall time the results arrived
    latency_ms: float        # results received - camera stamp
    estimate_m: np.ndarray | None
    truth_m: np.ndarray
    error_mm: float | None   # mean over joints of the 3-D distance


class DemoMonitor(Node):
    """Pairs ``hand_poses`` with ``ground_truth/hand_poses`` by stamp and scores them."""

    def __init__(self, **kwargs):
        """Subscribe to the estimates and the ground truth (reliable, generous queues)."""
        super().__init__('jgr_demo_monitor', **kwargs)
        self.outcomes: list[FrameOutcome] = []
        self._estimates: OrderedDict[int, tuple[HandPoseArray, float, float]] = OrderedDict()
        self._truths: OrderedDict[int, HandPose] = OrderedDict()
        self.create_subscription(HandPoseArray, 'hand_poses', self._on_estimate, 50)
        self.create_subscription(HandPoseArray, 'ground_truth/hand_poses', self._on_truth, 50)

    def _on_estimate(self, msg: HandPoseArray) -> None:
        key = stamp_ns(msg.header.stamp)
        latency_ms = (self.get_clock().now().nanoseconds - key) / 1e6
        _remember(self._estimates, key, (msg, time.monotonic(), latency_ms))
        self._pair(key)

    def _on_truth(self, msg: HandPoseArray) -> None:
        key = stamp_ns(msg.header.stamp)
        _remember(self._truths, key, msg.hands[0])
        self._pair(key)

    def _pair(self, key: int) -> None:
        if key not in self._estimates or key not in self._truths:
            return
        estimate, received_s, latency_ms = self._estimates.pop(key)
        truth = self._truths.pop(key)
        truth_m = joints_from_msg(truth)
        estimate_m = error_mm = None
        if estimate.hands:
            hand = estimate.hands[0]
            estimate_m = convert_joints(joints_from_msg(hand), hand.skeleton, truth.skeleton)
            error_mm = float(np.nanmean(np.linalg.norm(estimate_m - truth_m, axis=1))) * MM_PER_M
        self.outcomes.append(FrameOutcome(key, received_s, latency_ms, estimate_m, truth_m,
                                          error_mm))


def _remember(pending: OrderedDict, key: int, value) -> None:
    pending[key] = value
    while len(pending) > _MAX_PENDING:
        pending.popitem(last=False)


def summarize(outcomes: list[FrameOutcome], frames_published: int) -> dict:
    """Return the run's numbers: counts, detection rate, error, latency and rate."""
    errors_mm = [outcome.error_mm for outcome in outcomes if outcome.error_mm is not None]
    latencies_ms = [outcome.latency_ms for outcome in outcomes]
    received_s = [outcome.received_s for outcome in outcomes]
    span_s = received_s[-1] - received_s[0] if len(received_s) > 1 else 0.0
    return {
        'frames_published': frames_published,
        'frames_answered': len(outcomes),
        'frames_with_hand': len(errors_mm),
        'detection_rate': len(errors_mm) / len(outcomes) if outcomes else 0.0,
        'mean_error_mm': float(np.mean(errors_mm)) if errors_mm else None,
        'median_error_mm': float(np.median(errors_mm)) if errors_mm else None,
        'latency_p50_ms': float(np.percentile(latencies_ms, 50)) if latencies_ms else None,
        'latency_p99_ms': float(np.percentile(latencies_ms, 99)) if latencies_ms else None,
        'output_rate_hz': (len(outcomes) - 1) / span_s if span_s > 0 else None,
    }


def progress_line(summary: dict, frames_total: int) -> str:
    """Format the live numbers on one line."""
    def number(key: str, unit: str, digits: int = 1) -> str:
        value = summary[key]
        return '-' if value is None else f'{value:.{digits}f} {unit}'

    return (f'{summary["frames_published"]:4d}/{frames_total} frames | output '
            f'{number("output_rate_hz", "Hz")} | latency p50 {number("latency_p50_ms", "ms", 0)}'
            f' p99 {number("latency_p99_ms", "ms", 0)} | hand found {summary["frames_with_hand"]}'
            f'/{summary["frames_answered"]} | mean error {number("mean_error_mm", "mm")}')


def median_outcome(outcomes: list[FrameOutcome]) -> FrameOutcome | None:
    """Return the frame whose error is the median one (a fair example), if any hand was found."""
    scored = sorted((o for o in outcomes if o.error_mm is not None), key=lambda o: o.error_mm)
    return scored[len(scored) // 2] if scored else None


def save_picture(path: pathlib.Path, camera_node: SyntheticCameraNode,
                 outcome: FrameOutcome, model_name: str) -> bool:
    """Draw the estimate and the ground truth over the frame's depth; False if it is gone."""
    frame = camera_node.frame_at(outcome.stamp_ns)
    if frame is None:
        return False
    caption = (f'{model_name} (per finger) vs ground truth (x): mean error '
               f'{outcome.error_mm:.1f} mm')
    picture = comparison_image(frame.depth_mm.astype(np.float32), frame.camera,
                               outcome.estimate_m * MM_PER_M, outcome.truth_m * MM_PER_M,
                               get_skeleton('mano21'), caption)
    return bool(cv2.imwrite(str(path), picture))


def run(args: argparse.Namespace) -> int:
    """Run the nodes for ``args.frames`` frames, then report; return the exit status."""
    context = rclpy.Context()
    rclpy.init(context=context)
    # One thread is enough: the hand-pose node infers on its own worker thread. (rclpy's
    # MultiThreadedExecutor.spin_once busy-loops over its task list, starving that worker.)
    executor = SingleThreadedExecutor(context=context)
    try:
        nodes = _start_nodes(args, context)
    except InputError as error:
        print(f'demo: cannot start: {error}', file=sys.stderr)
        rclpy.shutdown(context=context)
        return 1
    hand_node, camera_node, monitor = nodes
    for node in nodes:
        executor.add_node(node)
    try:
        try:
            _spin_until_done(executor, hand_node, camera_node, monitor, args.frames)
        except KeyboardInterrupt:
            print('\ninterrupted: reporting the frames so far')
        return _report(args, hand_node, camera_node, monitor)
    finally:
        for node in nodes:
            executor.remove_node(node)
            node.destroy_node()
        executor.shutdown()
        rclpy.shutdown(context=context)


def _start_nodes(args: argparse.Namespace,
                 context: rclpy.Context) -> tuple[HandPoseNode, SyntheticCameraNode, DemoMonitor]:
    # Independent random frames (no motion) have nothing to follow.
    hand_parameters = [Parameter('device', value=args.device),
                       Parameter('backend', value=args.backend),
                       Parameter('precision', value=args.precision),
                       Parameter('tracking', value=args.motion_speed > 0.0)]
    hand_parameters += [Parameter(name, value=str(path)) for name, path in
                        (('model', args.model), ('center_model', args.center_model)) if path]
    hand_node = HandPoseNode(context=context, parameter_overrides=hand_parameters)
    try:
        camera_node = SyntheticCameraNode(context=context, parameter_overrides=[
            Parameter('camera', value=args.camera), Parameter('seed', value=args.seed),
            Parameter('rate_hz', value=args.rate), Parameter('encoding', value=args.encoding),
            Parameter('max_frames', value=args.frames),
            Parameter('motion_speed_m_s', value=args.motion_speed)])
    except InputError:
        hand_node.destroy_node()
        raise
    return hand_node, camera_node, DemoMonitor(context=context)


def _spin_until_done(executor: SingleThreadedExecutor, hand_node: HandPoseNode,
                     camera_node: SyntheticCameraNode, monitor: DemoMonitor,
                     frames: int) -> None:
    """Spin until every frame is accounted for (or stragglers timed out); print progress."""
    next_print_s = time.monotonic() + PROGRESS_PERIOD_S
    finished_s = None
    while finished_s is None or time.monotonic() - finished_s < DRAIN_TIMEOUT_S:
        executor.spin_once(timeout_sec=0.05)
        if time.monotonic() >= next_print_s:
            print(progress_line(summarize(monitor.outcomes, camera_node.frames_published),
                                frames), flush=True)
            next_print_s += PROGRESS_PERIOD_S
        if camera_node.finished and finished_s is None:
            finished_s = time.monotonic()
        if finished_s is not None and _accounted_for(hand_node, monitor) >= frames:
            return


def _accounted_for(hand_node: HandPoseNode, monitor: DemoMonitor) -> int:
    """Frames answered, plus those the node dropped (overtaken) or rejected."""
    stats = hand_node.stats.snapshot()
    return (len(monitor.outcomes) + stats.frames_dropped + stats.frames_skipped
            + stats.frames_failed)


def _report(args: argparse.Namespace, hand_node: HandPoseNode,
            camera_node: SyntheticCameraNode, monitor: DemoMonitor) -> int:
    stats = hand_node.stats.snapshot()
    summary = {
        **summarize(monitor.outcomes, camera_node.frames_published),
        'frames_dropped': stats.frames_dropped, 'frames_skipped': stats.frames_skipped,
        'frames_failed': stats.frames_failed,
        **hand_node.static_info,
        'camera': args.camera, 'encoding': args.encoding, 'rate_hz': args.rate,
        'seed': args.seed, 'motion_speed_m_s': args.motion_speed,
    }
    output = pathlib.Path(args.output)
    output.mkdir(parents=True, exist_ok=True)
    example = median_outcome(monitor.outcomes)
    picture = output / 'demo.png'
    model_name = pathlib.Path(summary['model']).name
    saved = example is not None and save_picture(picture, camera_node, example, model_name)
    summary['picture'] = str(picture) if saved else None
    (output / 'summary.json').write_text(json.dumps(summary, indent=2) + '\n')
    print(f'\nsummary (also in {output / "summary.json"})')
    for key, value in summary.items():
        print(f'  {key:18s} {value:.2f}' if isinstance(value, float) else f'  {key:18s} {value}')
    return 0 if summary['frames_answered'] else 1


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        prog='python -m jgr_ros.ros.demo', description=__doc__.split('\n\n')[0].strip())
    parser.add_argument('--frames', type=int, default=150, help='frames to run (default 150)')
    parser.add_argument('--rate', type=float, default=15.0, help='camera rate, Hz (default 15)')
    parser.add_argument('--encoding', choices=ENCODINGS, default='16UC1')
    parser.add_argument('--camera', choices=sorted(CAMERA_PRESETS),
                        default='realsense_d435_640x480', help='synthetic camera preset')
    parser.add_argument('--seed', type=int, default=0, help="the moving hand's video, or the "
                        "first frame's seed with --motion-speed 0")
    parser.add_argument('--motion-speed', type=float, default=0.3, help='speed of the hand, '
                        'm/s (default 0.3); 0: a new random hand every frame, tracking off')
    parser.add_argument('--output', default='out/demo', help='directory for summary.json, '
                        'demo.png (default out/demo)')
    parser.add_argument('--model', help='JGR-P2O model file (default: the shipped one)')
    parser.add_argument('--center-model', help='centre model file (default: the shipped one)')
    parser.add_argument('--device', default='auto', help='auto, cpu, cuda or cuda:N')
    parser.add_argument('--backend', choices=BACKENDS, default='auto', help='inference backend')
    add_precision_argument(parser)
    args = parser.parse_args(argv)
    if args.frames < 1 or args.rate <= 0 or not 0.0 <= args.motion_speed <= 5.0:
        parser.error('--frames must be >= 1, --rate > 0 and --motion-speed in [0, 5]')
    return args


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m jgr_ros.ros.demo`` (and ./demo.sh)."""
    return run(parse_args(argv))


if __name__ == '__main__':
    sys.exit(main())
