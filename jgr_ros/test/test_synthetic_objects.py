# Copyright 2026 jgr_ros contributors. MIT License.
"""Held objects, table objects and hard negatives: where they are and what they hide."""

from jgr_ros.skeletons import get_skeleton
from jgr_ros.synthetic import get_camera_preset
from jgr_ros.synthetic.hand_model import pose_hand
from jgr_ros.synthetic.objects import (
    gap_m,
    hard_negative,
    held_object,
    MIN_GAP_M,
    NEGATIVES,
    slab,
    table_objects,
)
from jgr_ros.synthetic.poses import FACING_CAMERA, GRASP_CLOSURE_RANGE, natural_pose
from jgr_ros.synthetic.render import DepthRenderer
from jgr_ros.synthetic.scene import _other_hand, SyntheticConfig
from jgr_ros.synthetic.sphere_mesh import single_pill
import numpy as np
import pytest

MANO = get_skeleton('mano21')
CAMERA = get_camera_preset('realsense_d435_640x480')
PALM_TO_CAMERA = FACING_CAMERA   # hand axes in the camera frame: palm toward the camera


def _hand(rng: np.random.Generator, distance_m: float = 0.6, rotation=PALM_TO_CAMERA):
    """Return a grasping right hand, its centre ``distance_m`` in front of the camera."""
    geometry = pose_hand(natural_pose(rng, GRASP_CLOSURE_RANGE))
    center = MANO.hand_center(geometry.joints_m)
    translation = np.array([0.0, 0.0, distance_m]) - rotation @ center
    return (geometry.mesh.transformed(rotation, translation),
            geometry.joints_m @ rotation.T + translation)


def test_slab_is_a_flat_box_as_thick_as_its_spheres():
    box = slab(np.array([0.0, 0.0, 0.5]), np.array([1.0, 0.0, 0.0]), np.array([0.0, 1.0, 0.0]),
               0.05, 0.03, 0.01)
    depth_m = DepthRenderer(CAMERA).render(box)
    seen = np.isfinite(depth_m)
    np.testing.assert_allclose(depth_m[seen].min(), 0.49, atol=1e-4)   # the flat top face
    rows, cols = np.nonzero(seen)
    width_m = (cols.max() - cols.min() + 1) * 0.49 / CAMERA.fx
    assert width_m == pytest.approx(0.12, abs=0.01)                    # 2 x (0.05 + 0.01)


@pytest.mark.parametrize('seed', range(8))
def test_held_object_sits_in_the_palm_and_hides_part_of_the_hand(seed):
    rng = np.random.default_rng(seed)
    hand, joints_m = _hand(rng)
    held = held_object(joints_m, PALM_TO_CAMERA, rng)
    palmar = PALM_TO_CAMERA[:, 2]
    palm_m = joints_m[[0, 5, 9, 13, 17]].mean(axis=0)
    assert (held.centers_m.mean(axis=0) - palm_m) @ palmar > 0.0   # on the palm's side
    assert np.linalg.norm(held.centers_m.mean(axis=0) - palm_m) < 0.15
    renderer = DepthRenderer(CAMERA)
    hand_only = renderer.render(hand)
    scene = renderer.render(held, hand_only.copy())
    hidden = np.isfinite(hand_only) & (scene < hand_only)
    assert np.count_nonzero(hidden) > 100          # the occluder hides some of the hand ...
    assert np.all(scene[hidden] < hand_only[hidden])  # ... from in front of it


@pytest.mark.parametrize('seed', range(8))
def test_table_objects_stand_on_the_table_clear_of_the_hand(seed):
    rng = np.random.default_rng(seed)
    hand, joints_m = _hand(rng)
    up = np.array([0.0, -np.cos(0.5), -np.sin(0.5)])
    height_m = float(np.min(hand.centers_m @ up - hand.radii_m)) - 0.05
    objects = table_objects((up, height_m), hand, MANO.hand_center(joints_m), rng)
    assert len(objects) <= 3      # one to three, less those that would touch the hand
    for mesh in objects:
        lowest_m = np.min(mesh.centers_m @ up - mesh.radii_m)
        assert lowest_m == pytest.approx(height_m, abs=1e-9)   # resting on the plane
        assert gap_m(mesh, hand) > MIN_GAP_M


@pytest.mark.parametrize('kind', NEGATIVES)
def test_hard_negatives_are_nearer_than_the_hand_and_leave_its_centre_visible(kind):
    renderer = DepthRenderer(CAMERA)
    placed = 0
    for seed in range(12):
        rng = np.random.default_rng(seed)
        hand, joints_m = _hand(rng, distance_m=rng.uniform(0.5, 1.2))
        negative = hard_negative(kind, hand, joints_m, CAMERA, rng,
                                 lambda r: _other_hand(r, SyntheticConfig()))
        if negative is None:
            continue
        placed += 1
        center_m = MANO.hand_center(joints_m)
        assert np.mean(negative.centers_m[:, 2]) < center_m[2]          # nearer than the hand
        if kind == 'table_edge':   # a slab under the hand: every hand sphere above its top
            corners = negative.centers_m
            normal = np.cross(corners[1] - corners[0], corners[3] - corners[0])
            normal *= -np.sign(normal[1]) / np.linalg.norm(normal)   # up: toward image top
            above_m = (hand.centers_m - corners[0]) @ normal - hand.radii_m
            assert np.all(above_m > negative.radii_m[0])
        else:
            assert gap_m(negative, hand) > MIN_GAP_M
        u, v = np.rint(CAMERA.project(center_m[None])[0]).astype(int)
        hand_depth = renderer.render(hand)[v - 2:v + 3, u - 2:u + 3]
        both = renderer.render(negative, renderer.render(hand))[v - 2:v + 3, u - 2:u + 3]
        np.testing.assert_array_equal(both, hand_depth)   # the hand's middle stays in view
    assert placed >= 6, f'{kind}: placed in only {placed} of 12 scenes'


def test_gap_is_a_lower_bound_of_the_surface_distance():
    ball = single_pill(np.array([0.0, 0.0, 0.5]), np.array([0.0, 0.0, 0.5]), 0.05, 0.05)
    other = single_pill(np.array([0.2, 0.0, 0.5]), np.array([0.3, 0.0, 0.5]), 0.04, 0.04)
    assert gap_m(ball, other) == pytest.approx(0.2 - 0.05 - 0.04)
    assert gap_m(ball, ball) < 0.0
