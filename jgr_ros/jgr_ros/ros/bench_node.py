# Copyright 2026 jgr_ros contributors. MIT License.
"""
jgr-bench with its ROS stages: the HandPoseArray message build and hand_pose_node over DDS.

    jgr-bench [options of jgr_ros.bench]      # = python -m jgr_ros.ros.bench_node

The stages and the report are jgr_ros.bench's (the core, free of ROS); this module supplies the
parts that need rclpy and jgr_msgs (:class:`~jgr_ros.bench.RosStages`).
"""
import os
import pathlib
import random
import sys
import threading
import time
import uuid

from jgr_msgs.msg import HandPoseArray
from jgr_ros import bench
from jgr_ros.bench import BenchSettings, FRAME_ID, NODE_RATES_FPS, RosStages, summary_ms
from jgr_ros.pipeline import HandPoseEstimator, HandPoseFrame
from jgr_ros.ros.conversions import (
    camera_info_msg,
    hand_pose_msg,
    image_msg_from_depth,
    MM_PER_M,
    stamp_ns,
    wrist_pose,
)
from jgr_ros.ros.hand_pose_node import HandPoseNode
from jgr_ros.synthetic.generator import SyntheticFrame
import numpy as np
import rclpy
from rclpy.executors import SingleThreadedExecutor
from rclpy.parameter import Parameter
from rclpy.qos import qos_profile_sensor_data
from sensor_msgs.msg import CameraInfo, Image
from std_msgs.msg import Header
import torch


def build_message(frame: HandPoseFrame, estimator: HandPoseEstimator) -> HandPoseArray:
    """Build what the node publishes for a frame's hands."""
    header = Header(frame_id=FRAME_ID)
    return HandPoseArray(header=header, hands=[
        hand_pose_msg(hand, estimator.skeleton, header,
                      wrist_pose(hand.joints_mm / MM_PER_M, estimator.skeleton))
        for hand in frame.hands])


def bench_node(pose_path: pathlib.Path, center_path: pathlib.Path, device: torch.device,
               frames: list[SyntheticFrame], settings: BenchSettings,
               cpu_threads: int = 0, rates_fps: tuple[int, ...] = NODE_RATES_FPS,
               precision: str = 'auto') -> dict:
    """
    Feed hand_pose_node at each input rate in turn; latency and processed fraction per rate.

    ``cpu_threads`` and ``precision`` are the node's parameters (0: all cores but one).
    """
    threads = torch.get_num_threads()
    try:
        with NodeRig(pose_path, center_path, device, frames, cpu_threads, precision) as rig:
            rig.wait_until_ready()
            return {'cpu_threads': torch.get_num_threads(),   # as the node set them
                    'rates': {str(rate_fps): rig.measure(rate_fps, settings.node_duration_s)
                              for rate_fps in rates_fps}}
    finally:
        torch.set_num_threads(threads)


class NodeRig:
    """
    hand_pose_node, a depth camera stand-in and a HandPoseArray listener in one process.

    They share an rclpy context on a random ROS domain with localhost discovery and a unique
    namespace, so other ROS processes on this machine neither see nor disturb them. An executor
    thread serves the callbacks; the node runs its network on its own worker thread, and the
    camera stand-in publishes from the caller's thread on a perf_counter schedule.
    """

    # After the last frame, results still on their way get this long to arrive.
    DRAIN_S = 0.5
    READY_TIMEOUT_S = 30.0
    READY_POLL_FPS = 10.0
    WARMUP_S = 1.0

    def __init__(self, pose_path: pathlib.Path, center_path: pathlib.Path,
                 device: torch.device, frames: list[SyntheticFrame], cpu_threads: int = 0,
                 precision: str = 'auto'):
        """Start the context, the node (loads the models), the stand-in and the listener."""
        os.environ['ROS_AUTOMATIC_DISCOVERY_RANGE'] = 'LOCALHOST'
        self._context = rclpy.Context()
        rclpy.init(context=self._context, domain_id=random.randint(1, 100))
        namespace = f'/jgr_bench_{uuid.uuid4().hex[:8]}'
        self._node = HandPoseNode(context=self._context, namespace=namespace,
                                  parameter_overrides=[
                                      Parameter('model', value=str(pose_path)),
                                      Parameter('center_model', value=str(center_path)),
                                      Parameter('device', value=str(device)),
                                      Parameter('cpu_threads', value=cpu_threads),
                                      Parameter('precision', value=precision)])
        self._io = rclpy.create_node('jgr_bench', context=self._context, namespace=namespace)
        self._depth_pub = self._io.create_publisher(Image, 'depth/image_raw',
                                                    qos_profile_sensor_data)
        self._info_pub = self._io.create_publisher(CameraInfo, 'depth/camera_info',
                                                   qos_profile_sensor_data)
        self._io.create_subscription(HandPoseArray, 'hand_poses', self._on_hands, 10)
        self._received_ns: dict[int, int] = {}
        self._hands: dict[int, int] = {}   # hands per answer, by stamp
        self._messages = []
        for frame in frames:
            header = Header(frame_id=FRAME_ID)
            self._messages.append((image_msg_from_depth(frame.depth_mm, '16UC1', header),
                                   camera_info_msg(frame.camera, header)))
        self._executor = SingleThreadedExecutor(context=self._context)
        self._executor.add_node(self._node)
        self._executor.add_node(self._io)
        self._spinner = threading.Thread(target=self._executor.spin, daemon=True)
        self._spinner.start()

    def __enter__(self) -> 'NodeRig':
        return self

    def __exit__(self, *exc_info) -> None:
        self._executor.shutdown()
        self._spinner.join(timeout=5.0)
        self._node.destroy_node()
        self._io.destroy_node()
        self._context.shutdown()

    def wait_until_ready(self) -> None:
        """Publish until the node answers (discovery, first frames), then WARMUP_S more."""
        deadline_s = time.monotonic() + self.READY_TIMEOUT_S
        while not self._received_ns:
            if time.monotonic() > deadline_s:
                raise RuntimeError(f'hand_pose_node gave no result within '
                                   f'{self.READY_TIMEOUT_S:g} s')
            self.publish(self.READY_POLL_FPS, 1)
            time.sleep(1.0 / self.READY_POLL_FPS)
        self.publish(self.READY_POLL_FPS, round(self.READY_POLL_FPS * self.WARMUP_S))

    def measure(self, rate_fps: float, duration_s: float) -> dict:
        """Publish at ``rate_fps`` for ``duration_s``; latency percentiles, processed fraction."""
        sent_ns = self.publish(rate_fps, round(rate_fps * duration_s))
        time.sleep(self.DRAIN_S)
        latencies_s = [(self._received_ns[stamp] - stamp) / 1e9 for stamp in sent_ns
                       if stamp in self._received_ns]
        hands = [self._hands[stamp] for stamp in sent_ns if stamp in self._hands]
        return {**(summary_ms(latencies_s) if latencies_s else {}),
                'processed_fraction': round(len(latencies_s) / len(sent_ns), 3),
                'published': len(sent_ns), 'processed': len(latencies_s),
                'mean_hands': round(float(np.mean(hands)), 2) if hands else 0.0}

    def publish(self, rate_fps: float, count: int) -> list[int]:
        """Publish ``count`` frames (camera_info, then depth) at ``rate_fps``; their stamps."""
        period_s = 1.0 / rate_fps
        next_s = time.perf_counter()
        stamps_ns = []
        for index in range(count):
            time.sleep(max(0.0, next_s - time.perf_counter()))
            next_s += period_s
            image, info = self._messages[index % len(self._messages)]
            image.header.stamp = self._io.get_clock().now().to_msg()
            self._info_pub.publish(info)
            self._depth_pub.publish(image)
            stamps_ns.append(stamp_ns(image.header.stamp))
        return stamps_ns

    def _on_hands(self, msg) -> None:
        now_ns = self._io.get_clock().now().nanoseconds
        self._received_ns.setdefault(stamp_ns(msg.header.stamp), now_ns)
        self._hands.setdefault(stamp_ns(msg.header.stamp), len(msg.hands))


def main(argv: list[str] | None = None) -> int:
    """Run jgr-bench with every stage (see jgr_ros.bench)."""
    return bench.main(argv, RosStages(build_message=build_message, bench_node=bench_node))


if __name__ == '__main__':
    sys.exit(main())
