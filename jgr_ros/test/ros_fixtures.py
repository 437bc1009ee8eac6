# Copyright 2026 jgr_ros contributors. MIT License.
"""
Test helpers for the ROS nodes: small untrained model files and a rig around a live node.

The rig starts a real :class:`HandPoseNode` in the harness's isolated context, publishes depth
and camera_info to it over DDS and records everything it publishes (and its /rosout lines).
"""
from dataclasses import replace
import functools
import pathlib

from geometry_msgs.msg import PoseStamped
from jgr_msgs.msg import HandPoseArray
from jgr_ros.camera import CameraModel
from jgr_ros.center_net import CenterRefineNet
from jgr_ros.model import JGRP2O
from jgr_ros.model_file import ModelInfo, save_model
from jgr_ros.ros.conversions import camera_info_msg, image_msg_from_depth
from jgr_ros.ros.hand_pose_node import HandPoseNode
from jgr_ros.skeletons import get_skeleton
from jgr_ros.synthetic import (
    get_camera_preset,
    motion_frames,
    MotionConfig,
    SyntheticConfig,
    SyntheticFrame,
    SyntheticHandGenerator,
)
from jgr_ros.synthetic.scene import sample_scene
import numpy as np
from rcl_interfaces.msg import Log
from rclpy.parameter import Parameter
from sensor_msgs.msg import CameraInfo, Image
from std_msgs.msg import Header
import torch
from visualization_msgs.msg import MarkerArray

CAMERA_PRESET = 'realsense_d435_640x480'
FRAME_ID = 'camera_depth_optical_frame'
FRAME_CONFIG = SyntheticConfig.narrow(distance_range_m=(0.35, 0.9), distractor_probability=0.0)
# A moving hand at 30 fps: about 20 mm per frame, one track throughout.
MOTION_RATE_HZ, MOTION = 30.0, MotionConfig(speed_m_s=0.6)


def write_tiny_models(directory: pathlib.Path) -> tuple[pathlib.Path, pathlib.Path]:
    """
    Write an untrained one-stack JGR-P2O and centre net; return their paths.

    Untrained, JGR-P2O votes every joint onto the crop centre: a degenerate palm without a
    wrist frame, smaller than any hand (the pipeline's is_hand_sized drops it). Amplifying its
    offset head spreads the (meaningless) skeleton over a hand's size (joints 35-40 mm from
    their mean on the fixture's frames).
    """
    torch.manual_seed(0)
    skeleton = get_skeleton('mano21')
    pose_model = JGRP2O(21, num_stacks=1, adjacency=skeleton.adjacency())
    with torch.no_grad():
        pose_model.stacks[-1].fuse[1].running_var.fill_(1e-4)
        pose_model.stacks[-1].to_offsets.weight.mul_(400.0)
    pose_path, center_path = directory / 'tiny_jgr_p2o.pt', directory / 'tiny_center.pt'
    save_model(pose_path, pose_model,
               ModelInfo('jgr_p2o', 'mano21', 21, skeleton.default_cube_mm, 96, num_stacks=1))
    save_model(center_path, CenterRefineNet(),
               ModelInfo('center_refine', 'mano21', 21, skeleton.default_cube_mm, 128))
    return pose_path, center_path


@functools.lru_cache(maxsize=64)
def synthetic_frame(seed: int) -> SyntheticFrame:
    """Return a synthetic frame, one hand and no distractor in front (cached for reuse)."""
    return SyntheticHandGenerator(get_camera_preset(CAMERA_PRESET), FRAME_CONFIG).frame(seed)


def clutter_only_frame(seed: int, **probabilities: float) -> SyntheticFrame:
    """
    Return a frame of the synthetic world's clutter without its hand (moved out of range).

    ``probabilities`` are SyntheticConfig fields (body, wall, table, distractor, ...); the
    frame's labels are those of the hand that is not there.
    """
    config = replace(FRAME_CONFIG, **probabilities)
    generator = SyntheticHandGenerator(get_camera_preset(CAMERA_PRESET), config)
    rng = np.random.default_rng(seed)
    scene = sample_scene(rng, generator.camera, config)
    out_of_range = scene.hand.transformed(np.eye(3), np.array([0.0, 0.0, 30.0]))
    return generator.render(replace(scene, hand=out_of_range), rng)


@functools.lru_cache(maxsize=8)
def moving_hand(seed: int, count: int) -> tuple[SyntheticFrame, ...]:
    """Return ``count`` frames of a hand moving at 0.6 m/s, 30 fps (cached for reuse)."""
    return tuple(motion_frames(get_camera_preset(CAMERA_PRESET), seed, count, MOTION_RATE_HZ,
                               FRAME_CONFIG, MOTION))


class NodeRig:
    """A live hand-pose node with a test node that feeds it and records its outputs."""

    def __init__(self, ros, **parameters):
        self.ros = ros
        self.node = HandPoseNode(context=ros.context, namespace=ros.prefix, parameter_overrides=[
            Parameter(name, value=value) for name, value in parameters.items()])
        ros.executor.add_node(self.node)
        ros.nodes.append(self.node)
        io = ros.node('test_io')
        self.io = io
        self.depth_pub = io.create_publisher(Image, ros.topic('depth/image_raw'), 10)
        self.info_pub = io.create_publisher(CameraInfo, ros.topic('depth/camera_info'), 10)
        self.poses, self.markers, self.wrists, self.logs = [], [], [], []
        self._cameras_sent: dict[str, object] = {}
        io.create_subscription(HandPoseArray, ros.topic('hand_poses'), self.poses.append, 50)
        io.create_subscription(MarkerArray, ros.topic('hand_markers'), self.markers.append, 50)
        io.create_subscription(PoseStamped, ros.topic('wrist_pose'), self.wrists.append, 50)
        io.create_subscription(Log, '/rosout', self._on_log, 100)
        assert ros.spin_until(lambda: self.depth_pub.get_subscription_count() == 1
                              and self.info_pub.get_subscription_count() == 1
                              and self.node.count_publishers(ros.topic('hand_poses')) == 1
                              and io.count_subscribers(ros.topic('hand_poses')) >= 1), \
            'no discovery between the test and the node'

    def header(self, frame_id: str = FRAME_ID) -> Header:
        """Return a fresh header stamped now."""
        return Header(stamp=self.io.get_clock().now().to_msg(), frame_id=frame_id)

    def send_camera_info(self, camera: CameraModel | CameraInfo, header: Header) -> None:
        """Publish camera_info (a model or a raw message) and give the node time to take it."""
        if self._cameras_sent.get(header.frame_id) == camera:
            return
        self._cameras_sent[header.frame_id] = camera
        self.info_pub.publish(camera if isinstance(camera, CameraInfo)
                              else camera_info_msg(camera, header))
        self.ros.spin_until(lambda: False, timeout_s=0.2)

    def send_frame(self, frame: SyntheticFrame, encoding: str = '16UC1',
                   frame_id: str = FRAME_ID) -> HandPoseArray | None:
        """Publish a synthetic frame and return the node's answer to it."""
        return self.send_depth(frame.depth_mm, frame.camera, encoding, frame_id)

    def send_depth(self, depth_mm: np.ndarray, camera: CameraModel, encoding: str = '16UC1',
                   frame_id: str = FRAME_ID) -> HandPoseArray | None:
        """Publish depth (with its camera_info) and return the node's answer to it."""
        header = self.header(frame_id)
        self.send_camera_info(camera, header)
        return self.answer_to(image_msg_from_depth(depth_mm, encoding, header))

    def answer_to(self, image: Image, timeout_s: float = 10.0) -> HandPoseArray | None:
        """Publish ``image`` and return the hand_poses message with its stamp (None: none)."""
        self.depth_pub.publish(image)
        self.ros.spin_until(lambda: self.find(image.header) is not None, timeout_s)
        return self.find(image.header)

    def find(self, header: Header) -> HandPoseArray | None:
        """Return the recorded hand_poses message stamped like ``header``, if any."""
        return next((msg for msg in self.poses if msg.header.stamp == header.stamp), None)

    def warnings(self) -> list[str]:
        """Return the node's WARN lines from /rosout so far."""
        return [log.msg for log in self.logs if log.level == Log.WARN]

    def _on_log(self, log: Log) -> None:
        if log.name.endswith('hand_pose_node'):
            self.logs.append(log)


def node_on_models(ros, models: tuple[pathlib.Path, pathlib.Path], **parameters) -> NodeRig:
    """
    Start the node on (pose, centre) model files without centre refinement or recentring.

    On untrained models (:func:`write_tiny_models`) refinement and recentring around the
    estimated joints would only add noise: the hands' centres are the detector's.
    """
    pose_path, center_path = models
    return NodeRig(ros, **{'model': str(pose_path), 'center_model': str(center_path),
                           'refine_iterations': 0, 'recentre_iterations': 0, **parameters})
