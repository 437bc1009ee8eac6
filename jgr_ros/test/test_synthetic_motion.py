# Copyright 2026 jgr_ros contributors. MIT License.
"""Moving hands: determinism, continuity, speed, framing, wobble, poses, frames, two hands."""

from jgr_ros.errors import InputError
from jgr_ros.skeletons import get_skeleton
from jgr_ros.synthetic import (
    get_camera_preset,
    HandMotion,
    motion_frames,
    MotionConfig,
    SyntheticConfig,
)
import numpy as np
import pytest

MANO = get_skeleton('mano21')
CAMERA = get_camera_preset('realsense_d435_640x480')
SEEDS = (0, 1, 2, 3)
RATE_HZ = 60.0
DURATION_S = 20.0
MARGIN_PX = 8.0  # the placement margin of still frames


def _times(rate_hz: float, duration_s: float = DURATION_S) -> np.ndarray:
    return np.arange(round(duration_s * rate_hz) + 1) / rate_hz


def _joints(motion: HandMotion, times: np.ndarray) -> np.ndarray:
    """(T, 21, 3) joints, float64, at ``times``."""
    return np.array([motion.scene_at(t).joints_m for t in times], dtype=np.float64)


def _mean_center_speed(joints: np.ndarray, times: np.ndarray) -> float:
    centers = joints[:, list(MANO.center_joints)].mean(axis=1)
    return float(np.linalg.norm(np.diff(centers, axis=0), axis=1).sum() / (times[-1] - times[0]))


@pytest.fixture(scope='module')
def sequences():
    """Per seed: the motion and its joints over 20 s at 60 Hz (default configs)."""
    times = _times(RATE_HZ)
    return {seed: (HandMotion(CAMERA, seed), _joints(HandMotion(CAMERA, seed), times))
            for seed in SEEDS}


def _assert_same_scene(a, b):
    np.testing.assert_array_equal(a.joints_m, b.joints_m)
    np.testing.assert_array_equal(a.hand.centers_m, b.hand.centers_m)
    np.testing.assert_array_equal(a.hand.radii_m, b.hand.radii_m)
    assert (a.gesture, a.handedness) == (b.gesture, b.handedness)


def test_scenes_are_deterministic_and_independent_of_call_order():
    times = [0.0, 0.7, 3.3, 12.9, 1.5, 40.25]
    forward = HandMotion(CAMERA, 11)
    first = [forward.scene_at(t) for t in times]
    backward = HandMotion(CAMERA, 11)
    second = [backward.scene_at(t) for t in reversed(times)][::-1]
    for a, b in zip(first, second):
        _assert_same_scene(a, b)
    _assert_same_scene(forward.scene_at(3.3), first[2])  # asking again changes nothing
    other = HandMotion(CAMERA, 12).scene_at(3.3)
    assert not np.array_equal(other.joints_m, first[2].joints_m)


def test_scenes_have_only_the_hand():
    scene = HandMotion(CAMERA, 4).scene_at(2.0)
    assert scene.clutter is None
    assert scene.planes == ()
    assert scene.joints_m.shape == (21, 3) and scene.joints_m.dtype == np.float32


def test_handedness_follows_the_config():
    for probability, handedness in ((1.0, 'left'), (0.0, 'right')):
        config = SyntheticConfig.narrow(left_hand_probability=probability)
        for seed in range(3):
            motion = HandMotion(CAMERA, seed, config)
            assert motion.handedness == handedness
            assert motion.scene_at(1.0).handedness == handedness


def test_joints_move_continuously(sequences):
    speed_m_s = MotionConfig().speed_m_s
    limit_m = 4.0 * speed_m_s / RATE_HZ + 0.002
    for motion, joints in sequences.values():
        steps = np.linalg.norm(np.diff(joints, axis=0), axis=2)
        assert steps.max() < limit_m
        assert np.median(steps) > 0.0  # it moves
        # No jump where one key-pose blend hands over to the next.
        period = motion.motion.pose_period_s
        for key in (1, 2, 7):
            before = motion.scene_at(key * period - 1e-6).joints_m
            after = motion.scene_at(key * period + 1e-6).joints_m
            assert np.abs(after - before).max() < 1e-4


@pytest.mark.parametrize('speed_m_s', [0.15, 0.3, 0.6])
def test_mean_center_speed_follows_the_config(speed_m_s, sequences):
    times = _times(30.0)
    for seed in SEEDS[:3]:
        if speed_m_s == MotionConfig().speed_m_s:
            joints = sequences[seed][1][::2]  # the 60 Hz sequence at 30 Hz
        else:
            joints = _joints(HandMotion(CAMERA, seed, motion=MotionConfig(speed_m_s)), times)
        speed = _mean_center_speed(joints, times)
        assert speed_m_s / 1.5 < speed < speed_m_s * 1.5


def test_depth_and_framing_stay_within_bounds(sequences):
    low_m, high_m = SyntheticConfig.narrow().distance_range_m
    size = np.array([CAMERA.width, CAMERA.height])
    times = _times(30.0)
    for motion, joints in sequences.values():
        depths = joints[:, list(MANO.center_joints)].mean(axis=1)[:, 2]
        assert low_m - 1e-6 <= depths.min() and depths.max() <= high_m + 1e-6
        assert depths.max() - depths.min() > 0.3 * (high_m - low_m)  # it moves in depth
        uv = CAMERA.project(joints)
        assert np.all(uv >= MARGIN_PX - 1e-3) and np.all(uv <= size - MARGIN_PX + 1e-3)
        # It moves across the image.
        centers_uv = uv[:, list(MANO.center_joints)].mean(axis=1)
        assert np.all(np.ptp(centers_uv, axis=0) > 0.25 * size)
        for t in times[::3]:
            hand = motion.scene_at(t).hand
            assert np.min(hand.centers_m[:, 2] - hand.radii_m) >= 0.05 - 1e-9


def test_close_hands_stay_in_front_and_in_view_where_they_fit():
    """Close up the hand may not fit: then it is centred, else every joint is in the image."""
    config = SyntheticConfig.narrow(distance_range_m=(0.15, 0.3))
    size = np.array([CAMERA.width, CAMERA.height])
    inside_count = 0
    times = _times(10.0)
    for seed in range(6):
        motion = HandMotion(CAMERA, seed, config)
        for t in times:
            scene = motion.scene_at(t)
            assert np.min(scene.hand.centers_m[:, 2] - scene.hand.radii_m) >= 0.05 - 1e-9
            uv = CAMERA.project(scene.joints_m.astype(np.float64))
            inside = (np.all(uv >= MARGIN_PX - 1e-3) and np.all(uv <= size - MARGIN_PX + 1e-3))
            too_big = np.any(np.ptp(uv, axis=0) > size - 2 * MARGIN_PX)
            assert inside or too_big
            inside_count += inside
    assert inside_count > 0.3 * 6 * len(times)


def _rotation_angle_deg(rotation: np.ndarray) -> float:
    return float(np.degrees(np.arccos(np.clip((np.trace(rotation) - 1.0) / 2.0, -1.0, 1.0))))


def test_orientation_wobbles_within_the_turn():
    for turn_deg in (10.0, 25.0, 60.0):
        motion = HandMotion(CAMERA, 5, motion=MotionConfig(turn_deg=turn_deg))
        angles = [_rotation_angle_deg(motion.orientation_at(t) @ motion.base_orientation.T)
                  for t in _times(10.0)]
        assert max(angles) <= turn_deg + 1e-6
        assert max(angles) > turn_deg / 3.0
    still = HandMotion(CAMERA, 5, motion=MotionConfig(turn_deg=0.0))
    np.testing.assert_array_equal(still.orientation_at(7.3), still.base_orientation)


def test_finger_poses_blend_within_limits_and_change():
    motion = HandMotion(CAMERA, 6)
    period = motion.motion.pose_period_s
    poses = [motion.pose_at(t) for t in _times(20.0, 30.0)]
    assert all(pose.within_limits() for _, pose in poses)
    start, later = motion.pose_at(0.0)[1], motion.pose_at(3.0)[1]
    assert np.abs(start.angles_deg - later.angles_deg).max() > 5.0
    # C1: the angles come to rest at each key pose and move fastest mid-blend.
    at_key = motion.pose_at(2 * period)[1].angles_deg
    near_key = motion.pose_at(2 * period + 0.01)[1].angles_deg
    mid = motion.pose_at(2.5 * period)[1].angles_deg
    near_mid = motion.pose_at(2.5 * period + 0.01)[1].angles_deg
    assert np.abs(near_key - at_key).max() < 0.1 * np.abs(near_mid - mid).max()


def test_gesture_is_that_of_the_dominant_key_pose():
    motion = HandMotion(CAMERA, 8)
    period = motion.motion.pose_period_s
    gestures = set()
    for t in _times(4.0, 60.0):
        gesture, _ = motion.pose_at(t)
        assert motion.scene_at(t).gesture == gesture
        key = np.floor(t / period + 0.5)  # the nearer key pose dominates (the later at a tie)
        assert gesture == motion.pose_at(key * period)[0]
        gestures.add(gesture)
    assert '' in gestures and len(gestures) >= 3  # natural poses and gestures


def test_motion_frames_render_the_moving_hand():
    for seed in (1, 3):
        frames = motion_frames(CAMERA, seed, 3, 2.0)
        motion = HandMotion(CAMERA, seed)
        for i, frame in enumerate(frames):
            scene = motion.scene_at(i / 2.0)
            np.testing.assert_array_equal(frame.joints_mm, scene.joints_m * np.float32(1000.0))
            assert frame.gesture == scene.gesture and frame.handedness == scene.handedness
            _assert_rendered(frame.depth_mm, frame.joints_uvd)
        assert not np.array_equal(frames[0].joints_mm, frames[2].joints_mm)
        again = motion_frames(CAMERA, seed, 2, 2.0)  # each frame is deterministic on its own
        for a, b in zip(frames, again):
            np.testing.assert_array_equal(a.depth_mm, b.depth_mm)


def _assert_rendered(depth_mm: np.ndarray, joints_uvd: np.ndarray) -> None:
    """Assert that the ray through the hand centre meets the hand in front of it, near it."""
    center = MANO.hand_center(joints_uvd.astype(np.float64))
    u, v = np.rint(center[:2]).astype(int)
    window = depth_mm[v - 3:v + 4, u - 3:u + 4].astype(np.float64)
    valid = window[window > 0]
    assert valid.size > 0.5 * window.size
    assert center[2] - 150.0 < np.median(valid) < center[2] + 20.0


TWO_HAND_CONFIG = SyntheticConfig.narrow(distance_range_m=(0.35, 0.9), sensor_probability=0.0)


def _visible_joint_share(depth_mm: np.ndarray, joints_uvd: np.ndarray) -> float:
    """Return the share of joints with a rendered surface at most 40 mm in front of them."""
    visible = 0
    for u, v, z_mm in joints_uvd:
        u, v = int(round(u)), int(round(v))
        window = depth_mm[max(v - 2, 0):v + 3, max(u - 2, 0):u + 3].astype(np.float64)
        visible += bool(np.any((window > z_mm - 40.0) & (window < z_mm + 15.0)))
    return visible / len(joints_uvd)


def _centers_uvd(frames) -> np.ndarray:
    """(T, 2, 3) hand centres (u, v, depth mm) of both hands of each frame."""
    return np.array([[MANO.hand_center(frame.joints_uvd.astype(np.float64)),
                      MANO.hand_center(frame.more_hands[0].joints_uvd.astype(np.float64))]
                     for frame in frames])


def test_two_hands_are_rendered_with_their_labels_and_stay_apart():
    frames = motion_frames(CAMERA, 3, 40, 5.0, TWO_HAND_CONFIG, hands=2)
    for frame in frames[::8]:
        (second,) = frame.more_hands
        assert frame.all_joints_mm.shape == (2, 21, 3)
        for joints_uvd in (frame.joints_uvd, second.joints_uvd):
            assert _visible_joint_share(frame.depth_mm, joints_uvd) > 0.6
    # The first hand's joints keep to the left half of the image, the second's to the right.
    assert max(frame.joints_uvd[:, 0].max() for frame in frames) <= CAMERA.width / 2
    assert min(frame.more_hands[0].joints_uvd[:, 0].min() for frame in frames) >= CAMERA.width / 2
    first_alone = motion_frames(CAMERA, 3, 1, 5.0, TWO_HAND_CONFIG,
                                MotionConfig(image_x_span=(0.0, 0.5)))[0]
    np.testing.assert_array_equal(first_alone.joints_mm, frames[0].joints_mm)   # same hand
    again = motion_frames(CAMERA, 3, 2, 5.0, TWO_HAND_CONFIG, hands=2)[1]
    np.testing.assert_array_equal(again.depth_mm, frames[1].depth_mm)


def test_crossing_hands_pass_each_other_at_different_depths():
    frames = motion_frames(CAMERA, 3, 60, 15.0, TWO_HAND_CONFIG, hands=2, crossing=True)
    centers = _centers_uvd(frames)
    first_left = centers[:, 0, 0] < centers[:, 1, 0]
    assert first_left[0] and not first_left.all()   # the first starts left, then passes
    near_mm, far_mm = (1000.0 * distance for distance in TWO_HAND_CONFIG.distance_range_m)
    depth_range_mm = far_mm - near_mm
    assert centers[:, 0, 2].max() < near_mm + 0.5 * depth_range_mm < centers[:, 1, 2].min()


@pytest.mark.parametrize('values', [
    {'speed_m_s': 0.0}, {'speed_m_s': -0.1}, {'speed_m_s': float('nan')},
    {'speed_m_s': float('inf')}, {'turn_deg': -1.0}, {'turn_deg': 120.0},
    {'turn_deg': float('nan')}, {'pose_period_s': 0.0}, {'pose_period_s': -1.0},
    {'pose_period_s': float('inf')}, {'image_x_span': (0.5, 0.5)},
    {'image_x_span': (-0.1, 0.5)}, {'image_x_span': (0.5, 1.1)},
])
def test_bad_motion_config_raises(values):
    with pytest.raises(InputError):
        MotionConfig(**values)


def test_bad_arguments_raise():
    motion = HandMotion(CAMERA, 0)
    for time_s in (-0.1, float('nan'), float('inf')):
        with pytest.raises(InputError):
            motion.scene_at(time_s)
    with pytest.raises(InputError):
        HandMotion(CAMERA, -1)
    with pytest.raises(InputError):
        motion_frames(CAMERA, 0, 2, 0.0)
    with pytest.raises(InputError):
        motion_frames(CAMERA, 0, -1, 30.0)
    for hands, crossing in ((3, False), (0, False), (1, True)):
        with pytest.raises(InputError, match='1 or 2 hands'):
            motion_frames(CAMERA, 0, 1, 30.0, hands=hands, crossing=crossing)
