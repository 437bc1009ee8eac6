# Copyright 2026 jgr_ros contributors. MIT License.
"""
The hand-pose node: depth images in, 3-D hands out.

Subscribes ``depth/image_raw`` and ``depth/camera_info`` (remap them to your driver's topics;
see launch/hand_pose.launch.py) and publishes, with the depth image's stamp and frame_id:
``hand_poses`` (jgr_msgs/HandPoseArray: every processed frame, up to ``max_hands`` hands,
best first, each with its ``track_id``; empty when no hand), ``hand_markers`` (RViz
skeletons, one namespace per track, deleted when the track ends), ``wrist_pose``
(geometry_msgs/PoseStamped of the best hand of the frame, when it has a wrist
frame), ``/diagnostics`` and, on request, ``debug/crop`` (the best hand's crop).
Each track has its own :class:`HandState` (gesture, handedness, One Euro filter), dropped when
the track ends.

Threading: the subscription callback only stores the newest frame in a one-slot mailbox; a
worker thread runs the network on the newest frame and publishes. A frame replaced before the
worker took it is counted as dropped, so latency never builds up behind a slow network, and the
node works under any executor.

Two flavours share :class:`HandPosePipeline`: :class:`HandPoseNode` (plain: loads and starts in
its constructor, the default) and :class:`ManagedHandPoseNode` (lifecycle: configure loads the
models, activate subscribes and publishes, deactivate stops, cleanup frees them).
"""
import os
import re
import sys
import threading
import time
import traceback
from typing import Any

from diagnostic_msgs.msg import DiagnosticArray
from geometry_msgs.msg import PoseStamped
from jgr_msgs.msg import HandPoseArray
from jgr_ros.camera import CameraModel
from jgr_ros.errors import InputError
from jgr_ros.hand_state import HandClassifiers, HandReport, HandState
from jgr_ros.pipeline import HandPoseEstimator, HandPoseFrame, HandPoseResult
from jgr_ros.ros.camera_infos import CameraInfoCache
from jgr_ros.ros.conversions import (
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
    PARAMETER_NAMES,
    RuntimeSettings,
)
from jgr_ros.runtime import load_estimator_with_cpu_fallback, slower_backend_reason
from jgr_ros.skeletons import Skeleton
import numpy as np
from rcl_interfaces.msg import SetParametersResult
from rclpy.lifecycle import LifecycleNode, LifecycleState, TransitionCallbackReturn
from rclpy.node import Node
from rclpy.parameter import Parameter
from rclpy.qos import QoSProfile, ReliabilityPolicy
from sensor_msgs.msg import CameraInfo, Image
from std_msgs.msg import Header
import torch
from visualization_msgs.msg import MarkerArray

# A VGA depth camera: the localiser's start-up run needs one (see _warm_up).
WARM_UP_CAMERA = CameraModel(640, 480, 500.0, 500.0, 319.5, 239.5)
RELIABILITY = {'best_effort': ReliabilityPolicy.BEST_EFFORT,
               'reliable': ReliabilityPolicy.RELIABLE}
# A warning of the same kind is repeated at most this often.
WARNING_PERIOD_S = 5.0
# What varies within one kind of warning: quoted names (frame_ids, encodings) and numbers.
_WARNING_VALUES = re.compile(r"'[^']*'|\"[^\"]*\"|\bnan\b|\binf\b"
                             r'|[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?')


def warning_kind(message: str) -> str:
    """Return ``message`` with its values blanked: messages of one kind map to one string."""
    return _WARNING_VALUES.sub('_', message)


class WarningThrottle:
    """Let each kind of message (see :func:`warning_kind`) through once per ``period_s``."""

    def __init__(self, period_s: float, max_kinds: int = 64):
        self.period_s, self.max_kinds = period_s, max_kinds
        self._last_s: dict[str, float] = {}
        self._lock = threading.Lock()

    def allow(self, message: str) -> bool:
        """Return whether ``message`` may be logged now (and remember that its kind was)."""
        kind, now_s = warning_kind(message), time.monotonic()
        with self._lock:
            if now_s - self._last_s.get(kind, -float('inf')) < self.period_s:
                return False
            if len(self._last_s) >= self.max_kinds:   # bounded: forget the oldest
                del self._last_s[min(self._last_s, key=self._last_s.get)]
            self._last_s[kind] = now_s
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


class HandPosePipeline:
    """
    The hand-pose node's work, in the steps a lifecycle node takes one by one.

    :meth:`_declare` (parameters, once), :meth:`_load` (models: configure), :meth:`_start`
    (topics and worker: activate), :meth:`_stop` (deactivate) and :meth:`_free` (cleanup).
    Mixed into a :class:`Node` or a :class:`LifecycleNode` (see the two classes below).
    """

    def _declare(self) -> None:
        """Declare the parameters and take the run-time settings from them."""
        self._values = declare_parameters(self, HAND_POSE_PARAMETERS)
        self._settings = RuntimeSettings.from_parameters(self._values)
        self._reliability = _reliability(self._values['reliability'])
        self._estimator: HandPoseEstimator | None = None
        self._worker: threading.Thread | None = None
        self._throttle = WarningThrottle(WARNING_PERIOD_S)
        self.add_on_set_parameters_callback(self._on_set_parameters)

    def _load(self) -> None:
        """Load the models (missing files raise InputError); a failing GPU falls back to CPU."""
        values = self._values
        torch.set_num_threads(values['cpu_threads'] or cpu_threads_beside_dds())

        def load(device: str) -> HandPoseEstimator:
            estimator = HandPoseEstimator.from_files(
                values['model'] or None, values['center_model'] or None, device,
                self._settings.estimator, values['backend'], values['detector_model'] or None,
                values['verifier_model'] or None, values['precision'])
            _warm_up(estimator)
            return estimator
        self._estimator, fallback_reason = load_estimator_with_cpu_fallback(
            load, values['device'])
        self._classifiers = HandClassifiers.load(values['hand_classifiers'],
                                                 self._estimator.skeleton)
        pose_model = self._estimator.pose_model
        self._static_info = {'device': str(pose_model.device), 'backend': pose_model.backend,
                             'precision': 'int8' if pose_model.int8 else 'fp32',
                             'cpu_threads': str(torch.get_num_threads()),
                             'model': str(pose_model.path),
                             'center_model': str(self._estimator.refiner.path),
                             'detector': values['detector'],
                             'hand_classifiers': str(self._classifiers.path)}
        if self._estimator.detector is not None:   # the learned one: a model file
            self._static_info['detector_model'] = str(self._estimator.detector.path)
            self._static_info['verifier_model'] = str(self._estimator.verifier.path)
        slower = fallback_reason or slower_backend_reason(values['backend'], pose_model,
                                                          values['precision'])
        if slower:
            self._static_info['slower_than_possible'] = slower
            self.get_logger().warning(slower)
        self._stats = PipelineStats()
        self._cameras = CameraInfoCache()
        self._hand_states: dict[int, HandState] = {}   # by track id, the tracks of last frame

    def _start(self) -> None:
        """Subscribe, advertise, start the worker; log the ready line."""
        self._frames = LatestFrame()
        self._worker = threading.Thread(target=self._work, name='hand_pose_worker', daemon=True)
        self._create_topics(self._reliability, self._values['diagnostics_period_s'])
        self._worker.start()
        slower = self._static_info.get('slower_than_possible')
        self.get_logger().info(
            f'ready: model {self._static_info["model"]} on {self._static_info["device"]} '
            f'({self._static_info["backend"]}, {self._static_info["precision"]}'
            f'{"; SLOWER: " + slower if slower else ""}), '
            f'waiting for {self._depth_sub.topic_name} + {self._info_sub.topic_name} '
            f'({self._values["reliability"]})')

    def _stop(self) -> None:
        """Stop the worker (it finishes its frame), then the topics."""
        if self._worker is None:
            return
        self._frames.close()
        if self._worker.is_alive():
            self._worker.join(timeout=5.0)
        self._worker = None
        for entity in self._topics:
            self._destroy(entity)

    def _free(self) -> None:
        """Drop the models."""
        self._estimator = None

    @property
    def static_info(self) -> dict[str, str]:
        """Return the device and the model files in use, as reported on /diagnostics."""
        return dict(self._static_info)

    @property
    def stats(self) -> PipelineStats:
        """Return the run-time statistics (rates, latency, counters) behind /diagnostics."""
        return self._stats

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
        self._diagnostics_timer = self.create_timer(diagnostics_period_s,
                                                    self._publish_diagnostics)
        self._topics = (self._info_sub, self._depth_sub, self._poses_pub, self._markers_pub,
                        self._wrist_pub, self._debug_pub, self._diagnostics_pub,
                        self._diagnostics_timer)

    def _destroy(self, entity: Any) -> None:
        for destroy in (self.destroy_subscription, self.destroy_publisher, self.destroy_timer):
            if destroy(entity):
                return

    # Callbacks of the executor thread.

    def _on_depth(self, msg: Image) -> None:
        self._stats.received()
        if self._frames.put(msg):
            self._stats.dropped()

    def _on_camera_info(self, msg: CameraInfo) -> None:
        error = self._cameras.update(msg)
        if error:
            self._warn(error)

    def _on_set_parameters(self, parameters: list[Parameter]) -> SetParametersResult:
        """Validate the changed run-time parameters together with the others, then apply."""
        values = {name: self.get_parameter(name).value for name in PARAMETER_NAMES}
        values.update({parameter.name: parameter.value for parameter in parameters})
        try:
            settings = RuntimeSettings.from_parameters(values)
            estimator = self._estimator
            if estimator is not None and settings.estimator != self._settings.estimator:
                self._estimator = estimator.reconfigured(settings.estimator)
        except InputError as error:
            return SetParametersResult(successful=False, reason=str(error))
        for hand_state in list(self._hand_states.values()):
            hand_state.reconfigure(settings.hand_state)
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
        estimator, settings = self._estimator, self._settings
        try:
            camera = self._cameras.camera(msg.header.frame_id, self._info_sub.topic_name)
            frame = estimator.estimate(depth_from_image_msg(msg), camera)
            self._publish(msg.header, frame, estimator, settings)
        except InputError as error:
            estimator.reset_tracking()   # the video has a gap: search the next frame
            self._stats.skipped(str(error))
            self._warn(f'skipping depth frame: {error}')
        except Exception as error:   # last resort: a bug must not kill a robot's perception
            estimator.reset_tracking()
            self._stats.failed(f'{type(error).__name__}: {error}')
            if self._throttle.allow(repr(error)):
                self.get_logger().error(f'unexpected error, frame skipped:\n'
                                        f'{traceback.format_exc()}')

    def _publish(self, header: Header, frame: HandPoseFrame, estimator: HandPoseEstimator,
                 settings: RuntimeSettings) -> None:
        """Publish every output of one frame, then count it."""
        skeleton = estimator.skeleton
        ended_track_ids = [track_id for track_id in self._hand_states
                           if track_id not in {hand.track_id for hand in frame.hands}]
        self._publish_hands(header, frame.hands, skeleton, settings)
        # Markers are for RViz: built only while something subscribes to them.
        if (frame.hands or ended_track_ids) and self._markers_pub.get_subscription_count():
            hands_joints_m = {hand.track_id: hand.joints_mm / MM_PER_M for hand in frame.hands}
            self._markers_pub.publish(skeleton_markers(hands_joints_m, skeleton, header,
                                                       settings.markers, ended_track_ids))
        if frame.hands and settings.publish_debug_image:
            best = frame.best
            self._debug_pub.publish(rgb_image_msg(
                crop_debug_image(best.crop, best.joints_uvd, skeleton), header))
        latency_ns = self.get_clock().now().nanoseconds - stamp_ns(header.stamp)
        self._stats.processed(latency_ns / 1e6, frame.tracked)

    def _publish_hands(self, header: Header, hands: list[HandPoseResult], skeleton: Skeleton,
                       settings: RuntimeSettings) -> None:
        """Publish hand_poses (empty without a hand) and the best hand's wrist_pose."""
        reports = self._hand_reports(hands, stamp_ns(header.stamp) / 1e9, skeleton, settings)
        wrists = [wrist_pose(report.wrist_joints_m, skeleton,
                             right_hand=report.handedness.side != 'left') for report in reports]
        self._poses_pub.publish(HandPoseArray(header=header, hands=[
            hand_pose_msg(hand, skeleton, header, wrist, report)
            for hand, wrist, report in zip(hands, wrists, reports)]))
        if wrists and wrists[0] is not None:   # the best hand's
            self._wrist_pub.publish(PoseStamped(header=header, pose=wrists[0]))

    def _hand_reports(self, hands: list[HandPoseResult], time_s: float, skeleton: Skeleton,
                      settings: RuntimeSettings) -> list[HandReport]:
        """
        Update each hand's track state (a new track starts a new one); return their reports.

        The states of tracks that ended (no hand of this frame continues them) are dropped.
        """
        states = {hand.track_id: (self._hand_states.get(hand.track_id)
                                  or HandState(self._classifiers, skeleton, settings.hand_state))
                  for hand in hands}
        self._hand_states = states
        return [states[hand.track_id].update(hand.joints_mm / MM_PER_M, time_s)
                for hand in hands]

    def _warn(self, message: str) -> None:
        if self._throttle.allow(message):
            self.get_logger().warning(message)


class HandPoseNode(HandPosePipeline, Node):
    """Runs :class:`HandPoseEstimator` on every depth frame and publishes the results."""

    def __init__(self, **kwargs):
        """Declare parameters, load the models (fail fast), then start topics and the worker."""
        super().__init__('hand_pose_node', **kwargs)
        try:
            self._declare()
            self._load()
        except InputError as error:
            self.destroy_node()
            raise InputError(f'hand_pose_node cannot start: {error}') from error
        self._start()

    def destroy_node(self) -> None:
        """Stop the worker thread, then the node."""
        if hasattr(self, '_worker'):
            self._stop()
        super().destroy_node()


class ManagedHandPoseNode(HandPosePipeline, LifecycleNode):
    """
    The hand-pose node as a lifecycle node, for robot stacks that start perception in steps.

    configure loads the models (a missing file fails the transition, with the reason logged),
    activate subscribes and publishes, deactivate stops, cleanup frees the models.
    """

    def __init__(self, **kwargs):
        """Declare the parameters; nothing is loaded until configure."""
        super().__init__('hand_pose_node', **kwargs)
        self._declare()

    def on_configure(self, state: LifecycleState) -> TransitionCallbackReturn:
        """Load the models."""
        try:
            self._load()
        except InputError as error:
            self.get_logger().error(f'configure failed: {error}')
            return TransitionCallbackReturn.FAILURE
        return TransitionCallbackReturn.SUCCESS

    def on_activate(self, state: LifecycleState) -> TransitionCallbackReturn:
        """Subscribe and publish."""
        self._start()
        return super().on_activate(state)

    def on_deactivate(self, state: LifecycleState) -> TransitionCallbackReturn:
        """Stop processing and publishing."""
        self._stop()
        return super().on_deactivate(state)

    def on_cleanup(self, state: LifecycleState) -> TransitionCallbackReturn:
        """Free the models."""
        self._free()
        return TransitionCallbackReturn.SUCCESS

    def on_shutdown(self, state: LifecycleState) -> TransitionCallbackReturn:
        """Stop and free whatever runs."""
        self._stop()
        self._free()
        return TransitionCallbackReturn.SUCCESS

    def destroy_node(self) -> None:
        """Stop the worker thread, then the node."""
        self._stop()
        super().destroy_node()


def _warm_up(estimator: HandPoseEstimator) -> None:
    """
    Run each network once, so that the first frame does not pay for lazy initialisation.

    The localiser (the learned detector is a network too) looks at an empty frame of
    :data:`WARM_UP_CAMERA`; what it finds there does not matter.
    """
    pose_model, refiner = estimator.pose_model, estimator.refiner
    pose_model.predict_crops(np.ones((1, pose_model.input_size, pose_model.input_size)))
    if refiner is not None:
        refiner.predict_offset(np.ones((refiner.input_size, refiner.input_size)))
    estimator.localizer.locate_hands(
        np.zeros((WARM_UP_CAMERA.height, WARM_UP_CAMERA.width), np.float32), WARM_UP_CAMERA,
        estimator.config.max_hands)


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


def managed_main(args: list[str] | None = None) -> int:
    """Run the managed (lifecycle) node; it waits for configure and activate."""
    return run_node(ManagedHandPoseNode, 'hand_pose_node', args)


if __name__ == '__main__':
    sys.exit(main())
