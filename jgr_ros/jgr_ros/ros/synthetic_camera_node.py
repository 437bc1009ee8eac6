# Copyright 2026 jgr_ros contributors. MIT License.
"""
A synthetic depth camera: rendered hands with exact ground truth, as a camera driver would.

Publishes ``depth/image_raw`` (16UC1 millimetres or 32FC1 metres), ``depth/camera_info`` and
``ground_truth/hand_poses`` (jgr_msgs/HandPoseArray: every hand's mano21 joints in metres,
gesture and handedness), all with the same stamp and frame_id, at ``rate_hz``. Frame ``i``
shows ``SyntheticHandGenerator.frame(seed + i)`` (new hands every frame) or, with
``motion_speed_m_s`` > 0, frame ``i`` of ``MotionVideo(seed)`` (moving hands), so a run is
reproducible. ``hands: 2`` shows two hands (moving: apart in the image halves, or passing each
other with ``crossing``). Frames are rendered only while both depth topics have a subscriber:
no work for nobody, and in one process (the demo) no frame is lost to discovery.
"""
from collections import deque
import sys
from typing import Callable

from jgr_msgs.msg import HandPoseArray
from jgr_ros.errors import InputError
from jgr_ros.ros.conversions import (
    camera_info_msg,
    ground_truth_msg,
    image_msg_from_depth,
    stamp_ns,
)
from jgr_ros.ros.entry_point import run_node
from jgr_ros.ros.parameters import declare_parameters, ParameterSpec
from jgr_ros.skeletons import get_skeleton
from jgr_ros.synthetic import (
    CAMERA_PRESETS,
    get_camera_preset,
    MotionConfig,
    MotionVideo,
    SyntheticConfig,
    SyntheticFrame,
    SyntheticHandGenerator,
)
from jgr_ros.units import MM_PER_M
from rclpy.node import Node
from rclpy.qos import QoSProfile, ReliabilityPolicy
from sensor_msgs.msg import CameraInfo, Image
from std_msgs.msg import Header

ENCODINGS = ('16UC1', '32FC1')
# Stamps remembered for frame_at(): a minute at 15 Hz.
_STAMPS_KEPT = 1024

SYNTHETIC_CAMERA_PARAMETERS = (
    ParameterSpec('camera', 'realsense_d435_640x480', 'camera preset (intrinsics, resolution): '
                  + ', '.join(CAMERA_PRESETS), read_only=True),
    ParameterSpec('seed', 0, 'frame i renders seed + i', (0, 2 ** 31 - 1), read_only=True),
    ParameterSpec('rate_hz', 15.0, 'frames per second', (0.1, 200.0), read_only=True),
    ParameterSpec('encoding', '16UC1', '16UC1 (millimetres) or 32FC1 (metres)', read_only=True),
    ParameterSpec('frame_id', 'camera_depth_optical_frame', 'frame_id of every message',
                  read_only=True),
    ParameterSpec('max_frames', 0, 'stop after this many frames (0: never)', (0, 2 ** 31 - 1),
                  read_only=True),
    ParameterSpec('min_distance_m', 0.35, 'nearest hand centre depth, m', (0.1, 5.0),
                  read_only=True),
    ParameterSpec('max_distance_m', 0.9, 'farthest hand centre depth, m', (0.1, 5.0),
                  read_only=True),
    ParameterSpec('motion_speed_m_s', 0.3, '0: a new random hand every frame; > 0: one hand '
                  'moving at about this speed (m/s), the same video for the same seed',
                  (0.0, 5.0), read_only=True),
    ParameterSpec('hands', 1, 'hands in every frame: 1 or 2', (1, 2), read_only=True),
    ParameterSpec('crossing', False, 'two moving hands pass each other in x at different '
                  'depths (else each keeps to its half of the image)', read_only=True),
    ParameterSpec('distractor_probability', 0.0,
                  'share of frames with an unlabelled object near the hand (it may be nearer '
                  'to the camera than the hand, which the localiser assumes it is not)',
                  (0.0, 1.0), read_only=True),
)


class SyntheticCameraNode(Node):
    """Publishes rendered depth frames, their camera_info and their ground truth."""

    def __init__(self, **kwargs):
        """Declare parameters, build the generator (bad settings raise InputError), start."""
        super().__init__('synthetic_camera_node', **kwargs)
        values = declare_parameters(self, SYNTHETIC_CAMERA_PARAMETERS)
        try:
            self._render = _frame_source(values)
        except InputError as error:
            self.destroy_node()
            raise InputError(f'synthetic_camera_node cannot start: {error}') from error
        self._encoding = values['encoding']
        self._frame_id, self._max_frames = values['frame_id'], values['max_frames']
        self._skeleton = get_skeleton('mano21')
        self._frames_published = 0
        self._indices_by_stamp: deque[tuple[int, int]] = deque(maxlen=_STAMPS_KEPT)
        qos = QoSProfile(depth=1, reliability=ReliabilityPolicy.RELIABLE)
        self._depth_pub = self.create_publisher(Image, 'depth/image_raw', qos)
        self._info_pub = self.create_publisher(CameraInfo, 'depth/camera_info', qos)
        self._truth_pub = self.create_publisher(HandPoseArray, 'ground_truth/hand_poses', 10)
        self._timer = self.create_timer(1.0 / values['rate_hz'], self._publish_frame)
        self.get_logger().info(f'publishing {values["camera"]} {self._encoding} frames at '
                               f'{values["rate_hz"]:g} Hz on {self._depth_pub.topic_name}')

    @property
    def frames_published(self) -> int:
        """Return how many frames went out so far."""
        return self._frames_published

    @property
    def finished(self) -> bool:
        """Return whether ``max_frames`` frames were published."""
        return 0 < self._max_frames <= self._frames_published

    def frame_at(self, nanoseconds: int) -> SyntheticFrame | None:
        """Render again the frame stamped at ``nanoseconds`` (None if not among the last ones)."""
        index = dict(self._indices_by_stamp).get(nanoseconds)
        return None if index is None else self._render(index)

    def _publish_frame(self) -> None:
        if not (self._depth_pub.get_subscription_count() and
                self._info_pub.get_subscription_count()):
            return
        index = self._frames_published
        frame = self._render(index)
        header = Header(stamp=self.get_clock().now().to_msg(), frame_id=self._frame_id)
        truth = [ground_truth_msg(hand.joints_mm / MM_PER_M, self._skeleton, header,
                                  hand.handedness, hand.gesture)
                 for hand in (frame, *frame.more_hands)]
        self._info_pub.publish(camera_info_msg(frame.camera, header))
        self._depth_pub.publish(image_msg_from_depth(frame.depth_mm, self._encoding, header))
        self._truth_pub.publish(HandPoseArray(header=header, hands=truth))
        self._indices_by_stamp.append((stamp_ns(header.stamp), index))
        self._frames_published += 1
        if self.finished:
            self._timer.cancel()
            self.get_logger().info(f'done: {self._frames_published} frames published')


def _frame_source(values: dict) -> Callable[[int], SyntheticFrame]:
    """Return frame i of what the parameters describe; bad values raise InputError."""
    if values['encoding'] not in ENCODINGS:
        raise InputError(f'encoding must be one of {", ".join(ENCODINGS)}, '
                         f'got {values["encoding"]!r}')
    camera = get_camera_preset(values['camera'])
    config = SyntheticConfig.narrow(  # a user showing a hand, or two
        distance_range_m=(values['min_distance_m'], values['max_distance_m']),
        distractor_probability=values['distractor_probability'],
        two_hand_probability=float(values['hands'] == 2))
    if values['motion_speed_m_s'] > 0.0:
        video = MotionVideo(camera, values['seed'], values['rate_hz'], config,
                            MotionConfig(speed_m_s=values['motion_speed_m_s']),
                            values['hands'], values['crossing'])
        return video.frame
    generator = SyntheticHandGenerator(camera, config)
    return lambda index: generator.frame(values['seed'] + index)


def main(args: list[str] | None = None) -> int:
    """Run the node; return non-zero (message logged) when it cannot start."""
    return run_node(SyntheticCameraNode, 'synthetic_camera_node', args,
                    finished=lambda node: node.finished)


if __name__ == '__main__':
    sys.exit(main())
