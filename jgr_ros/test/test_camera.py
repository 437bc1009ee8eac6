# Copyright 2026 jgr_ros contributors. MIT License.
"""CameraModel: projection round trips with and without distortion, and invalid intrinsics."""

from jgr_ros.camera import CameraModel
from jgr_ros.errors import InputError
import numpy as np
import pytest

PLUMB_BOB = (0.12, -0.25, 0.001, -0.002, 0.08)
RATIONAL_POLYNOMIAL = (0.45, -0.08, 0.0005, -0.0008, 0.01, 0.78, -0.03, 0.02)  # Azure-Kinect-like


def _points_mm(count: int = 200) -> np.ndarray:
    rng = np.random.default_rng(7)
    return np.stack([rng.uniform(-250, 250, count), rng.uniform(-180, 180, count),
                     rng.uniform(400, 1200, count)], axis=-1)


@pytest.mark.parametrize('fy', [587.07, -587.07])
@pytest.mark.parametrize('model, coefficients', [
    ('plumb_bob', ()), ('plumb_bob', PLUMB_BOB), ('rational_polynomial', RATIONAL_POLYNOMIAL)])
def test_project_back_project_round_trip(fy, model, coefficients):
    camera = CameraModel(640, 480, 588.03, fy, 320.5, 241.0, model, coefficients)
    points_mm = _points_mm().reshape(10, 20, 3)
    uvd = camera.project_uvd(points_mm)
    assert uvd.shape == (10, 20, 3)
    np.testing.assert_allclose(uvd[..., 2], points_mm[..., 2])
    np.testing.assert_allclose(camera.back_project_uvd(uvd), points_mm, atol=1e-6)
    np.testing.assert_allclose(camera.back_project(uvd[..., :2], uvd[..., 2]), points_mm,
                               atol=1e-6)


def test_distortion_follows_the_plumb_bob_formula():
    camera = CameraModel(640, 480, 500.0, 510.0, 320.0, 240.0, 'plumb_bob', PLUMB_BOB)
    points_mm = _points_mm(20)
    k1, k2, p1, p2, k3 = PLUMB_BOB
    x, y = points_mm[:, 0] / points_mm[:, 2], points_mm[:, 1] / points_mm[:, 2]
    r2 = x * x + y * y
    radial = 1 + k1 * r2 + k2 * r2 ** 2 + k3 * r2 ** 3
    x_d = x * radial + 2 * p1 * x * y + p2 * (r2 + 2 * x * x)
    y_d = y * radial + p1 * (r2 + 2 * y * y) + 2 * p2 * x * y
    expected = np.stack([500.0 * x_d + 320.0, 510.0 * y_d + 240.0], axis=-1)
    np.testing.assert_allclose(camera.project(points_mm), expected, atol=1e-9)


def test_nyu_convention_back_projection():
    camera = CameraModel(640, 480, 588.03, -587.07, 320.0, 240.0)
    xyz = camera.back_project_uvd(np.array([[420.0, 140.0, 800.0]]))[0]
    np.testing.assert_allclose(xyz, [100 * 800 / 588.03, -100 * 800 / -587.07, 800.0])
    assert xyz[1] > 0.0, 'NYU labels have y up: a pixel above the centre has positive y'


def test_back_projection_keeps_the_unit_of_the_depth():
    camera = CameraModel(640, 480, 600.0, 600.0, 320.0, 240.0, 'plumb_bob', PLUMB_BOB)
    uv = np.array([[100.0, 400.0], [500.0, 50.0]])
    depth_mm = np.array([700.0, 1250.0])
    np.testing.assert_allclose(camera.back_project(uv, depth_mm) / 1000.0,
                               camera.back_project(uv, depth_mm / 1000.0))


def test_from_camera_info():
    camera = CameraModel.from_camera_info(
        640, 480, [615.0, 0.0, 321.5, 0.0, 616.0, 239.5, 0.0, 0.0, 1.0], [0.0] * 5, 'plumb_bob')
    assert (camera.fx, camera.fy, camera.cx, camera.cy) == (615.0, 616.0, 321.5, 239.5)
    assert not camera.has_distortion
    np.testing.assert_array_equal(camera.matrix, [[615, 0, 321.5], [0, 616, 239.5], [0, 0, 1]])


def test_all_zero_distortion_is_a_pinhole_whatever_the_model_name():
    camera = CameraModel(640, 480, 600.0, 600.0, 320.0, 240.0, 'equidistant', (0.0,) * 4)
    assert not camera.has_distortion
    np.testing.assert_allclose(camera.project([[60.0, -30.0, 600.0]]), [[380.0, 210.0]])


@pytest.mark.parametrize('kwargs, message', [
    ({'fx': 0.0}, 'fx=0.0'),
    ({'fy': float('nan')}, 'fy=nan'),
    ({'fx': float('inf')}, 'finite'),
    ({'cx': 700.0}, 'principal point'),
    ({'cy': -1.0}, 'principal point'),
    ({'width': 0}, 'positive'),
    ({'distortion': (0.1, float('nan'), 0, 0, 0)}, 'finite'),
    ({'distortion_model': 'equidistant', 'distortion': (0.1, 0.01, 0.0, 0.0)}, 'unsupported'),
    ({'distortion_model': 'plumb_bob', 'distortion': RATIONAL_POLYNOMIAL}, 'needs 5'),
])
def test_invalid_intrinsics_raise(kwargs, message):
    fields = {'width': 640, 'height': 480, 'fx': 588.0, 'fy': 587.0, 'cx': 320.0, 'cy': 240.0}
    with pytest.raises(InputError, match=message):
        CameraModel(**{**fields, **kwargs})


def test_uncalibrated_camera_info_raises():
    with pytest.raises(InputError, match='not calibrated'):
        CameraModel.from_camera_info(640, 480, [0.0] * 9, [], '')
    with pytest.raises(InputError, match='9 elements'):
        CameraModel.from_camera_info(640, 480, [1.0] * 8, [], 'plumb_bob')


def k_matrix(fx: float, fy: float, cx: float = 320.0, cy: float = 240.0) -> list[float]:
    return [fx, 0.0, cx, 0.0, fy, cy, 0.0, 0.0, 1.0]


@pytest.mark.parametrize('width, height, k, d, message', [
    (640, 480, k_matrix(-588.0, 587.0), [], 'implausible'),           # negative fx
    (640, 480, k_matrix(1e-300, 1e-300), [], 'below'),                # underflowing fx * fy
    (640, 480, k_matrix(5e-324, 5e-324, 5e-324, 5e-324), [], 'below'),  # denormals
    (640, 480, k_matrix(1e30, 1e30), [], 'implausible'),
    (640, 480, k_matrix(588.0, 58.8), [], 'implausible'),             # fx / fy = 10
    (1, 1, k_matrix(1.0, 1.0, 0.5, 0.5), [], 'image size'),
    (640, 480, k_matrix(588.0, 587.0), [1e30, -1e30, 0.0, 0.0, 1e30], 'distortion'),
])
def test_implausible_camera_info_raises(width, height, k, d, message):
    with pytest.raises(InputError, match=message):
        CameraModel.from_camera_info(width, height, k, d, 'plumb_bob')


def test_real_depth_cameras_camera_info_is_plausible():
    # RealSense D435 640x480, Azure Kinect NFOV unbinned 640x576 (rational polynomial), Kinect v2.
    CameraModel.from_camera_info(640, 480, k_matrix(385.4, 385.4, 321.6, 238.9), [0.0] * 5,
                                 'plumb_bob')
    CameraModel.from_camera_info(640, 576, k_matrix(504.3, 504.4, 321.6, 334.1),
                                 [0.51, -2.8, 0.0, 0.0, 1.6, 0.39, -2.6, 1.5],
                                 'rational_polynomial')
    CameraModel.from_camera_info(512, 424, k_matrix(365.5, 365.5, 254.9, 205.4), [],
                                 'plumb_bob')


def test_image_size_mismatch_raises():
    camera = CameraModel(640, 480, 588.0, 587.0, 320.0, 240.0)
    camera.check_image_size(480, 640)
    with pytest.raises(InputError, match='320x240 but the camera info says 640x480'):
        camera.check_image_size(240, 320)


def test_bad_array_shapes_raise():
    camera = CameraModel(640, 480, 588.0, 587.0, 320.0, 240.0)
    with pytest.raises(InputError, match=r'\(\.\.\., 3\)'):
        camera.project(np.zeros((4, 2)))
    with pytest.raises(InputError, match='does not match'):
        camera.back_project(np.zeros((4, 2)), np.ones(3))
