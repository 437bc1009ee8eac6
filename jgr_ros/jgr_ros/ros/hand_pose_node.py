# Copyright 2026 jgr_ros contributors. MIT License.
"""
The hand-pose node: depth images in, 3-D hands out.

Subscribes ``depth/image_raw`` and ``depth/camera_info`` (remap them to your driver's topics;
see launch/hand_pose.launch.py) and publishes, with the depth image's stamp and frame_id:
``hand_poses`` (jgr_msgs/HandPoseArray, every processed frame, empty when no hand),
``hand_markers`` (RViz skeletons), ``wrist_pose`` (geometry_msgs/PoseStamped, when a hand is
found), ``/diagnostics`` and, on request, ``debug/crop``.

Threading: the subscription callback only stores the newest frame in a one-slot mailbox; a
worker thread runs the network on the newest frame and publishes. A frame replaced before the
worker took it is counted as dropped, so latency never builds up behind a slow network, and the
node works under any executor.
"""
import os
import sys
import threading
import time
import traceback

from diagnostic_msgs.msg import DiagnosticArray
from geometry_msgs.msg import PoseStamped
from jgr_msgs.msg import HandPoseArray
from jgr_ros.camera import CameraModel
from jgr_ros.errors import InputError
from jgr_ros.hand_state import HandClassifiers, HandState
from jgr_ros.inference import HandPoseEstimator, HandPoseResult
from jgr_ros.ros.conversions import (
    camera_from_info_msg,
    depth_from_image_msg,
    hand_pose_msg,
    MM_PER_M,
    rgb_image_msg,
    stamp_ns,
    wrist_pose,
)
from jgr_ros.ros.debug_images import crop_debug_image
from jgr_ros.ros.diagnostics import diagnostic_status, PipelineStats
from jgr_ros.ros.entry_point import run_node
from jgr_ros.ros.markers import skeleton_markers
from jgr_ros.ros.parameters import (
    declare_parameters,
    HAND_POSE_PARAMETERS,
    RUNTIME_PARAMETERS,
    RuntimeSettings,
)
from jgr_ros.skeletons import Skeleton
import numpy as np
from rcl_interfaces.msg import SetParametersResult
from rclpy.node import Node
from rclpy.parameter import Parameter
from rclpy.qos import QoSProfile, ReliabilityPolicy
from sensor_msgs.msg import CameraInfo, Image
from std_msgs.msg import Header
import torch
from visualization_msgs.msg import MarkerArray

RELIABILITY = {'best_effort': ReliabilityPolicy.BEST_EFFORT,
               'reliable': ReliabilityPolicy.RELIABLE}
# The same warning is repeated at most this often.
WARNING_PERIOD_S = 5.0


class WarningThrottle:
    """Let each distinct message through at most once per ``period_s`` seconds."""

    def __init__(self, period_s: float, max_messages: int = 64):
        self.period_s, self.max_messages = period_s, max_messages
        self._last_s: dict[str, float] = {}
        self._lock = threading.Lock()

    def allow(self, message: str) -> bool:
        """Return whether ``message`` may be logged now (and remember that it was)."""
        now_s = time.monotonic()
        with self._lock:
            if now_s - self._last_s.get(message, -float('inf')) < self.period_s:
                return False
            if len(self._last_s) >= self.max_messages:   # bounded: forget the oldest
                del self._last_s[min(self._last_s, key=self._last_s.get)]
            self._last_s[message] = now_s
            return True


class LatestFrame:
    """One-slot mailbox between the DDS callback and the worker: a newer frame replaces."""

    def __init__(self):
        self._condition = threading.Condition()
        self._frame: Image | None = None
        self._closed = False

    def put(self, frame: Image) -> bool:
        """Store ``frame``; return True when it replaced one the worker never took."""
        with self._condition:
            replaced = self._frame is not None
            self._frame = frame
            self._condition.notify()
            return replaced

    def take(self) -> Image | None:
        """Wait for and remove the newest frame; None once closed."""
        with self._condition:
            self._condition.wait_for(lambda: self._frame is not None or self._closed)
            frame, self._frame = self._frame, None
            return None if self._closed else frame

    def close(self) -> None:
        """Wake the worker for good."""
        with self._condition:
            self._closed = True
            self._condition.notify_all()


class HandPoseNode(Node):
    """Runs :class:`HandPoseEstimator` on every depth frame and publishes the results."""

    def __init__(self, **kwargs):
        """Declare parameters, load the models (fail fast), then start topics and the worker."""
        super().__init__('hand_pose_node', **kwargs)
        self._frames = LatestFrame()
        self._worker = threading.Thread(target=self._work, name='hand_pose_worker', daemon=True)
        try:
            values = declare_parameters(self, HAND_POSE_PARAMETERS)
            self._settings = RuntimeSettings.from_parameters(values)
            reliability = _reliability(values['reliability'])
            torch.set_num_threads(values['cpu_threads'] or cpu_threads_beside_dds())
            self._estimator = HandPoseEstimator.from_files(
                values['model'] or None, values['center_model'] or None, values['device'],
                self._settings.estimator, values['backend'])
            self._classifiers = HandClassifiers.load(values['hand_classifiers'],
                                                     self._estimator.skeleton)
        except InputError as error:
            self.destroy_node()
            raise InputError(f'hand_pose_node cannot start: {error}') from error
        _warm_up(self._estimator)
        self._static_info = {'device': str(self._estimator.pose_model.device),
                             'backend': self._estimator.pose_model.backend,
                             'cpu_threads': str(torch.get_num_threads()),
                             'model': str(self._estimator.pose_model.path),
                             'center_model': str(self._estimator.refiner.path),
                             'hand_classifiers': str(self._classifiers.path)}
        self._stats = PipelineStats()
        self._throttle = WarningThrottle(WARNING_PERIOD_S)
        self._cameras: dict[str, CameraModel] = {}
        self._camera_errors: dict[str, str] = {}
        self._hands_shown = 0
        self._track_id = 0
        self._hand_state: HandState | None = None   # the tracked hand's, None without one
        self._create_topics(reliability, values['diagnostics_period_s'])
        self.add_on_set_parameters_callback(self._on_set_parameters)
        self._worker.start()
        self.get_logger().info(
            f'ready: model {self._static_info["model"]} on {self._static_info["device"]}, '
            f'waiting for {self._depth_sub.topic_name} + {self._info_sub.topic_name} '
            f'({values["reliability"]})')

    @property
    def static_info(self) -> dict[str, str]:
        """Return the device and the model files in use, as reported on /diagnostics."""
        return dict(self._static_info)

    @property
    def stats(self) -> PipelineStats:
        """Return the run-time statistics (rates, latency, counters) behind /diagnostics."""
        return self._stats

    def destroy_node(self) -> None:
        """Stop the worker thread, then the node."""
        self._frames.close()
        if self._worker.is_alive():
            self._worker.join(timeout=5.0)
        super().destroy_node()

    def _create_topics(self, reliability: ReliabilityPolicy, diagnostics_period_s: float) -> None:
        # Depth 1: a frame waiting behind a newer one is stale; drop it, never queue it.
        sensor_qos = QoSProfile(depth=1, reliability=reliability)
        # camera_info first: executors serve ready subscriptions in creation order, so a
        # camera's first camera_info is taken before the depth image that came with it.
        self._info_sub = self.create_subscription(CameraInfo, 'depth/camera_info',
                                                  self._on_camera_info, sensor_qos)
        self._depth_sub = self.create_subscription(Image, 'depth/image_raw', self._on_depth,
                                                   sensor_qos)
        self._poses_pub = self.create_publisher(HandPoseArray, 'hand_poses', 10)
        self._markers_pub = self.create_publisher(MarkerArray, 'hand_markers', 10)
        self._wrist_pub = self.create_publisher(PoseStamped, 'wrist_pose', 10)
        self._debug_pub = self.create_publisher(Image, 'debug/crop', 1)
        self._diagnostics_pub = self.create_publisher(DiagnosticArray, '/diagnostics', 10)
        self.create_timer(diagnostics_period_s, self._publish_diagnostics)

    # Callbacks of the executor thread.

    def _on_depth(self, msg: Image) -> None:
        self._stats.received()
        if self._frames.put(msg):
            self._stats.dropped()

    def _on_camera_info(self, msg: CameraInfo) -> None:
        frame_id = msg.header.frame_id
        try:
            self._cameras[frame_id] = camera_from_info_msg(msg)
            self._camera_errors.pop(frame_id, None)
        except InputError as error:
            self._cameras.pop(frame_id, None)
            message = f'camera_info of frame {frame_id!r} is invalid: {error}'
            self._camera_errors[frame_id] = message
            self._warn(message)

    def _on_set_parameters(self, parameters: list[Parameter]) -> SetParametersResult:
        """Validate the changed run-time parameters together with the others, then apply."""
        values = {name: self.get_parameter(name).value for name in RUNTIME_PARAMETERS}
        values.update({parameter.name: parameter.value for parameter in parameters})
        try:
            settings = RuntimeSettings.from_parameters(values)
        except InputError as error:
            return SetParametersResult(successful=False, reason=str(error))
        if self._hand_state is not None:
            self._hand_state.reconfigure(settings.hand_state)
        if settings.estimator != self._settings.estimator:
            estimator = self._estimator
            self._estimator = HandPoseEstimator(estimator.pose_model, estimator.refiner,
                                                settings.estimator)
        self._settings = settings
        return SetParametersResult(successful=True)

    def _publish_diagnostics(self) -> None:
        status = diagnostic_status(f'{self.get_name()}: hand pose pipeline',
                                   self._static_info['device'], self._stats.snapshot(),
                                   self._static_info, self._stats.window_s)
        self._diagnostics_pub.publish(
            DiagnosticArray(header=Header(stamp=self.get_clock().now().to_msg()),
                            status=[status]))

    # The worker thread.

    def _work(self) -> None:
        while (msg := self._frames.take()) is not None:
            self._process(msg)

    def _process(self, msg: Image) -> None:
        """Estimate and publish; bad input and surprises are logged, never fatal."""
        try:
            estimator, settings = self._estimator, self._settings
            result = estimator.estimate(depth_from_image_msg(msg), self._camera(msg.header))
            self._publish(msg.header, result, estimator, settings)
        except InputError as error:
            self._stats.skipped(str(error))
            self._warn(f'skipping depth frame: {error}')
        except Exception as error:   # last resort: a bug must not kill a robot's perception
            self._stats.failed(f'{type(error).__name__}: {error}')
            if self._throttle.allow(repr(error)):
                self.get_logger().error(f'unexpected error, frame skipped:\n'
                                        f'{traceback.format_exc()}')

    def _camera(self, header: Header) -> CameraModel:
        camera = self._cameras.get(header.frame_id)
        if camera is None:
            raise InputError(self._camera_errors.get(header.frame_id) or (
                f'no camera_info for frame {header.frame_id!r} yet on '
                f'{self._info_sub.topic_name}'))
        return camera

    def _publish(self, header: Header, result: HandPoseResult, estimator: HandPoseEstimator,
                 settings: RuntimeSettings) -> None:
        """Publish every output of one frame, then count it."""
        skeleton = estimator.skeleton
        found = result.found and result.score >= settings.min_score
        self._publish_hand(header, result if found else None, skeleton, settings)
        hands_joints_m = [result.joints_mm / MM_PER_M] if found else []
        # Markers are for RViz: built only while something subscribes to them.
        if (hands_joints_m or self._hands_shown) and self._markers_pub.get_subscription_count():
            self._markers_pub.publish(skeleton_markers(hands_joints_m, skeleton, header,
                                                       settings.markers, self._hands_shown))
        self._hands_shown = len(hands_joints_m)
        if found and settings.publish_debug_image:
            self._debug_pub.publish(rgb_image_msg(
                crop_debug_image(result.crop, result.joints_uvd, skeleton), header))
        latency_ns = self.get_clock().now().nanoseconds - stamp_ns(header.stamp)
        self._stats.processed(latency_ns / 1e6, result.tracked)

    def _publish_hand(self, header: Header, result: HandPoseResult | None,
                      skeleton: Skeleton, settings: RuntimeSettings) -> None:
        """Publish hand_poses (empty without a hand) and, with a wrist frame, wrist_pose."""
        if result is None:
            self._poses_pub.publish(HandPoseArray(header=header, hands=[]))
            return
        if self._hands_shown == 0:
            self._track_id += 1     # a new hand, or the old one found again after losing it
            self._hand_state = HandState(self._classifiers, skeleton, settings.hand_state)
        report = self._hand_state.update(result.joints_mm / MM_PER_M,
                                         stamp_ns(header.stamp) / 1e9)
        wrist = wrist_pose(report.wrist_joints_m, skeleton,
                           right_hand=report.handedness.side != 'left')
        hand = hand_pose_msg(result, skeleton, header, self._track_id, wrist, report)
        self._poses_pub.publish(HandPoseArray(header=header, hands=[hand]))
        if wrist is not None:
            self._wrist_pub.publish(PoseStamped(header=header, pose=wrist))

    def _warn(self, message: str) -> None:
        if self._throttle.allow(message):
            self.get_logger().warning(message)


def _warm_up(estimator: HandPoseEstimator) -> None:
    """Run each network once, so that the first frame does not pay for lazy initialisation."""
    pose_model, refiner = estimator.pose_model, estimator.refiner
    pose_model.predict_crops(np.ones((1, pose_model.input_size, pose_model.input_size)))
    if refiner is not None:
        refiner.predict_offset(np.ones((refiner.input_size, refiner.input_size)))


def cpu_threads_beside_dds() -> int:
    """
    Return all usable cores but one (at least one): the network threads' default.

    The spare core serves DDS, this node's executor and the camera driver; on a 2-core machine
    that made the 60 fps latency tails steadier than two network threads (docs/performance.md).
    """
    return max(1, len(os.sched_getaffinity(0)) - 1)


def _reliability(name: str) -> ReliabilityPolicy:
    if name not in RELIABILITY:
        raise InputError(f'reliability must be one of {", ".join(RELIABILITY)}, got {name!r}')
    return RELIABILITY[name]


def main(args: list[str] | None = None) -> int:
    """Run the node; return non-zero (message logged) when it cannot start."""
    return run_node(HandPoseNode, 'hand_pose_node', args)


if __name__ == '__main__':
    sys.exit(main())
