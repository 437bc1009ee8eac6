# Copyright 2026 jgr_ros contributors. MIT License.
"""The hand crop: exact inverse, sampling, depth normalisation, conventions and bad input."""

from jgr_ros.camera import CameraModel
from jgr_ros.crop import (
    camera_to_crop,
    crop_hand,
    crop_preview,
    crop_to_camera,
    crop_to_image,
    image_to_crop,
)
from jgr_ros.errors import InputError
import numpy as np
import pytest

NYU = CameraModel(640, 480, 588.03, -587.07, 320.0, 240.0)
Y_DOWN = CameraModel(640, 480, 475.07, 475.07, 315.94, 245.29)
CENTER_MM = np.array([-60.0, 25.0, 700.0])


def _ramp_depth_mm(camera: CameraModel) -> np.ndarray:
    """Make a depth image whose values tell where they are: 600 + u / 10 + v / 1000 mm."""
    rows, cols = np.mgrid[:camera.height, :camera.width]
    return (600.0 + cols / 10.0 + rows / 1000.0).astype(np.float32)


@pytest.mark.parametrize('camera', [NYU, Y_DOWN])
@pytest.mark.parametrize('rotation_deg', [0.0, 37.0, -150.0])
@pytest.mark.parametrize('size', [96, 128])
def test_crop_to_image_inverts_image_to_crop(camera, rotation_deg, size):
    crop = crop_hand(_ramp_depth_mm(camera), camera, CENTER_MM, (300.0, 250.0, 280.0), size,
                     rotation_deg)
    rng = np.random.default_rng(3)
    uvd = np.column_stack([rng.uniform(0, 640, 50), rng.uniform(0, 480, 50),
                           rng.uniform(500, 900, 50)])
    np.testing.assert_allclose(crop_to_image(image_to_crop(uvd, crop), crop), uvd, atol=1e-9)
    uvz_norm = rng.uniform(-0.2, 1.2, (4, 14, 3))
    np.testing.assert_allclose(image_to_crop(crop_to_image(uvz_norm, crop), crop), uvz_norm,
                               atol=1e-12)
    points_mm = camera.back_project_uvd(uvd)
    np.testing.assert_allclose(crop_to_camera(camera_to_crop(points_mm, crop, camera), crop,
                                              camera), points_mm, atol=1e-9)


@pytest.mark.parametrize('camera', [NYU, Y_DOWN])
def test_cube_faces_map_to_the_crop_edges(camera):
    size, cube_mm = 96, np.array([300.0, 240.0, 280.0])
    crop = crop_hand(_ramp_depth_mm(camera), camera, CENTER_MM, cube_mm, size)
    half = cube_mm / 2.0
    image_down_mm = np.sign(camera.fy) * half[1]  # NYU's y is up
    sideways_mm = np.array([[0, 0, 0], [-half[0], 0, 0], [half[0], 0, 0], [0, image_down_mm, 0]])
    on_the_ray_behind_mm = CENTER_MM * (1.0 + half[2] / CENTER_MM[2])
    points_mm = np.vstack([CENTER_MM + sideways_mm, on_the_ray_behind_mm])
    half_pixel = 0.5 / (size - 1)
    np.testing.assert_allclose(camera_to_crop(points_mm, crop, camera), [
        [0.5, 0.5, 0.0], [-half_pixel, 0.5, 0.0], [1 + half_pixel, 0.5, 0.0],
        [0.5, 1 + half_pixel, 0.0], [0.5, 0.5, 1.0]], atol=1e-9)
    box_px = cube_mm[:2] * np.abs([camera.fx, camera.fy]) / CENTER_MM[2]
    assert np.all(box_px <= crop.roi[2:]) and np.all(crop.roi[2:] <= box_px + 2)  # touched px


@pytest.mark.parametrize('rotation_deg', [0.0, 90.0, 25.0])
def test_crop_pixels_sample_the_pixels_the_transform_names(rotation_deg):
    depth_mm = _ramp_depth_mm(Y_DOWN)
    crop = crop_hand(depth_mm, Y_DOWN, CENTER_MM, 250.0, 64, rotation_deg)
    rows, cols = np.mgrid[:64, :64]
    crop_px = np.stack([cols, rows], axis=-1).reshape(-1, 2) / 63.0
    uvd = crop_to_image(np.column_stack([crop_px, np.zeros(len(crop_px))]), crop)
    source_px = np.rint(uvd[:, :2]).astype(int)
    expected = (depth_mm[source_px[:, 1], source_px[:, 0]] - CENTER_MM[2]) / 125.0
    # Nearest-neighbour rounding may pick the adjacent pixel exactly at a half-pixel tie.
    np.testing.assert_allclose(crop.image.ravel(), expected, atol=0.11 / 125 + 1e-6)


def test_rotation_is_counter_clockwise_on_screen():
    crop = crop_hand(_ramp_depth_mm(Y_DOWN), Y_DOWN, CENTER_MM, 300.0, 96, rotation_deg=90.0)
    center_uv = Y_DOWN.project(CENTER_MM)
    right_of_center = np.array([[*(center_uv + (20.0, 0.0)), 700.0]])
    u_norm, v_norm, _ = image_to_crop(right_of_center, crop)[0]
    assert u_norm == pytest.approx(0.5) and v_norm < 0.5  # the right side turned to the top


def test_depth_normalisation_far_plane_and_clipping():
    depth_mm = np.full((480, 640), 700.0, np.float32)
    depth_mm[:, 200:240] = 0.0  # invalid
    depth_mm[:, 240:280] = 900.0  # behind the cube
    depth_mm[:, 280:300] = 500.0  # in front of the cube
    depth_mm[:, 300:320] = 790.0  # inside, near the back
    center_mm = Y_DOWN.back_project_uvd(np.array([270.0, 240.0, 700.0]))
    crop = crop_hand(depth_mm, Y_DOWN, center_mm, 200.0, 96)
    assert crop.image.dtype == np.float32 and crop.image.shape == (96, 96)
    probes_uvd = np.array([[u, 240.0, 700.0] for u in (220, 260, 290, 310, 330)])
    columns = np.rint(image_to_crop(probes_uvd, crop)[:, 0] * 95).astype(int)
    np.testing.assert_allclose(crop.image[48, columns], [1.0, 1.0, -1.0, 0.9, 0.0], atol=1e-6)


def test_crop_leaving_the_image_reads_far_plane():
    depth_mm = np.full((480, 640), 650.0, np.float32)
    corner_mm = Y_DOWN.back_project_uvd(np.array([2.0, 3.0, 650.0]))
    crop = crop_hand(depth_mm, Y_DOWN, corner_mm, 300.0, 96)
    assert np.all(crop.image[:40, :40] == 1.0) and np.all(crop.image[60:, 60:] == 0.0)
    x, y, w, h = crop.roi
    assert (x, y) == (0, 0) and 0 < w < 120 and 0 < h < 120


def test_crop_preview_is_a_visible_upscaled_picture():
    crop = crop_hand(_ramp_depth_mm(NYU), NYU, CENTER_MM, 300.0, 32)
    picture = crop_preview(crop, upscale=4)
    assert picture.dtype == np.uint8 and picture.shape == (128, 128)
    np.testing.assert_array_equal(picture[::4, ::4], np.rint((crop.image + 1) * 127.5))


@pytest.mark.parametrize('center, cube, size, message', [
    ([0.0, 0.0, 0.0], 300.0, 96, 'z > 0'),
    ([0.0, np.nan, 700.0], 300.0, 96, 'finite'),
    ([0.0, 700.0], 300.0, 96, '3 finite values'),
    ([0.0, 0.0, 700.0], -300.0, 96, 'positive sizes'),
    ([0.0, 0.0, 700.0], (300.0, 300.0), 96, 'one or three'),
    ([0.0, 0.0, 700.0], 300.0, 1, 'at least 2'),
])
def test_bad_crop_arguments_raise(center, cube, size, message):
    with pytest.raises(InputError, match=message):
        crop_hand(np.ones((480, 640), np.float32), NYU, center, cube, size)


def test_depth_of_the_wrong_size_or_shape_raises():
    with pytest.raises(InputError, match='camera info says 640x480'):
        crop_hand(np.ones((240, 320)), NYU, CENTER_MM, 300.0)
    with pytest.raises(InputError, match='non-empty 2-D'):
        crop_hand(np.ones((0, 640)), NYU, CENTER_MM, 300.0)
    crop = crop_hand(np.ones((480, 640)), NYU, CENTER_MM, 300.0)
    with pytest.raises(InputError, match=r'\(\.\.\., 3\)'):
        crop_to_image(np.zeros((14, 2)), crop)
