# Copyright 2026 jgr_ros contributors. MIT License.
"""Kinematic hand, joint limits, gestures, natural poses and orientations."""

from jgr_ros.errors import InputError
from jgr_ros.skeletons import get_skeleton
from jgr_ros.synthetic.hand_model import (
    DOF_NAMES,
    finger_chains,
    HandPose,
    HandShape,
    LOWER_LIMITS_DEG,
    pose_hand,
    SPHERE_NAMES,
    UPPER_LIMITS_DEG,
)
from jgr_ros.synthetic.poses import (
    FACING_CAMERA,
    gesture_pose,
    GESTURES,
    natural_pose,
    sample_orientation,
)
import numpy as np
import pytest

MANO = get_skeleton('mano21')
FINGER_JOINTS = {finger: [MANO.index(name) for name in MANO.joint_names
                          if name.startswith(finger)]
                 for finger in ('thumb', 'index', 'middle', 'ring', 'pinky')}


def extension(joints: np.ndarray, finger: str) -> float:
    """Base-to-tip distance over the finger's length: 1 straight, about 0.5 or less curled."""
    chain = joints[FINGER_JOINTS[finger]]
    length = np.linalg.norm(np.diff(chain, axis=0), axis=1).sum()
    return float(np.linalg.norm(chain[-1] - chain[0]) / length)


def chirality(joints: np.ndarray) -> float:
    """Sign of the triple product wrist->index MCP, wrist->pinky MCP, wrist->thumb CMC."""
    wrist = joints[MANO.index('wrist')]
    vectors = [joints[MANO.index(name)] - wrist
               for name in ('index_mcp', 'pinky_mcp', 'thumb_cmc')]
    return float(np.sign(np.linalg.det(np.stack(vectors))))


def test_limits_cover_every_dof_and_are_ordered():
    assert len(LOWER_LIMITS_DEG) == len(UPPER_LIMITS_DEG) == len(DOF_NAMES) == 22
    assert np.all(LOWER_LIMITS_DEG < UPPER_LIMITS_DEG)
    assert HandPose.from_dict({'index_pip_flex': 500.0}).angles_deg.max() == 110.0


def test_sampled_poses_respect_the_joint_limits():
    rng = np.random.default_rng(1)
    poses = [natural_pose(rng) for _ in range(500)]
    poses += [gesture_pose(name, HandShape.sample(rng, (0.8, 1.2)), rng)
              for name in GESTURES for _ in range(10)]
    angles = np.stack([pose.angles_deg for pose in poses])
    assert all(pose.within_limits() for pose in poses)
    # The samples use the range, not one corner of it.
    assert np.all(angles.max(axis=0) - angles.min(axis=0) > 10.0)


def test_forward_kinematics_keeps_bone_lengths_at_any_pose():
    rng = np.random.default_rng(2)
    shape = HandShape.sample(rng, (0.8, 1.2))
    angles = rng.uniform(LOWER_LIMITS_DEG, UPPER_LIMITS_DEG, (50, len(DOF_NAMES)))
    chains, directions = finger_chains(angles, shape)
    lengths = np.linalg.norm(np.diff(chains, axis=2), axis=3)
    np.testing.assert_allclose(lengths, np.broadcast_to(lengths[:1], lengths.shape), atol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(directions, axis=3), 1.0, atol=1e-12)


def test_flexion_curls_fingers_toward_the_palm_and_abduction_spreads_them():
    flat = pose_hand(HandPose.from_dict({})).joints_m
    bent = pose_hand(HandPose.from_dict({'index_mcp_flex': 60.0})).joints_m
    tip = MANO.index('index_tip')
    assert bent[tip, 2] - flat[tip, 2] > 0.04  # z is palmar
    spread = pose_hand(HandPose.from_dict({'index_mcp_abd': 20.0,
                                           'pinky_mcp_abd': 20.0})).joints_m
    for finger, sign in (('index', 1.0), ('pinky', -1.0)):  # x is radial
        tip = MANO.index(f'{finger}_tip')
        assert sign * (spread[tip, 0] - flat[tip, 0]) > 0.01


def test_shape_scales_the_hand():
    small = pose_hand(HandPose.from_dict({}), HandShape(scale=0.8)).joints_m
    large = pose_hand(HandPose.from_dict({}), HandShape(scale=1.2)).joints_m
    np.testing.assert_allclose(large, small * 1.5, atol=1e-12)
    length = np.linalg.norm(large[MANO.index('middle_tip')] - large[MANO.index('wrist')])
    assert 0.2 < length < 0.25  # a large adult hand; the average is about 0.185 m


def test_joints_are_sphere_centres_and_fingertips_lie_on_the_surface():
    geometry = pose_hand(gesture_pose('victory'))
    mesh = geometry.mesh
    for finger in ('thumb', 'index', 'middle', 'ring', 'pinky'):
        joints = geometry.joints_m[[MANO.index(name) for name in MANO.joint_names
                                    if name.startswith(finger)]]
        spheres = [SPHERE_NAMES.index(f'{finger}_{joint}')
                   for joint in ('base', 'j1', 'j2', 'tip')]
        np.testing.assert_allclose(mesh.centers_m[spheres[:3]], joints[:3], atol=1e-12)
        tip_gap = np.linalg.norm(joints[3] - mesh.centers_m[spheres[3]]) - mesh.radii_m[spheres[3]]
        assert abs(tip_gap) < 1e-12  # the tip joint is the end point of the finger's surface
        others = np.delete(np.arange(len(mesh.radii_m)), spheres[3])
        outside = np.linalg.norm(mesh.centers_m[others] - joints[3], axis=1) - mesh.radii_m[others]
        assert outside.min() > 0.0  # ... and not buried in another sphere


def test_left_hand_is_the_mirror_image():
    right = pose_hand(gesture_pose('point'))
    left = right.mirrored()
    np.testing.assert_allclose(left.joints_m[:, 0], -right.joints_m[:, 0])
    assert chirality(left.joints_m) == -chirality(right.joints_m)


# Per gesture: fingers that are straight, and fingers that are curled (others are free).
GESTURE_FINGERS = {
    'open_palm': ('thumb index middle ring pinky', ''),
    'fist': ('', 'index middle ring pinky'),
    'point': ('index', 'middle ring pinky'),
    'pinch': ('', ''),
    'thumbs_up': ('thumb', 'index middle ring pinky'),
    'victory': ('index middle', 'ring pinky'),
    'ok': ('middle ring pinky', 'index'),
    'rock': ('index pinky', 'middle ring'),
    'three': ('index middle ring', 'pinky'),
    'four': ('index middle ring pinky', ''),
    'call': ('thumb pinky', 'index middle ring'),
}


@pytest.mark.parametrize('name', GESTURES)
def test_each_gesture_has_its_finger_configuration(name):
    extended, curled = (fingers.split() for fingers in GESTURE_FINGERS[name])
    rng = np.random.default_rng(3)
    for _ in range(5):
        shape = HandShape.sample(rng, (0.8, 1.2))
        joints = pose_hand(gesture_pose(name, shape, rng), shape).joints_m
        for finger in extended:
            assert extension(joints, finger) > 0.93, (name, finger)
        for finger in curled:
            assert extension(joints, finger) < 0.8, (name, finger)
        thumb_tip = joints[MANO.index('thumb_tip')]
        gap = np.linalg.norm(thumb_tip - joints[MANO.index('index_tip')])
        assert (gap < 0.003) == (name in ('pinch', 'ok')), (name, gap)
        # A folded thumb crosses the palm: its tip is ulnar of the index base (x is radial).
        folded = thumb_tip[0] < joints[MANO.index('index_mcp'), 0] - 0.015
        assert folded == (name in ('fist', 'point', 'victory', 'rock', 'three', 'four'))


def test_unknown_gesture_is_an_input_error():
    with pytest.raises(InputError, match='known'):
        gesture_pose('wave')


def test_natural_poses_have_correlated_finger_flexion():
    rng = np.random.default_rng(4)
    angles = np.stack([natural_pose(rng).angles_deg for _ in range(400)])
    flexion = {finger: angles[:, [DOF_NAMES.index(f'{finger}_{joint}_flex')
                                  for joint in ('mcp', 'pip', 'dip')]].sum(axis=1)
               for finger in ('index', 'middle', 'ring', 'pinky')}
    assert np.corrcoef(flexion['index'], flexion['middle'])[0, 1] > 0.6
    assert np.corrcoef(flexion['middle'], flexion['ring'])[0, 1] > 0.6
    # ... yet not one degree of freedom: fists and flat hands both occur.
    assert flexion['middle'].min() < 40.0 and flexion['middle'].max() > 200.0


def test_orientations_face_the_camera_mostly_but_not_always():
    rng = np.random.default_rng(5)
    rotations = np.stack([sample_orientation(rng, 0.1) for _ in range(2000)])
    np.testing.assert_allclose(rotations @ rotations.transpose(0, 2, 1),
                               np.broadcast_to(np.eye(3), rotations.shape), atol=1e-9)
    np.testing.assert_allclose(np.linalg.det(rotations), 1.0, atol=1e-9)
    palm_toward_camera = -rotations[:, 2, 2]  # palmar axis (hand z) against the view axis
    fingers_up = -rotations[:, 1, 1]          # hand y against the camera's y (down)
    assert 0.35 < np.mean(palm_toward_camera > 0.5) < 0.75
    assert 0.15 < np.mean(palm_toward_camera < -0.5) < 0.4   # backs of hands
    assert np.mean(np.abs(palm_toward_camera) < 0.5) > 0.1   # side views
    assert np.mean(fingers_up > 0.0) > 0.7
    assert np.allclose(sample_orientation(rng, 0.0) @ [0.0, 0.0, 1.0], 0.0, atol=1.0)
    assert FACING_CAMERA @ np.array([0.0, 1.0, 0.0]) @ [0.0, -1.0, 0.0] == 1.0


def test_varied_shapes_change_each_part_by_up_to_the_variation():
    rng = np.random.default_rng(0)
    shapes = [HandShape.sample(rng, (1.0, 1.0), variation=0.2) for _ in range(300)]
    parts = np.array([np.concatenate([s.finger_length, s.finger_thickness,
                                      [s.palm_width, s.palm_length, s.thickness]])
                      for s in shapes])
    assert np.all(parts >= 0.8) and np.all(parts <= 1.2)
    assert np.all(parts.min(axis=0) < 0.85) and np.all(parts.max(axis=0) > 1.15)  # >= +-15 %
    assert np.std(parts[:, 0] - parts[:, 1]) > 0.1   # fingers vary independently


def test_palm_length_and_finger_thickness_shape_the_hand():
    pose = HandPose.from_dict({})
    base = pose_hand(pose)
    longer = pose_hand(pose, HandShape(palm_length=1.2))
    middle_mcp = MANO.index('middle_mcp')
    np.testing.assert_allclose(longer.joints_m[middle_mcp, 1], 1.2 * base.joints_m[middle_mcp, 1])
    thick_index = np.ones(5)
    thick_index[1] = 1.15
    thicker = pose_hand(pose, HandShape(finger_thickness=thick_index))
    index_spheres = [SPHERE_NAMES.index(f'index_{joint}') for joint in ('base', 'j1', 'j2', 'tip')]
    np.testing.assert_allclose(thicker.mesh.radii_m[index_spheres],
                               1.15 * base.mesh.radii_m[index_spheres])
    others = np.setdiff1d(np.arange(20), index_spheres)
    np.testing.assert_array_equal(thicker.mesh.radii_m[others], base.mesh.radii_m[others])
