# Copyright 2026 jgr_ros contributors. MIT License.
"""The depth-sensor model against the physics it claims: z^2 noise, quantisation, shadows."""

from dataclasses import replace

import cv2
from jgr_ros.camera import CameraModel
from jgr_ros.errors import InputError
from jgr_ros.synthetic.render import DepthRenderer
from jgr_ros.synthetic.sensor import ideal_depth_mm, SensorConfig, simulate_sensor
from jgr_ros.synthetic.sphere_mesh import single_pill
import numpy as np
import pytest

CAMERA = CameraModel(200, 150, fx=200.0, fy=200.0, cx=100.0, cy=75.0)
F_B = 200.0 * 0.075  # focal length (px) times baseline (m)
# A sensor with fixed parameters and no missing pixels at all.
EXACT = SensorConfig(baseline_m=(0.075, 0.075), disparity_step_px=(0.125, 0.125),
                     disparity_noise_px=(0.05, 0.05), shadow_probability=0.0,
                     edge_fattening_px=(0, 0),
                     tof_noise_mm=(1.0, 1.0), tof_noise_mm_per_m2=(2.0, 2.0),
                     correlated_noise_probability=0.0, edge_dropout=(0.0, 0.0),
                     grazing_cos=(0.0, 0.0), dropout_blobs_mean=0.0, speckle=(0.0, 0.0),
                     flying_pixels=(0.0, 0.0))
STEREO = replace(EXACT, disparity_sensor_probability=1.0)
TOF = replace(EXACT, disparity_sensor_probability=0.0)


def _wall(z_m: float) -> np.ndarray:
    renderer = DepthRenderer(CAMERA)
    depth = renderer.empty()
    renderer.render_plane(np.array([0.0, 0.0, 1.0]), z_m, depth)
    return depth


def _ball_before_wall(ball_z_m: float, wall_z_m: float) -> np.ndarray:
    renderer = DepthRenderer(CAMERA)
    center = np.array([0.0, 0.0, ball_z_m])
    depth = renderer.render(single_pill(center, center, 0.05, 0.05))
    renderer.render_plane(np.array([0.0, 0.0, 1.0]), wall_z_m, depth)
    return depth


def _interior(depth_mm: np.ndarray) -> np.ndarray:
    return depth_mm[10:-10, 10:-10].astype(np.float64)


def test_ideal_depth_is_rounded_millimetres_with_zero_for_nothing():
    depth = np.array([[0.5004, 0.5006, np.inf, np.nan, 5.0]], np.float32)
    np.testing.assert_array_equal(ideal_depth_mm(depth, max_range_m=4.0), [[500, 501, 0, 0, 0]])


def test_disparity_noise_grows_with_the_square_of_depth():
    sigmas = []
    for z_m in (0.5, 1.0):
        depth_mm = _interior(simulate_sensor(_wall(z_m), CAMERA, np.random.default_rng(0),
                                             STEREO))
        assert abs(depth_mm.mean() - z_m * 1000.0) < 0.3 * z_m ** 2 * 10.0  # unbiased
        sigmas.append(depth_mm.std())
    # Disparity noise and 1/8 px quantisation: sigma_z = z^2 / (f b) * sqrt(0.05^2 + 0.125^2/12)
    expected = 1000.0 * np.sqrt(0.05 ** 2 + 0.125 ** 2 / 12) / F_B
    assert sigmas[1] == pytest.approx(expected, rel=0.2)
    assert sigmas[1] / sigmas[0] == pytest.approx(4.0, rel=0.25)


def test_disparity_sensor_reports_quantised_depths():
    depth_mm = simulate_sensor(_wall(1.5), CAMERA, np.random.default_rng(1), STEREO)
    levels = np.unique(depth_mm)
    # Every level is f b / (k * step) for an integer k, rounded to millimetres.
    k = np.arange(60, 100)
    assert set(levels.tolist()) <= set(np.rint(1000.0 * F_B / (k * 0.125)).tolist())
    assert np.min(np.diff(levels)) >= 7  # steps of z^2 step / (f b) = 18.75 mm at 1.5 m, rounded


def test_time_of_flight_noise_is_a_plus_c_z_squared():
    depth_mm = _interior(simulate_sensor(_wall(1.0), CAMERA, np.random.default_rng(2), TOF))
    assert depth_mm.std() == pytest.approx(np.sqrt((1.0 + 2.0) ** 2 + 1 / 12), rel=0.1)
    assert abs(depth_mm.mean() - 1000.0) < 0.2


def test_projector_shadow_falls_left_of_a_near_object():
    shadowing = replace(STEREO, shadow_probability=1.0, disparity_noise_px=(0.0, 0.0),
                        disparity_step_px=(0.0, 0.0))
    depth_mm = simulate_sensor(_ball_before_wall(0.5, 1.0), CAMERA, np.random.default_rng(3),
                               shadowing)
    row = depth_mm[75]
    ball = np.flatnonzero((row > 0) & (row < 800))
    holes = np.flatnonzero(row == 0)
    # Shadow width f b (1/z_near - 1/z_far) at the ball's silhouette depth (about 0.5 m).
    expected_px = F_B * (1 / 0.5 - 1 / 1.0)
    left_band = holes[(holes < ball.min()) & (holes > ball.min() - 2 * expected_px)]
    assert len(left_band) == pytest.approx(expected_px, abs=3)
    assert np.all(row[ball.max() + 1:] > 900)  # nothing missing on the right


def test_stereo_matching_fattens_near_objects():
    clean = replace(STEREO, disparity_noise_px=(0.0, 0.0), disparity_step_px=(0.0, 0.0))
    widths = []
    for radius_px in (0, 2):
        fattening = replace(clean, edge_fattening_px=(radius_px, radius_px))
        row = simulate_sensor(_ball_before_wall(0.5, 1.0), CAMERA, np.random.default_rng(8),
                              fattening)[75]
        widths.append(np.count_nonzero((row > 0) & (row < 800)))
    assert widths[1] - widths[0] == 4  # two pixels on either side


def test_missing_pixels_at_silhouettes_blobs_and_speckle():
    rng = np.random.default_rng(4)
    clean = _ball_before_wall(0.5, 1.0)
    edges = replace(STEREO, edge_dropout=(1.0, 1.0))
    depth_mm = simulate_sensor(clean, CAMERA, rng, edges)
    silhouette = (np.abs(np.diff(clean, axis=1)) > 0.1)[75]
    assert np.all(depth_mm[75, :-1][silhouette] == 0)
    assert np.count_nonzero(depth_mm == 0) < 0.05 * depth_mm.size
    speckled = simulate_sensor(_wall(1.0), CAMERA, rng, replace(STEREO, speckle=(0.1, 0.1)))
    assert np.mean(speckled == 0) == pytest.approx(0.1, abs=0.01)
    blobs = simulate_sensor(_wall(1.0), CAMERA, rng,
                            replace(STEREO, dropout_blobs_mean=8.0, blob_radius_mm=(20, 20)))
    assert 0.005 < np.mean(blobs == 0) < 0.3


def test_grazing_incidence_loses_the_rim_of_a_ball():
    grazing = replace(STEREO, disparity_noise_px=(0.0, 0.0), grazing_cos=(0.5, 0.5))
    renderer = DepthRenderer(CAMERA)
    center = np.array([0.0, 0.0, 0.6])
    ball = renderer.render(single_pill(center, center, 0.1, 0.1))
    depth_mm = simulate_sensor(ball, CAMERA, np.random.default_rng(5), grazing)
    covered = np.isfinite(ball)
    assert depth_mm[75, 100] > 0  # facing the camera
    # cos(incidence) < 0.5 on the outer ring: radius > r sin(60 deg) of the disc.
    lost = covered & (depth_mm == 0)
    assert 0.1 < lost.sum() / covered.sum() < 0.4


def test_same_generator_state_gives_the_same_image():
    depth = _ball_before_wall(0.5, 1.0)
    first, second = (simulate_sensor(depth, CAMERA, np.random.default_rng(6)) for _ in range(2))
    np.testing.assert_array_equal(first, second)
    third = simulate_sensor(depth, CAMERA, np.random.default_rng(7))
    assert not np.array_equal(first, third)


@pytest.mark.parametrize('kwargs', [{'shadow_probability': 2.0}, {'baseline_m': (0.1, 0.05)},
                                    {'speckle': (-0.1, 0.1)}])
def test_invalid_sensor_config_is_an_input_error(kwargs):
    with pytest.raises(InputError):
        SensorConfig(**kwargs)


@pytest.mark.parametrize('config', [STEREO, TOF], ids=['stereo', 'tof'])
def test_flying_pixels_lie_between_the_surfaces_at_their_edge(config):
    depth = _ball_before_wall(0.5, 1.0)
    clean = simulate_sensor(depth, CAMERA, np.random.default_rng(0), config).astype(float)
    flying = simulate_sensor(depth, CAMERA, np.random.default_rng(0),
                             replace(config, flying_pixels=(1.0, 1.0))).astype(float)
    ball = np.isfinite(depth) & (depth < 0.8)
    far_from_edge = ~cv2.dilate(cv2.Canny(ball.astype(np.uint8) * 255, 1, 1), np.ones((5, 5)))
    between = (flying > 560.0) & (flying < 940.0)   # neither the ball (~0.45-0.5 m) nor the wall
    assert not np.any((clean > 560.0) & (clean < 940.0))
    assert np.count_nonzero(between) > 20            # a ring of mixed pixels around the ball
    assert not np.any(between & (far_from_edge > 0))  # ... only at its silhouette
