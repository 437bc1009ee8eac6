# Copyright 2026 jgr_ros contributors. MIT License.
"""
Gesture and handedness accuracy through the live node, over DDS, on held-out rendered hands.

    python -m jgr_ros.ros.gesture_eval [--scenes 440] [--hold 5] [--output docs]

A player node acts as the depth camera: for scene i it renders a still hand showing gesture
``GESTURES[i % 11]`` (seed 6,100,000 + i; a random hand, side, orientation and place in the
synthetic camera's world: 0.35-0.9 m, body, wall and table behind it now and then) and
publishes it ``--hold`` times, each with fresh sensor noise, then one frame without a hand (a
wall beyond the working range), so every scene is a new track. Each frame waits for the
node's answer (nothing is dropped). Scored per scene on the last held frame: the debounced
gesture and the track's handedness; and, on the first frame, the handedness one frame gives.
Then, for handedness over longer tracks, ``--videos`` moving hands (:class:`MotionVideo` at
0.3 m/s, 30 fps, seeds 6,200,000 + i, the synthetic camera's world) are shown
``--video-frames`` frames each, a frame without a hand after each; scored per frame. Writes
``gesture_results.json`` and ``gesture_confusion.png`` to ``--output``.
"""
import argparse
from dataclasses import replace
import json
import pathlib
import sys
import time

from jgr_msgs.msg import HandPose, HandPoseArray
from jgr_ros.gesture_training import confusion_matrix, GESTURE_LABELS, write_report
from jgr_ros.gestures import NO_GESTURE
from jgr_ros.ros.conversions import camera_info_msg, image_msg_from_depth
from jgr_ros.ros.hand_pose_node import HandPoseNode
from jgr_ros.runtime import add_precision_argument
from jgr_ros.synthetic import (
    GESTURES,
    get_camera_preset,
    MotionVideo,
    SyntheticConfig,
    SyntheticHandGenerator,
)
from jgr_ros.synthetic.scene import sample_scene
import numpy as np
import rclpy
from rclpy.executors import SingleThreadedExecutor
from rclpy.parameter import Parameter
from sensor_msgs.msg import CameraInfo, Image
from std_msgs.msg import Header

SEED_START = 6_100_000
CAMERA = 'realsense_d435_640x480'
FRAME_ID = 'camera_depth_optical_frame'
# The synthetic camera node's world (its default parameters).
WORLD = SyntheticConfig.narrow(distance_range_m=(0.35, 0.9), distractor_probability=0.0,
                               gesture_probability=1.0)
NO_HAND_DEPTH_MM = 2500   # a wall beyond the node's working range
ANSWER_TIMEOUT_S = 10.0
# Moving hands (handedness over a track): the synthetic camera's world and speed, 30 fps.
VIDEO_SEED_START = 6_200_000
VIDEO_RATE_HZ = 30.0
VIDEO_WORLD = SyntheticConfig.narrow(distance_range_m=(0.35, 0.9), distractor_probability=0.0)
SIDES = {HandPose.HANDEDNESS_LEFT: 'left', HandPose.HANDEDNESS_RIGHT: 'right'}


class Player:
    """Publishes depth frames to the node and waits for each answer."""

    def __init__(self, context: rclpy.Context, executor: SingleThreadedExecutor):
        self.node = rclpy.create_node('gesture_eval_player', context=context)
        executor.add_node(self.node)
        self.executor = executor
        self._depth_pub = self.node.create_publisher(Image, 'depth/image_raw', 10)
        self._info_pub = self.node.create_publisher(CameraInfo, 'depth/camera_info', 10)
        self._answers: dict[tuple[int, int], HandPoseArray] = {}
        self.node.create_subscription(HandPoseArray, 'hand_poses', self._on_answer, 50)

    def _on_answer(self, msg: HandPoseArray) -> None:
        self._answers[(msg.header.stamp.sec, msg.header.stamp.nanosec)] = msg

    def spin_until(self, condition, timeout_s: float) -> bool:
        deadline = time.monotonic() + timeout_s
        while not condition() and time.monotonic() < deadline:
            self.executor.spin_once(timeout_sec=0.01)
        return condition()

    def send(self, depth_mm: np.ndarray, camera) -> HandPoseArray | None:
        """Publish one frame (with its camera_info); return the node's answer (None: none)."""
        header = Header(stamp=self.node.get_clock().now().to_msg(), frame_id=FRAME_ID)
        key = (header.stamp.sec, header.stamp.nanosec)
        self._info_pub.publish(camera_info_msg(camera, header))
        self._depth_pub.publish(image_msg_from_depth(depth_mm, '16UC1', header))
        self.spin_until(lambda: key in self._answers, ANSWER_TIMEOUT_S)
        return self._answers.pop(key, None)


def play_scene(player: Player, generator: SyntheticHandGenerator, index: int,
               hold: int) -> dict:
    """Show scene ``index`` for ``hold`` frames, then no hand; return what the node said."""
    gesture = GESTURES[index % len(GESTURES)]
    seed = SEED_START + index
    config = replace(WORLD, gestures=(gesture,))
    scene = sample_scene(np.random.default_rng(seed), generator.camera, config)
    answers = [player.send(generator.render(scene, np.random.default_rng((seed, frame)))
                           .depth_mm, generator.camera) for frame in range(hold)]
    player.send(np.full((generator.camera.height, generator.camera.width),
                        NO_HAND_DEPTH_MM, np.uint16), generator.camera)
    hands = [answer.hands[0] if answer is not None and answer.hands else None
             for answer in answers]
    last, first = hands[-1], hands[0]
    return {'seed': seed, 'gesture': gesture, 'side': scene.handedness,
            'reported': (last.gesture or NO_GESTURE) if last else '',
            'gesture_confidence': float(last.gesture_confidence) if last else 0.0,
            'track_side': SIDES.get(last.handedness, '') if last else '',
            'first_frame_side': SIDES.get(first.handedness, '') if first else '',
            'hands_found': sum(hand is not None for hand in hands)}


def play_video(player: Player, video: MotionVideo, frames: int) -> list[str]:
    """Show the first ``frames`` of ``video``, then no hand; return the side per frame."""
    sides = []
    for index in range(frames):
        frame = video.frame(index)
        answer = player.send(frame.depth_mm, frame.camera)
        hand = answer.hands[0] if answer is not None and answer.hands else None
        sides.append(SIDES.get(hand.handedness, '') if hand else '')
    camera = video.hand.camera
    player.send(np.full((camera.height, camera.width), NO_HAND_DEPTH_MM, np.uint16), camera)
    return sides


def video_handedness(player: Player, videos: int, frames: int) -> dict:
    """Per-frame handedness over moving-hand tracks (a frame without a hand counts as wrong)."""
    correct = []
    for index in range(videos):
        video = MotionVideo(get_camera_preset(CAMERA), VIDEO_SEED_START + index, VIDEO_RATE_HZ,
                            VIDEO_WORLD)
        correct.append([side == video.hand.handedness
                        for side in play_video(player, video, frames)])
    correct = np.array(correct)
    return {'videos': videos, 'frames_per_video': frames, 'rate_hz': VIDEO_RATE_HZ,
            'seeds': [VIDEO_SEED_START, VIDEO_SEED_START + videos],
            'accuracy_all_frames': float(correct.mean()),
            'accuracy_first_frame': float(correct[:, 0].mean()),
            'accuracy_after_10_frames': float(correct[:, 10:].mean()),
            'tracks_right_at_the_end': float(correct[:, -1].mean())}


def summarize(scenes: list[dict]) -> dict:
    """Accuracies over the scenes (a scene whose hand was lost counts as wrong)."""
    truth = np.array([scene['gesture'] for scene in scenes])
    reported = np.array([scene['reported'] for scene in scenes])
    sides = np.array([scene['side'] for scene in scenes])
    track_sides = np.array([scene['track_side'] for scene in scenes])
    first_sides = np.array([scene['first_frame_side'] for scene in scenes])
    return {
        'scenes': len(scenes),
        'gesture_accuracy': float(np.mean(reported == truth)),
        'per_gesture_accuracy': {gesture: float(np.mean(reported[truth == gesture] == gesture))
                                 for gesture in GESTURES},
        'reported_none': float(np.mean(reported == NO_GESTURE)),
        'handedness_accuracy_track': float(np.mean(track_sides == sides)),
        'handedness_accuracy_first_frame': float(np.mean(first_sides == sides)),
        'confusion': confusion_matrix(truth, reported, GESTURE_LABELS).tolist(),
    }


def main(argv: list[str] | None = None) -> int:
    """Start the node and the player, play the scenes, write the results."""
    parser = argparse.ArgumentParser(prog='python -m jgr_ros.ros.gesture_eval',
                                     description=__doc__.split('\n\n')[0].strip())
    parser.add_argument('--scenes', type=int, default=440, help='held-out scenes (40 per '
                        'gesture by default)')
    parser.add_argument('--hold', type=int, default=5, help='frames each scene is held')
    parser.add_argument('--output', default='out/gestures', help='folder for the results')
    parser.add_argument('--videos', type=int, default=20, help='moving-hand videos for '
                        'handedness over tracks (0: none)')
    parser.add_argument('--video-frames', type=int, default=60, help='frames per video')
    parser.add_argument('--device', default='cpu', help='auto, cpu, cuda or cuda:N')
    parser.add_argument('--gesture-min-frames', type=int, help="the node's gesture_min_frames "
                        '(default: its default)')
    parser.add_argument('--hand-classifiers', help="the node's hand_classifiers file (default: "
                        'the shipped one)')
    parser.add_argument('--model', help="the node's JGR-P2O model file (default: the shipped one)")
    parser.add_argument('--verifier-model', help="the node's hand-verifier file (default: the "
                        'shipped one)')
    parser.add_argument('--average-mirrored', action='store_true',
                        help="set the node's average_mirrored (default: off, its default)")
    add_precision_argument(parser)
    args = parser.parse_args(argv)
    context = rclpy.Context()
    rclpy.init(context=context)
    executor = SingleThreadedExecutor(context=context)
    overrides = [Parameter('device', value=args.device),
                 Parameter('precision', value=args.precision),
                 Parameter('average_mirrored', value=args.average_mirrored)]
    if args.gesture_min_frames is not None:
        overrides.append(Parameter('gesture_min_frames', value=args.gesture_min_frames))
    for name, value in (('hand_classifiers', args.hand_classifiers), ('model', args.model),
                        ('verifier_model', args.verifier_model)):
        if value is not None:
            overrides.append(Parameter(name, value=value))
    hand_node = HandPoseNode(context=context, parameter_overrides=overrides)
    min_frames = hand_node.get_parameter('gesture_min_frames').value
    executor.add_node(hand_node)
    player = Player(context, executor)
    generator = SyntheticHandGenerator(get_camera_preset(CAMERA), WORLD)
    try:
        player.spin_until(lambda: hand_node.count_subscribers('hand_poses') > 0, 10.0)
        scenes = []
        for index in range(args.scenes):
            scenes.append(play_scene(player, generator, index, args.hold))
            if (index + 1) % 44 == 0:
                print(f'{index + 1}/{args.scenes}: {summarize(scenes)["gesture_accuracy"]:.3f}',
                      flush=True)
        tracks = video_handedness(player, args.videos, args.video_frames) if args.videos \
            else None
    finally:
        for node in (hand_node, player.node):
            executor.remove_node(node)
            node.destroy_node()
        executor.shutdown()
        rclpy.shutdown(context=context)
    results = {'seeds': [SEED_START, SEED_START + args.scenes], 'hold_frames': args.hold,
               'gesture_min_frames': min_frames,
               'camera': CAMERA, 'classifier': hand_node.static_info.get('hand_classifiers'),
               **summarize(scenes), 'handedness_over_moving_tracks': tracks,
               'scene_results': scenes}
    write_report(pathlib.Path(args.output), results,
                 f'through hand_pose_node: {args.scenes} held-out scenes, gesture after '
                 f'{args.hold} frames', prefix='gesture_')
    print(json.dumps({key: value for key, value in results.items()
                      if key not in ('scene_results', 'confusion')}, indent=1))
    return 0


if __name__ == '__main__':
    sys.exit(main())
