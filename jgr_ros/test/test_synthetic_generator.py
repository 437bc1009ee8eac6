# Copyright 2026 jgr_ros contributors. MIT License.
"""Synthetic frames: ground truth on the rendered hand, determinism, labels, presets, config."""

from dataclasses import replace

from jgr_ros.camera import CameraModel
from jgr_ros.errors import InputError
from jgr_ros.skeletons import FINGERS, get_skeleton
from jgr_ros.synthetic import (
    CAMERA_PRESETS,
    get_camera_preset,
    SyntheticConfig,
    SyntheticHandGenerator,
)
from jgr_ros.synthetic.hand_model import SPHERE_NAMES
from jgr_ros.synthetic.render import DepthRenderer
from jgr_ros.synthetic.scene import sample_scene
from jgr_ros.synthetic.sphere_mesh import SphereMesh
import numpy as np
import pytest

MANO = get_skeleton('mano21')
CAMERA = get_camera_preset('kinect_v1_nyu')
CLEAN = SyntheticConfig.narrow(sensor_probability=0.0, body_probability=0.0,
                               wall_probability=0.0, table_probability=0.0,
                               distractor_probability=0.0)
MARGIN_M = 0.002  # millimetre rounding of the depth image, and float32


def _finger_spheres() -> dict[int, tuple[int, list[int]]]:
    """
    Map finger joints on pills only (not in palm or thenar wedges) to their spheres.

    Per joint: its own sphere and the spheres of the finger segments it joins.
    """
    spheres = {}
    for finger in FINGERS:
        chain = [SPHERE_NAMES.index(f'{finger}_{joint}') for joint in ('base', 'j1', 'j2', 'tip')]
        joints = [MANO.index(name) for name in MANO.joint_names if name.startswith(finger)]
        for k in (2, 3) if finger == 'thumb' else (1, 2, 3):
            spheres[joints[k]] = (chain[k], chain[k - 1:k + 2])
    return spheres


def _without_sphere(mesh: SphereMesh, sphere: int) -> SphereMesh:
    """Return the mesh minus one sphere and every pill and wedge that contains it."""
    keep_edges = ~np.any(mesh.edges == sphere, axis=1)
    keep_triangles = ~np.any(mesh.triangles == sphere, axis=1)
    radii = mesh.radii_m.copy()
    radii[sphere] = 0.0  # a point: renders nothing
    return SphereMesh(mesh.centers_m, radii, mesh.edges[keep_edges],
                      mesh.triangles[keep_triangles])


def _depth_near(depth_m: np.ndarray, uv: np.ndarray) -> np.ndarray:
    """Depths of the 3x3 pixels around ``uv`` (the joint may sit on the silhouette)."""
    u, v = np.rint(uv).astype(int)
    return depth_m[max(v - 1, 0):v + 2, max(u - 1, 0):u + 2].ravel()


def _check_joints_on_hand(config: SyntheticConfig, seeds: range, margin_m: float) -> float:
    """
    Return the share of visible finger joints found on the rendered surface.

    A joint is visible when nothing but its own sphere and segments lies in front of its
    sphere, and the view is not along the finger (rays within 25 degrees of a segment axis run
    inside the finger). The surface is then within R / sin(angle) of the joint's sphere
    centre, R the largest radius of the segments.
    """
    generator = SyntheticHandGenerator(CAMERA, config)
    renderer = DepthRenderer(CAMERA)
    found = visible = 0
    for seed in seeds:
        frame = generator.frame(seed)
        scene = sample_scene(np.random.default_rng(seed), CAMERA, config)
        np.testing.assert_array_equal(scene.joints_m * np.float32(1000.0), frame.joints_mm)
        depth_m = np.where(frame.depth_mm > 0, frame.depth_mm / 1000.0, np.nan)
        for joint, (sphere, segment) in _finger_spheres().items():
            centers = scene.hand.centers_m
            ray = centers[sphere] / np.linalg.norm(centers[sphere])
            axes = np.diff(centers[segment], axis=0)
            sine = np.min(np.linalg.norm(np.cross(axes, ray), axis=1)
                          / np.linalg.norm(axes, axis=1))
            uv = frame.joints_uvd[joint, :2]
            inside = 0 <= uv[0] < CAMERA.width and 0 <= uv[1] < CAMERA.height
            if not inside or sine < np.sin(np.deg2rad(25.0)):
                continue
            occluders = _depth_near(renderer.render(_without_sphere(scene.hand, sphere)), uv)
            if np.min(occluders) < centers[sphere, 2] - scene.hand.radii_m[sphere]:
                continue  # hidden behind another part of the hand
            visible += 1
            lower = centers[sphere, 2] - scene.hand.radii_m[segment].max() / sine - margin_m
            upper = frame.joints_mm[joint, 2] / 1000.0 + margin_m
            near = _depth_near(depth_m, uv)
            found += bool(np.any((near >= lower) & (near <= upper)))
    assert visible > 0.4 * len(seeds) * len(_finger_spheres()), 'too few visible joints'
    return found / visible


def test_visible_joints_lie_on_the_rendered_hand():
    assert _check_joints_on_hand(CLEAN, range(12), MARGIN_M) == 1.0


def test_visible_joints_lie_on_the_hand_through_sensor_noise():
    noisy = replace(CLEAN, sensor_probability=1.0)
    # Missing pixels (holes, lost edges) may take a joint's neighbourhood; noise is ~z^2.
    assert _check_joints_on_hand(noisy, range(12), margin_m=0.02) > 0.9


def test_same_seed_gives_the_same_frame_bit_for_bit():
    first, second = (SyntheticHandGenerator(CAMERA).frame(11) for _ in range(2))
    np.testing.assert_array_equal(first.depth_mm, second.depth_mm)
    np.testing.assert_array_equal(first.joints_mm, second.joints_mm)
    np.testing.assert_array_equal(first.joints_uvd, second.joints_uvd)
    assert (first.gesture, first.handedness) == (second.gesture, second.handedness)
    generator = SyntheticHandGenerator(CAMERA)
    frames = [generator.frame(seed) for seed in range(4)]
    assert len({frame.depth_mm.tobytes() for frame in frames}) == 4
    assert len({frame.joints_mm.tobytes() for frame in frames}) == 4


def test_frame_fields_are_consistent():
    generator = SyntheticHandGenerator(CAMERA)
    for seed in range(6):
        frame = generator.frame(seed)
        assert frame.depth_mm.dtype == np.uint16 and frame.depth_mm.shape == (480, 640)
        assert frame.joints_mm.dtype == np.float32 and frame.joints_mm.shape == (21, 3)
        np.testing.assert_allclose(frame.joints_uvd[:, :2],
                                   CAMERA.project(frame.joints_mm / 1000.0), atol=1e-3)
        np.testing.assert_allclose(frame.joints_uvd[:, 2], frame.joints_mm[:, 2], rtol=1e-6)
        assert frame.handedness in ('left', 'right')
        assert 0.2 * 1000 - 250 < frame.joints_uvd[:, 2].min()
        assert frame.joints_uvd[:, 2].max() < 1.2 * 1000 + 250


def test_hands_beyond_half_a_metre_are_fully_in_the_image():
    generator = SyntheticHandGenerator(CAMERA, SyntheticConfig(distance_range_m=(0.5, 1.2),
                                                               partial_view_probability=0.0,
                                                               egocentric_probability=0.0))
    for seed in range(20):
        uv = generator.frame(seed).joints_uvd[:, :2]
        assert np.all(uv >= 0) and np.all(uv[:, 0] < 640) and np.all(uv[:, 1] < 480)


def test_handedness_label_matches_the_geometry():
    generator = SyntheticHandGenerator(CAMERA, CLEAN)
    signs = {'left': set(), 'right': set()}
    for seed in range(30):
        frame = generator.frame(seed)
        j = frame.joints_mm.astype(np.float64)
        vectors = j[[MANO.index('index_mcp'), MANO.index('pinky_mcp'),
                     MANO.index('thumb_cmc')]] - j[MANO.index('wrist')]
        signs[frame.handedness].add(np.sign(np.linalg.det(vectors)))
    assert len(signs['left']) == len(signs['right']) == 1
    assert signs['left'] != signs['right']


def test_gesture_config_controls_the_labels():
    only_fists = SyntheticConfig(gesture_probability=1.0, gestures=('fist',))
    generator = SyntheticHandGenerator(CAMERA, only_fists)
    assert {generator.frame(seed).gesture for seed in range(5)} == {'fist'}
    natural = SyntheticHandGenerator(CAMERA, SyntheticConfig(gesture_probability=0.0))
    assert {natural.frame(seed).gesture for seed in range(5)} == {''}


def test_joints_in_other_layouts():
    frame = SyntheticHandGenerator(CAMERA, CLEAN).frame(3)
    nyu = frame.joints_in('nyu14')
    nyu_names = get_skeleton('nyu14').joint_names
    assert nyu.shape == (14, 3)
    for k, name in enumerate(nyu_names):
        if name in MANO.joint_names:
            np.testing.assert_array_equal(nyu[k], frame.joints_mm[MANO.index(name)])
        else:
            assert np.all(np.isnan(nyu[k])), name  # wrist_1, wrist_2, palm
    assert not np.any(np.isnan(frame.joints_in('msra21')))
    assert np.isnan(frame.joints_in('icvl16')).any()


@pytest.mark.parametrize('name', sorted(CAMERA_PRESETS))
def test_every_camera_preset_renders(name):
    camera = get_camera_preset(name)
    frame = SyntheticHandGenerator(camera).frame(5)
    assert frame.depth_mm.shape == (camera.height, camera.width)
    assert np.count_nonzero(frame.depth_mm) > 500


def test_camera_presets_hold_the_published_intrinsics():
    assert (CAMERA.fx, CAMERA.fy, CAMERA.cx, CAMERA.cy) == (588.03, 587.07, 320.0, 240.0)
    sizes = {name: (c.width, c.height) for name, c in CAMERA_PRESETS.items()}
    assert sizes['realsense_d435_640x480'] == (640, 480)
    assert sizes['realsense_d435_848x480'] == (848, 480)
    assert sizes['kinect_v2'] == (512, 424)
    assert sizes['azure_kinect_nfov_unbinned'] == (640, 576)
    with pytest.raises(InputError, match='known'):
        get_camera_preset('kinect_v3')


def test_distortion_is_dropped_for_rectified_frames():
    distorted = CameraModel(640, 480, 500.0, 500.0, 320.0, 240.0,
                            distortion=(0.1, -0.2, 0.0, 0.0, 0.05))
    frame = SyntheticHandGenerator(distorted).frame(0)
    assert not frame.camera.has_distortion
    assert (frame.camera.fx, frame.camera.cx) == (500.0, 320.0)


def test_config_accepts_what_yaml_gives():
    config = SyntheticConfig(distance_range_m=[0.3, 0.9], gestures=['fist', 'ok'],
                             sensor={'baseline_m': [0.05, 0.05], 'speckle': [0.0, 0.0]})
    assert config.distance_range_m == (0.3, 0.9) and config.gestures == ('fist', 'ok')
    assert config.sensor.baseline_m == (0.05, 0.05)
    with pytest.raises(InputError):
        SyntheticConfig(sensor={'baseline_m': [0.05]})


@pytest.mark.parametrize('kwargs', [{'gesture_probability': 1.5}, {'body_probability': -0.1},
                                    {'distance_range_m': (1.0, 0.5)},
                                    {'hand_scale_range': (0.2, 1.0)}, {'gestures': ('wave',)},
                                    {'gestures': ()}])
def test_invalid_config_is_an_input_error(kwargs):
    with pytest.raises(InputError):
        SyntheticConfig(**kwargs)
