# Copyright 2026 jgr_ros contributors. MIT License.
"""
HandPoseEstimator with the shipped models: searching, following a moving hand, several hands.

The moving hand is a synthetic video (jgr_ros.synthetic.motion) at 60 Hz and 0.3 m/s. The
single-hand tests run with ``max_hands=1`` (no search for a second hand while one is followed).
"""
from dataclasses import replace
import functools
import pathlib

from jgr_ros.camera import CameraModel
from jgr_ros.detector import DetectorConfig, HandDetector
from jgr_ros.detector_net import HandDetectorNet
from jgr_ros.errors import InputError
from jgr_ros.localization import HandDetection, HandDetections
from jgr_ros.model_file import ModelInfo, save_model
from jgr_ros.networks import CenterRefiner, HandVerifier, PoseModel
from jgr_ros.pipeline import (
    EstimatorConfig,
    HandPoseEstimator,
    HandPoseFrame,
    is_hand_sized,
    MAX_SURFACE_STEP,
    SAME_HAND_MM,
    surface_step,
)
from jgr_ros.skeletons import get_skeleton
from jgr_ros.synthetic import (
    get_camera_preset,
    motion_frames,
    MotionConfig,
    SyntheticConfig,
    SyntheticHandGenerator,
)
from jgr_ros.synthetic.scene import sample_scene
from jgr_ros.training.detection_eval import SETS
import numpy as np
import pytest

CAMERA = get_camera_preset('realsense_d435_640x480')
# A kept detector candidate (not installed with the package): read from the source tree.
CANDIDATE_DETECTOR = (pathlib.Path(__file__).parents[1] / 'jgr_ros' / 'models' / 'candidates'
                      / 'hand_detector_twohands_step5500.pt')
MANO = get_skeleton('mano21')
FRAMES = 12
WEAK_SCORE = 0.35      # between the detector's confirm_score and min_score
RATE_HZ = 60.0


class CountingPoseModel(PoseModel):
    """The shipped pose model, recording the batch size of each call and whether mirrored."""

    def __init__(self):
        super().__init__(None, 'cpu')
        self.batch_sizes: list[int] = []
        self.mirrored: list[bool] = []

    def predict_crops(self, crops: np.ndarray, mirrored: bool = False) -> np.ndarray:
        self.batch_sizes.append(len(crops))
        self.mirrored.append(mirrored)
        return super().predict_crops(crops, mirrored)


class TrueCenters:
    """
    A localiser that knows where the hands are: the frame's true hand centres, best first.

    It stands in for the learned detector, which finds every hand (the rules find one), so
    that the pipeline's handling of several hands is tested on real frames and networks.
    """

    def __init__(self):
        self.centers_mm: list[np.ndarray] = []
        self.weak_mm: list[np.ndarray] = []     # returned as weak detections (WEAK_SCORE)
        self.score = 1.0                        # of the detections at centers_mm

    def locate_hands(self, depth_mm: np.ndarray, camera: CameraModel, max_hands: int,
                     priors_mm=()) -> HandDetections:
        return HandDetections([HandDetection(True, '', center_mm, score=self.score)
                               for center_mm in self.centers_mm[:max_hands]],
                              'no true centre',
                              [HandDetection(True, '', center_mm, score=WEAK_SCORE)
                               for center_mm in self.weak_mm])


@pytest.fixture(scope='module')
def networks() -> tuple[PoseModel, CenterRefiner]:
    return CountingPoseModel(), CenterRefiner(None, 'cpu')


@pytest.fixture(scope='module')
def two_hands() -> list:
    """Frames of two hands side by side (the second one's mesh is part of the clutter)."""
    config = SyntheticConfig.narrow(distance_range_m=(0.4, 0.8), two_hand_probability=1.0,
                                    distractor_probability=0.0)
    generator = SyntheticHandGenerator(CAMERA, config)
    return [generator.frame(seed) for seed in range(1, 5)]


@pytest.fixture(scope='module')
def moving_hand() -> list:
    return motion_frames(CAMERA, 3, FRAMES, RATE_HZ,
                         SyntheticConfig.narrow(distance_range_m=(0.4, 0.8)),
                         MotionConfig(speed_m_s=0.3))


# The rule-based localiser as it ran before the learned detector: two refinements, no recentring.
RULES = {'detector': 'rules', 'refine_iterations': 2, 'recentre_iterations': 0}


@functools.cache
def shipped_detector() -> HandDetector:
    return HandDetector(None, 'cpu')


def estimator(networks, **config) -> HandPoseEstimator:
    """Build an estimator on the shipped detector, of one hand per frame unless told."""
    return HandPoseEstimator(*networks, EstimatorConfig(**{'max_hands': 1, **config}),
                             shipped_detector())


def run(estimator: HandPoseEstimator, frames) -> list[HandPoseFrame]:
    return [estimator.estimate(frame.depth_mm.astype(np.float32), frame.camera)
            for frame in frames]


def mean_error_mm(result: HandPoseFrame, frame) -> float:
    return float(np.linalg.norm(result.best.joints_mm - frame.joints_mm, axis=1).mean())


def test_unconfirmed_tracking_follows_a_moving_hand_without_searching(networks, moving_hand):
    results = run(estimator(networks, confirm_misses=0), moving_hand)
    assert [result.tracked for result in results] == [False] + [True] * (FRAMES - 1)
    assert 'localize' in results[0].timings_ms
    for result in results[1:]:   # no search, and by default no centre refinement either
        assert 'localize' not in result.timings_ms and 'refine' not in result.timings_ms
    errors_mm = [mean_error_mm(result, frame) for result, frame in zip(results, moving_hand)]
    assert np.mean(errors_mm[1:]) < 20.0, errors_mm


def test_the_detector_confirms_a_followed_hand_every_search_period(networks, moving_hand):
    pose_model = networks[0]
    pose_model.batch_sizes.clear()
    results = run(estimator(networks), moving_hand)
    period = EstimatorConfig().search_period_frames
    assert ['localize' in result.timings_ms for result in results] == [
        index % period == 0 for index in range(FRAMES)]
    assert all(result.tracked and result.best.unconfirmed == 0 for result in results[1:])
    assert len({result.best.track_id for result in results}) == 1
    # Found and recentred twice, then one pass per frame: a confirmation estimates nothing.
    assert pose_model.batch_sizes == [1] * (3 + FRAMES - 1)


def test_a_followed_hand_no_detection_confirms_is_dropped(networks, moving_hand):
    localizer = TrueCenters()
    config = EstimatorConfig(detector='learned', max_hands=1, search_period_frames=1)
    hands = HandPoseEstimator(*networks, config, localizer)
    localizer.centers_mm = true_centers_mm(moving_hand[0])
    first = hands.estimate(moving_hand[0].depth_mm, CAMERA)
    localizer.centers_mm = []     # from now on the detector sees no hand
    second, third = run(hands, moving_hand[1:3])
    assert second.tracked and second.best.track_id == first.best.track_id
    assert second.best.unconfirmed == 1
    assert not third.hands and third.reason == 'no true centre'   # confirm_misses: 2
    # A weak detection at the hand (too weak to start one) confirms it; unchecked, it stays.
    for changes, weak_mm in (({}, 'true'), ({'confirm_misses': 0}, None)):
        hands = HandPoseEstimator(*networks, replace(config, **changes), localizer)
        localizer.centers_mm = true_centers_mm(moving_hand[0])
        hands.estimate(moving_hand[0].depth_mm, CAMERA)
        localizer.centers_mm = []
        results = []
        for frame in moving_hand[1:6]:
            localizer.weak_mm = true_centers_mm(frame) if weak_mm else []
            results.append(hands.estimate(frame.depth_mm, CAMERA))
        assert all(result.tracked and result.best.unconfirmed == 0 for result in results)


def test_a_false_first_detection_is_left_for_the_hand(networks):
    # Video 11 of tracking_eval --world wide with a stride-4 detector (version 2 continued, kept
    # in candidates/; version 2 did the same): the first detection is not the hand, and the pose
    # network follows that crop. Whether the pose network itself drops it depends on its
    # version (version 5 and 6 did at frame 6; versions 4 and 7 keep scoring the crop as a hand),
    # so the detector's confirmation of followed hands (the default, after two searches without
    # a detection there) is what ends it: the hand from frame 10 with version 7. (The shipped
    # detector finds the hand from frame 2.)
    detector = HandDetector(CANDIDATE_DETECTOR, 'cpu', config=DetectorConfig(min_score=0.5))
    frames = motion_frames(CAMERA, 11, 30, 30.0, SyntheticConfig(distance_range_m=(0.35, 0.9)),
                           MotionConfig(speed_m_s=0.3))
    following = HandPoseEstimator(*networks, EstimatorConfig(max_hands=1), detector)
    assert EstimatorConfig().confirm_misses > 0
    results = run(following, frames)
    errors_mm = [mean_error_mm(result, frame) if result.hands else np.inf
                 for result, frame in zip(results, frames)]
    assert errors_mm[1] > 150.0, errors_mm
    assert max(errors_mm[12:]) < 30.0, errors_mm


def test_a_followed_frame_starts_where_the_last_one_moved_on_to(networks, moving_hand):
    hand = estimator(networks)
    first, second, third = run(hand, moving_hand[:3])
    skeleton = hand.skeleton
    centers = [skeleton.hand_center(result.best.joints_mm) for result in (first, second)]
    np.testing.assert_allclose(second.best.detected_center_mm, centers[0])
    np.testing.assert_allclose(third.best.detected_center_mm, 2 * centers[1] - centers[0])
    np.testing.assert_allclose(third.best.center_mm, third.best.detected_center_mm)   # as is


def test_average_mirrored_runs_every_pose_pass_mirrored_too(networks, moving_hand):
    pose_model = networks[0]
    plain = run(estimator(networks), moving_hand[:4])
    pose_model.mirrored.clear()
    averaged = run(estimator(networks, average_mirrored=True), moving_hand[:4])
    assert pose_model.mirrored and all(pose_model.mirrored)
    for frame, one, both in zip(moving_hand, plain, averaged):
        assert both.best.track_id and not np.allclose(both.best.joints_mm, one.best.joints_mm)
        assert mean_error_mm(both, frame) < 15.0


def test_without_tracking_every_frame_is_searched(networks, moving_hand):
    results = run(estimator(networks, tracking=False), moving_hand[:4])
    assert not any(result.tracked for result in results)
    assert all('localize' in result.timings_ms for result in results)


def test_a_hand_that_leaves_ends_the_following(networks, moving_hand):
    hand = estimator(networks)
    run(hand, moving_hand[:2])
    gone = hand.estimate(np.zeros((CAMERA.height, CAMERA.width), np.float32), CAMERA)
    assert not gone.hands and not gone.tracked
    back = hand.estimate(moving_hand[2].depth_mm.astype(np.float32), CAMERA)
    assert back.hands and not back.tracked and 'localize' in back.timings_ms


def test_a_wall_the_hand_left_behind_ends_the_following(networks, moving_hand):
    # The hand leaves, and a wall stands where it was: the crop still holds a surface.
    first = moving_hand[0]
    hand = estimator(networks)
    result = hand.estimate(first.depth_mm.astype(np.float32), CAMERA)
    wall_mm = np.full((CAMERA.height, CAMERA.width),
                      hand.skeleton.hand_center(result.best.joints_mm)[2], np.float32)
    on_wall = hand.estimate(wall_mm, CAMERA)
    assert not on_wall.hands and not on_wall.tracked
    assert 'the detector found no hand' in on_wall.reason
    rules = estimator(networks, **RULES)
    rules.estimate(first.depth_mm.astype(np.float32), CAMERA)
    assert 'not a hand' in rules.estimate(wall_mm, CAMERA).reason


def test_a_hand_in_front_of_a_wall_is_followed(networks, moving_hand):
    hand = estimator(networks)
    results = []
    for frame in moving_hand[:3]:
        depth_mm = frame.depth_mm.astype(np.float32)
        depth_mm[depth_mm == 0] = 1400.0          # a wall behind, outside the cube
        results.append(hand.estimate(depth_mm, CAMERA))
    assert [result.tracked for result in results] == [False, True, True]


def test_following_walks_off_a_forearm_found_first(networks):
    # Video 2 of tracking_eval: the forearm points at the camera, nearer than the hand, and the
    # rules' search starts on it. Followed, with or without the centre network, the crop walks
    # off it onto the hand and stays there. JGR-P2O version 9 (wider centre offsets) holds on
    # to the forearm longer: the hand is reached at frame 18 unrefined and 13 refined, then
    # every frame is within 10.4 mm (version 8 with the size test: frame 8 both ways; without
    # it frame 4, as version 7; version 6: 8 and 11; version 4: 6, where the crop then wobbled
    # at 22-52 mm for six frames before it settled, and 5; version 3: 5 and 7; version 1 never
    # left it unrefined). The rules and the centre network on followed hands are not the
    # defaults; the default pipeline's numbers are in the model card.
    frames = motion_frames(CAMERA, 2, 30, 30.0,
                           SyntheticConfig.narrow(distance_range_m=(0.35, 0.9)))
    for iterations in (0, 1):
        results = run(estimator(networks, tracking_refine_iterations=iterations, **RULES),
                      frames)
        errors_mm = [mean_error_mm(result, frame) if result.hands else np.inf
                     for result, frame in zip(results, frames)]
        first_on_hand = next(index for index, error in enumerate(errors_mm) if error < 40.0)
        assert first_on_hand <= 20 and max(errors_mm[20:]) < 20.0, errors_mm
        assert errors_mm[0] > 150.0 and errors_mm[1] > 150.0   # the forearm
        assert all(result.tracked for result in results[first_on_hand + 1:])


def test_negative_refinement_is_refused():
    with pytest.raises(InputError, match='refine_iterations'):
        replace(EstimatorConfig(), refine_iterations=-2)
    with pytest.raises(InputError, match='tracking_refine_iterations'):
        EstimatorConfig(tracking_refine_iterations=-1)


def test_a_hand_below_min_score_is_no_hand_and_is_not_followed(networks, moving_hand):
    frame = moving_hand[1]   # frame 0's hand scores 1.0, which no min_score can reject
    found = estimator(networks).estimate(frame.depth_mm, frame.camera).best
    assert EstimatorConfig().min_score < found.score < 1.0
    strict = estimator(networks, min_score=min(1.0, found.score + 1e-3))
    rejected = strict.estimate(frame.depth_mm, frame.camera)
    assert not rejected.hands and 'min_score' in rejected.reason
    assert not strict.estimate(frame.depth_mm, frame.camera).tracked
    noise = np.random.default_rng(0).uniform(350.0, 900.0, frame.depth_mm.shape)
    assert not estimator(networks).estimate(noise.astype(np.float32), frame.camera).hands


def test_a_skeleton_shrunk_below_any_hand_is_no_hand(networks, moving_hand):
    mano = get_skeleton('mano21')
    found = estimator(networks).estimate(moving_hand[0].depth_mm, moving_hand[0].camera).best
    assert is_hand_sized(found.joints_mm, mano)
    mean_mm = found.joints_mm.mean(axis=0)
    assert not is_hand_sized(mean_mm + 0.4 * (found.joints_mm - mean_mm), mano)
    assert is_hand_sized(np.zeros((14, 3)), get_skeleton('nyu14')), 'no finger roots: no test'


def test_every_hand_of_the_synthetic_world_is_hand_sized():
    camera, world = get_camera_preset('realsense_d435_640x480'), SyntheticConfig(
        hand_scale_range=(0.8, 0.8), gesture_probability=1.0, gestures=('fist', 'thumbs_up'))
    for seed in range(200):
        joints_mm = sample_scene(np.random.default_rng(seed), camera, world).joints_m * 1000.0
        assert is_hand_sized(joints_mm, get_skeleton('mano21')), seed


def test_a_new_camera_model_forgets_the_followed_hand(networks, moving_hand):
    following = estimator(networks)
    first, second = moving_hand[:2]
    following.estimate(first.depth_mm, first.camera)
    assert following.estimate(second.depth_mm, second.camera).tracked
    other_camera = replace(second.camera, fx=second.camera.fx * 1.01)
    assert not following.estimate(second.depth_mm, other_camera).tracked


def test_random_depth_is_no_surface_even_where_its_crop_looks_smooth(networks, moving_hand):
    # Seeds 3 and 6 of uniform 150-1500 mm: the detector finds a peak above 0.4 and the pose
    # network scores the crop over min_score; the crop's resampling smooths the noise, the
    # image's own pixels do not.
    pose_model, _ = networks
    frame = moving_hand[0]
    center_mm = get_skeleton('mano21').hand_center(frame.joints_mm)
    hand_crop = pose_model.crop(frame.depth_mm, frame.camera, center_mm)
    assert surface_step(frame.depth_mm, hand_crop) < MAX_SURFACE_STEP / 2
    for seed in (3, 6):
        noise = np.random.default_rng(seed).uniform(150.0, 1500.0, frame.depth_mm.shape)
        noise = noise.astype(np.float32)
        noise_crop = pose_model.crop(noise, frame.camera, np.array([0.0, 0.0, 800.0]))
        assert surface_step(noise, noise_crop) > 5 * MAX_SURFACE_STEP
        assert not estimator(networks, tracking=False).estimate(noise, frame.camera).hands


def test_noise_after_a_followed_hand_is_no_hand(networks, moving_hand):
    following = estimator(networks, min_score=0.0)   # the surface check alone
    following.estimate(moving_hand[0].depth_mm, moving_hand[0].camera)
    rng = np.random.default_rng(1)
    shape, camera = moving_hand[1].depth_mm.shape, moving_hand[1].camera
    random_depth = rng.uniform(350.0, 900.0, shape).astype(np.float32)
    assert not following.estimate(random_depth, camera).hands
    following.estimate(moving_hand[0].depth_mm, moving_hand[0].camera)
    noise_wall = (600.0 + rng.uniform(-30.0, 30.0, shape)).astype(np.float32)
    assert not following.estimate(noise_wall, camera).hands


def true_centers_mm(frame) -> list[np.ndarray]:
    return [MANO.hand_center(joints_mm) for joints_mm in frame.all_joints_mm]


def errors_by_true_hand_mm(result: HandPoseFrame, frame) -> list[float]:
    """Return the mean joint error of the estimated hand nearest each true hand."""
    return [min(float(np.linalg.norm(hand.joints_mm - joints_mm, axis=1).mean())
                for hand in result.hands) for joints_mm in frame.all_joints_mm]


def test_two_hands_are_estimated_in_one_batch_best_first_with_own_tracks(networks, two_hands):
    pose_model, refiner = networks
    localizer = TrueCenters()
    # From the true centres as they are: the refiner, trained on one hand, pulls a crop next
    # to another hand towards it (here 4 of 8 hands ended 25-68 mm off after 2 iterations).
    hands = HandPoseEstimator(pose_model, refiner, EstimatorConfig(
        detector='learned', tracking=False, refine_iterations=0), localizer)
    track_ids, errors_mm = set(), []
    for frame in two_hands:
        localizer.centers_mm = true_centers_mm(frame)
        pose_model.batch_sizes.clear()
        result = hands.estimate(frame.depth_mm, frame.camera)
        assert pose_model.batch_sizes == [2, 2, 2]   # both crops in one call, recentred twice
        assert len(result.hands) == 2 and not result.tracked
        assert result.hands[0].score >= result.hands[1].score
        errors_mm += errors_by_true_hand_mm(result, frame)
        track_ids.update(hand.track_id for hand in result.hands)
    assert np.median(errors_mm) < 15.0, errors_mm   # measured: 6-14 mm, one hand 41 mm
    assert len(track_ids) == 2 * len(two_hands)   # each frame's hands are new hands


def test_max_hands_keeps_the_best_scoring_hand(networks, two_hands):
    frame = two_hands[0]
    localizer = TrueCenters()
    localizer.centers_mm = true_centers_mm(frame)
    both = HandPoseEstimator(*networks, EstimatorConfig(detector='learned', tracking=False),
                             localizer)
    best = both.estimate(frame.depth_mm, frame.camera).best
    one = HandPoseEstimator(*networks, EstimatorConfig(detector='learned', tracking=False,
                                                       max_hands=1), localizer)
    (hand,) = one.estimate(frame.depth_mm, frame.camera).hands
    # Asked for one hand, the localiser offers one: the first (here the first true hand).
    np.testing.assert_allclose(hand.detected_center_mm, localizer.centers_mm[0])
    assert best.score >= hand.score


def test_followed_hands_are_not_searched_again_and_keep_their_ids(networks, two_hands):
    frame = two_hands[1]
    localizer = TrueCenters()
    hands = HandPoseEstimator(*networks, EstimatorConfig(
        detector='learned', max_hands=3, search_period_frames=1), localizer)
    localizer.centers_mm = true_centers_mm(frame)
    first = hands.estimate(frame.depth_mm, frame.camera)
    # The localiser now also offers a point near the first hand: the same hand, dropped.
    near_first_mm = localizer.centers_mm[0] + (0.5 * SAME_HAND_MM, 0.0, 0.0)
    localizer.centers_mm = [near_first_mm] + localizer.centers_mm
    networks[0].batch_sizes.clear()
    second = hands.estimate(frame.depth_mm, frame.camera)
    assert networks[0].batch_sizes == [2]   # the two followed hands; nothing new to estimate
    assert sorted(hand.track_id for hand in second.hands) == sorted(
        hand.track_id for hand in first.hands)
    assert second.tracked and 'localize' in second.timings_ms   # searched for a third


def test_with_room_for_two_a_single_hand_is_the_same_hand_as_with_room_for_one(networks,
                                                                               moving_hand):
    localizer = TrueCenters()
    runs = {}
    for max_hands in (1, 2):
        hands = HandPoseEstimator(*networks, EstimatorConfig(detector='learned',
                                                             max_hands=max_hands), localizer)
        runs[max_hands] = []
        for frame in moving_hand[:7]:
            localizer.centers_mm = true_centers_mm(frame)
            runs[max_hands].append(hands.estimate(frame.depth_mm, frame.camera))
    one, two = runs[1], runs[2]
    assert all(len(result.hands) == 1 for result in two)
    assert {result.best.track_id for result in two} == {two[0].best.track_id}
    # Looking for a second hand every search_period_frames (3) frames: it finds the same one.
    assert ['localize' in result.timings_ms for result in two] == [True, False, False] * 2 + [True]
    for single, double in zip(one, two):
        np.testing.assert_array_equal(single.best.joints_mm, double.best.joints_mm)
        assert single.best.tracked == double.best.tracked


def test_the_rules_find_one_hand_so_max_hands_changes_nothing_with_them(networks,
                                                                        moving_hand):
    one, two = (run(estimator(networks, max_hands=count, **RULES), moving_hand[:7])
                for count in (1, 2))
    assert not any('localize' in result.timings_ms for result in two[1:])   # never searched
    for single, double in zip(one, two):
        np.testing.assert_array_equal(single.best.joints_mm, double.best.joints_mm)


@functools.cache
def shipped_verifier() -> HandVerifier:
    return HandVerifier(None, 'cpu')


def test_the_verifier_judges_searched_hands_started_at_weak_detections_too(
        networks, two_hands):
    frame = two_hands[0]
    localizer = TrueCenters()
    localizer.weak_mm = true_centers_mm(frame)[:1]      # only a weak peak on the first hand
    config = EstimatorConfig(detector='learned', tracking=False, max_hands=1)
    unverified = HandPoseEstimator(*networks, config, localizer)
    assert unverified.estimate(frame.depth_mm, frame.camera).hands == []
    verified = HandPoseEstimator(*networks, config, localizer, verifier=shipped_verifier())
    (hand,) = verified.estimate(frame.depth_mm, frame.camera).hands
    assert hand.detection_score == WEAK_SCORE and hand.hand_log_odds >= config.verify_min_log_odds
    assert min(errors_by_true_hand_mm(HandPoseFrame([hand]), frame)[:1]) < 20.0
    doubting = verified.reconfigured(replace(config, verify_min_log_odds=30.0))
    result = doubting.estimate(frame.depth_mm, frame.camera)
    assert result.hands == [] and 'verifier doubts' in result.reason
    off = verified.reconfigured(replace(config, verify=False))
    assert off.estimate(frame.depth_mm, frame.camera).hands == []   # weak peaks start none


def test_the_verifier_drops_a_weak_detection_on_the_background(networks, two_hands):
    frame = two_hands[0]
    localizer = TrueCenters()
    hand_mm = true_centers_mm(frame)[0]
    # 25 cm beside the hand at its depth: the scene's wall, body or table, but no hand.
    localizer.weak_mm = [hand_mm + (0.0, 250.0, 0.0)]
    verified = HandPoseEstimator(*networks, EstimatorConfig(
        detector='learned', tracking=False, max_hands=1), localizer, verifier=shipped_verifier())
    result = verified.estimate(frame.depth_mm, frame.camera)
    assert result.hands == [], [hand.hand_log_odds for hand in result.hands]


def test_beside_a_found_hand_a_searched_hand_needs_second_hand_min_log_odds(networks):
    """
    Frame 5 of the detector's two-hand set, shipped networks: the second hand found at 1.5.

    The verifier doubts it (log-odds 3.24 against verify_min_log_odds 3.5); with the bar at 3.5
    beside the first hand it is lost, with 1.5 (the default) it is found, where it is.
    """
    frame = list(SETS['two_hands'](6))[5]
    config = EstimatorConfig(tracking=False, second_hand_min_log_odds=3.5)
    strict = HandPoseEstimator(*networks, config, HandDetector(None, 'cpu'),
                               verifier=shipped_verifier())
    assert len(strict.estimate(frame.depth_mm, frame.camera).hands) == 1
    lower = strict.reconfigured(replace(config, second_hand_min_log_odds=1.5))
    first, second = lower.estimate(frame.depth_mm, frame.camera).hands
    assert first.hand_log_odds >= 3.5 > second.hand_log_odds >= 1.5
    found_mm = np.array([MANO.hand_center(hand.joints_mm) for hand in (first, second)])
    distances_mm = np.linalg.norm(frame.centers_mm[:, None] - found_mm[None], axis=-1)
    assert np.all(distances_mm.min(axis=1) < 30.0), distances_mm   # each true hand found


def test_a_search_tries_the_next_candidate_when_one_is_turned_down(networks, two_hands):
    frame = two_hands[0]
    localizer = TrueCenters()
    hand_mm = true_centers_mm(frame)[0]
    background_mm = [hand_mm + (0.0, 250.0, 0.0), hand_mm + (0.0, 250.0, 150.0)]
    searcher = HandPoseEstimator(*networks, EstimatorConfig(
        detector='learned', tracking=False, max_hands=1), localizer, verifier=shipped_verifier())
    localizer.weak_mm = [background_mm[0], hand_mm]   # the background's peak first
    networks[0].batch_sizes.clear()
    (hand,) = searcher.estimate(frame.depth_mm, frame.camera).hands
    assert min(errors_by_true_hand_mm(HandPoseFrame([hand]), frame)[:1]) < 20.0
    assert networks[0].batch_sizes == [1] * 6    # crop and recentre twice: each candidate
    localizer.weak_mm = [*background_mm, hand_mm]   # one spare candidate, not two
    result = searcher.estimate(frame.depth_mm, frame.camera)
    assert result.hands == [] and 'verifier doubts' in result.reason


def test_beside_a_followed_hand_a_turned_down_candidate_makes_no_room(networks, moving_hand):
    localizer = TrueCenters()
    searcher = HandPoseEstimator(*networks, EstimatorConfig(detector='learned', max_hands=2),
                                 localizer, verifier=shipped_verifier())
    localizer.centers_mm = true_centers_mm(moving_hand[0])
    searcher.estimate(moving_hand[0].depth_mm, moving_hand[0].camera)
    for frame in moving_hand[1:4]:      # followed; the fourth frame searches again (period 3)
        hand_mm = true_centers_mm(frame)[0]
        localizer.centers_mm = [hand_mm, hand_mm + (0.0, 250.0, 0.0),
                                hand_mm + (0.0, 250.0, 150.0)]
        localizer.score = 0.4           # the background's detections: doubted, turned down
        networks[0].batch_sizes.clear()
        result = searcher.estimate(frame.depth_mm, frame.camera)
    assert 'localize' in result.timings_ms and len(result.hands) == 1
    # The followed hand's pass, then one candidate's crop and two recentring passes: no spare.
    assert networks[0].batch_sizes == [1] * 4


def test_followed_hands_are_not_judged_again(networks, moving_hand):
    localizer = TrueCenters()
    hands = HandPoseEstimator(*networks, EstimatorConfig(detector='learned', max_hands=1),
                              localizer, verifier=shipped_verifier())
    results = []
    for frame in moving_hand[:2]:
        localizer.centers_mm = true_centers_mm(frame)
        results.append(hands.estimate(frame.depth_mm, frame.camera))
    assert results[0].best.hand_log_odds is not None and not results[0].tracked
    assert results[1].tracked and results[1].best.hand_log_odds is None


def test_a_frame_without_hands_gives_none_and_says_why(networks):
    wall_mm = np.full((CAMERA.height, CAMERA.width), 3000.0, np.float32)   # out of range
    result = estimator(networks, max_hands=2).estimate(wall_mm, CAMERA)
    assert result.hands == [] and result.best is None and 'no hand' in result.reason
    result = estimator(networks, max_hands=2, **RULES).estimate(wall_mm, CAMERA)
    assert result.hands == [] and 'no valid depth' in result.reason


def test_bad_settings_are_refused_with_their_names():
    for settings, name in (({'max_hands': 0}, 'max_hands'), ({'detector': 'magic'}, 'detector'),
                           ({'track_gate_mm': 0.0}, 'track_gate_mm'),
                           ({'search_period_frames': 0}, 'search_period_frames'),
                           ({'confirm_misses': -1}, 'confirm_misses')):
        with pytest.raises(InputError, match=name):
            EstimatorConfig(**settings)


def test_the_learned_detector_needs_its_network(networks):
    with pytest.raises(InputError, match='learned'):
        HandPoseEstimator(*networks, EstimatorConfig(detector='learned'))


def test_from_files_loads_the_learned_detector_and_runs_it(tmp_path, moving_hand):
    learned = EstimatorConfig(detector='learned')
    with pytest.raises(InputError, match='missing.pt'):
        HandPoseEstimator.from_files(device='cpu', config=learned,
                                     detector_model_path=tmp_path / 'missing.pt')
    path = tmp_path / 'untrained_detector.pt'
    save_model(path, HandDetectorNet(),
               ModelInfo('hand_detector', 'mano21', 21, 250.0, HandDetectorNet.input_size))
    hands = HandPoseEstimator.from_files(device='cpu', config=learned, detector_model_path=path)
    assert hands.localizer is hands.detector and hands.detector.path == path
    assert hands.verifier.path.name == 'hand_verifier_mano21.pt'
    assert HandPoseEstimator.from_files(device='cpu', config=replace(   # verify can change
        learned, verify=False), detector_model_path=path).verifier is not None
    assert HandPoseEstimator.from_files(device='cpu', config=replace(
        learned, detector='rules'), detector_model_path=path).verifier is None
    # Untrained, its heat map is about 0.01 everywhere: no hand, and the pipeline says so.
    frame = moving_hand[0]
    result = hands.estimate(frame.depth_mm, frame.camera)
    assert result.hands == [] and result.reason.startswith('the detector found no hand')
