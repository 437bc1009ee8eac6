# Copyright 2026 jgr_ros contributors. MIT License.
"""
Track ids over real DDS: hand_pose_node with the shipped models on moving synthetic hands.

One hand runs with the rule-based localiser (it finds one hand). Two hands need a localiser
that finds every hand: those tests run ``detector: learned`` and wait for the shipped hand
detector (jgr_ros/models/hand_detector_mano21.pt); until it ships they skip, saying so.
"""
import pytest
from ros_harness import ros  # noqa: F401, I100  (fixture)

pytest.importorskip('jgr_msgs.msg', reason='jgr_msgs is not built: run ./setup.sh and source '
                                           'tools/env.sh')
from jgr_ros.detector_net import HandDetectorNet  # noqa: E402, I100
from jgr_ros.model_file import ModelInfo, save_model  # noqa: E402
from jgr_ros.networks import shipped_model_path  # noqa: E402
from jgr_ros.synthetic import get_camera_preset, MotionConfig, MotionVideo  # noqa: E402
from jgr_ros.verifier_net import HandVerifierNet  # noqa: E402
from rclpy.parameter import Parameter  # noqa: E402
from ros_fixtures import (  # noqa: E402
    CAMERA_PRESET,
    clutter_only_frame,
    FRAME_CONFIG,
    moving_hand,
    NodeRig,
)

pytestmark = pytest.mark.ros
DETECTOR_MODEL = 'hand_detector_mano21.pt'
TWO_HANDS_RATE_HZ = 15.0   # 0.3 m/s: 20 mm a frame
# Wall and table, no hand: the rules find no hand-sized blob there (nor in 8 of 8 such seeds).
WALL_AND_TABLE = {'wall_probability': 1.0, 'table_probability': 1.0,
                  'table_object_probability': 0.0, 'body_probability': 0.0}
# Everything but a hand: body, wall, table with objects, distractors, hard negatives other
# than a second (unlabelled) hand. The rules take the body or an object for a hand here.
ALL_CLUTTER = {'body_probability': 1.0, 'wall_probability': 1.0, 'table_probability': 1.0,
               'table_object_probability': 1.0, 'distractor_probability': 1.0,
               'negative_probability': 1.0, 'negatives': ('object', 'head', 'shoulder')}


def track_ids(rig: NodeRig, frames) -> list[list[int]]:
    """Send ``frames`` in turn; return the track ids of each answer's hands, sorted."""
    ids = []
    for frame in frames:
        answer = rig.send_frame(frame)
        assert answer is not None, 'no hand_poses for a frame'
        ids.append(sorted(hand.track_id for hand in answer.hands))
    return ids


def two_hand_video(seed: int, count: int, crossing: bool = False,
                   camera: str = CAMERA_PRESET) -> list:
    video = MotionVideo(get_camera_preset(camera), seed, TWO_HANDS_RATE_HZ,
                        FRAME_CONFIG, MotionConfig(), hands=2, crossing=crossing)
    return [video.frame(index) for index in range(count)]


@pytest.fixture
def learned(ros):  # noqa: F811
    """Start the node with the learned detector; skip while its model file is not shipped."""
    if not shipped_model_path(DETECTOR_MODEL).is_file():
        pytest.skip(f'waits for the shipped hand detector (jgr_ros/models/{DETECTOR_MODEL}): '
                    'the rules find one hand')
    return NodeRig(ros, detector='learned')


def test_a_moving_hand_keeps_its_track_id(ros):  # noqa: F811
    ids = track_ids(NodeRig(ros), moving_hand(2, 8))
    assert ids == [ids[0]] * 8 and len(ids[0]) == 1


def test_a_hand_that_leaves_and_returns_gets_a_new_id(ros):  # noqa: F811
    rig = NodeRig(ros)
    video, clutter = moving_hand(2, 5), clutter_only_frame(1, **WALL_AND_TABLE)
    ids = track_ids(rig, [*video[:2], clutter, *video[2:]])
    (first,) = ids[0]
    assert ids == [[first], [first], [], [first + 1], [first + 1], [first + 1]]


def test_a_frame_with_only_a_wall_and_a_table_gives_an_empty_array(ros):  # noqa: F811
    rig = NodeRig(ros)
    assert track_ids(rig, [clutter_only_frame(seed, **WALL_AND_TABLE) for seed in (1, 2)]) \
        == [[], []]


def test_the_node_runs_the_detector_model_it_is_given(ros, tmp_path):  # noqa: F811
    # An untrained detector sees no hand (its heat map is about 0.01 everywhere): the node
    # starts on it, runs it and answers every frame, without hands.
    path = tmp_path / 'untrained_detector.pt'
    save_model(path, HandDetectorNet(),
               ModelInfo('hand_detector', 'mano21', 21, 250.0, HandDetectorNet.input_size))
    rig = NodeRig(ros, detector='learned', detector_model=str(path))
    assert rig.node.static_info['detector_model'] == str(path)
    assert track_ids(rig, moving_hand(2, 2)) == [[], []]


def test_the_node_judges_searched_hands_with_the_verifier_it_is_given(ros, tmp_path):  # noqa: F811
    # No crop can give 25 log-odds (the verifier's at most 13.8, plus 10 x a score of at most
    # 1): once verify is switched on at run time, every searched hand is turned down.
    path = tmp_path / 'untrained_verifier.pt'
    save_model(path, HandVerifierNet(),
               ModelInfo('hand_verifier', 'mano21', 21, 250.0, HandVerifierNet.input_size))
    rig = NodeRig(ros, detector='learned', verifier_model=str(path), tracking=False,
                  verify=False, verify_min_log_odds=25.0)
    assert rig.node.static_info['verifier_model'] == str(path)
    assert all(track_ids(rig, moving_hand(2, 2)))
    assert rig.node.set_parameters([Parameter('verify', value=True)])[0].successful
    assert track_ids(rig, moving_hand(2, 2)) == [[], []]


def test_two_hands_keep_distinct_track_ids_over_a_moving_sequence(learned):
    ids = track_ids(learned, two_hand_video(3, 12))
    assert ids == [ids[0]] * 12 and len(set(ids[0])) == 2


def test_two_hands_in_the_realsense_default_848x480_frames_keep_their_track_ids(learned):
    ids = track_ids(learned, two_hand_video(3, 8, camera='realsense_d435_848x480'))
    assert ids == [ids[0]] * 8 and len(set(ids[0])) == 2


def test_crossing_hands_keep_their_track_ids(learned):
    # Seed 5: the hands pass each other at frame 25, 300 px apart vertically (no occlusion).
    frames = two_hand_video(5, 32, crossing=True)
    answers = [learned.send_frame(frame) for frame in frames]
    ids_by_side = [[hand.track_id for hand in sorted(answer.hands, key=lambda hand: hand.center.x)]
                   for answer in answers]
    first, last = ids_by_side[0], ids_by_side[-1]
    assert len(first) == 2 and last == first[::-1]   # they swapped sides, not ids
    assert all(sorted(ids) == sorted(first) for ids in ids_by_side)


def test_one_of_two_hands_that_leaves_and_returns_gets_a_new_id(learned):
    both = two_hand_video(3, 7)   # a returning hand is looked for every 3rd frame at least
    # The first hand of the video alone: the second one left.
    alone = MotionVideo(get_camera_preset(CAMERA_PRESET), 3, TWO_HANDS_RATE_HZ, FRAME_CONFIG,
                        MotionConfig(image_x_span=(0.0, 0.5)))
    ids = track_ids(learned, [*both[:2], alone.frame(2), alone.frame(3), *both[4:]])
    before, after = ids[0], ids[-1]
    assert ids[1] == before and len(before) == 2
    assert len(ids[2]) == len(ids[3]) == 1 and ids[2][0] in before
    assert len(after) == 2 and ids[2][0] in after and max(after) > max(before)


def test_a_frame_with_only_clutter_gives_an_empty_array(learned):
    assert track_ids(learned, [clutter_only_frame(seed, **ALL_CLUTTER) for seed in range(4)]) \
        == [[]] * 4
