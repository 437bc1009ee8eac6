# Copyright 2026 jgr_ros contributors. MIT License.
"""Hand localisation on synthetic scenes and real frames."""

import re

import cv2
from jgr_ros.camera import CameraModel
from jgr_ros.crop import crop_hand, crop_preview, HandCrop, image_to_crop
from jgr_ros.errors import InputError
from jgr_ros.localization import HandLocalizer, LocalizerConfig
import numpy as np
import pytest

CAMERA = CameraModel(640, 480, 475.0, 475.0, 320.0, 240.0)
HAND_MM = np.array([-20.0, -80.0, 600.0])  # centre of an elliptic 'hand' 100 x 180 mm
WALL_MM = 1400.0


def _paint(depth_mm: np.ndarray, inside, surface_mm) -> None:
    """Z-buffer a surface z = surface_mm(x, y) over the pixels where inside(x, y) holds."""
    rows, cols = np.mgrid[:CAMERA.height, :CAMERA.width]
    rays = CAMERA.back_project(np.stack([cols, rows], axis=-1), np.ones(rows.shape))
    z_mm = np.full(rows.shape, 600.0)
    for _ in range(5):  # solve z = surface(x(z), y(z)) for tilted surfaces
        x_mm, y_mm = rays[..., 0] * z_mm, rays[..., 1] * z_mm
        z_mm = np.broadcast_to(surface_mm(x_mm, y_mm), rows.shape)
    nearer = inside(x_mm, y_mm) & ((depth_mm == 0) | (z_mm < depth_mm))
    depth_mm[nearer] = z_mm[nearer]


def _hand_and_arm_scene(arm_down: bool = True, wall: bool = True) -> np.ndarray:
    """Make a hand whose forearm slopes away out of the image, a wall, a speck in front."""
    depth_mm = np.full((CAMERA.height, CAMERA.width), WALL_MM if wall else 0.0, np.float32)
    hand_x, hand_y, hand_z = HAND_MM
    down = 1.0 if arm_down else -1.0
    _paint(depth_mm, lambda x, y: ((x - hand_x) / 50) ** 2 + ((y - hand_y) / 90) ** 2 <= 1,
           lambda x, y: hand_z)
    wrist_y = hand_y + down * 80
    _paint(depth_mm, lambda x, y: (np.abs(x - hand_x) <= 35) & (down * (y - wrist_y) >= 0),
           lambda x, y: hand_z + 5 + 0.4 * down * (y - wrist_y))
    _paint(depth_mm, lambda x, y: (np.abs(x - 150) <= 4) & (np.abs(y + 120) <= 4),
           lambda x, y: 300.0)  # a 64 mm^2 speck (flying pixels, dust) in front of everything
    return depth_mm


def _blob_centroid_mm(depth_mm: np.ndarray, max_depth_mm: float) -> np.ndarray:
    rows, cols = np.nonzero((depth_mm > 400) & (depth_mm <= max_depth_mm))
    return CAMERA.back_project(np.stack([cols, rows], -1), depth_mm[rows, cols]).mean(axis=0)


@pytest.mark.parametrize('arm_enters_from, by_shape, arm_down', [
    ('bottom', False, True), ('top', False, False), ('bottom', True, True)])
def test_finds_the_hand_not_the_arm_or_the_speck(arm_enters_from, by_shape, arm_down):
    depth_mm = _hand_and_arm_scene(arm_down=arm_down)
    localizer = HandLocalizer(LocalizerConfig(arm_enters_from=arm_enters_from,
                                              hand_end_by_shape=by_shape))
    detection = localizer.locate(depth_mm, CAMERA)
    assert detection.found and detection.reason == ''
    assert np.linalg.norm(detection.center_mm - HAND_MM) < 20.0
    np.testing.assert_allclose(detection.center_uvd, CAMERA.project_uvd(detection.center_mm))
    # The scene has teeth: the centroid of everything in the depth band lies on the forearm.
    assert np.linalg.norm(_blob_centroid_mm(depth_mm, 750.0) - HAND_MM) > 60.0
    hand_pixels = np.abs(depth_mm - HAND_MM[2]) < 1.0
    assert detection.mask.shape == depth_mm.shape and detection.mask.dtype == bool
    assert detection.mask[hand_pixels].mean() > 0.95 and not detection.mask[depth_mm > 800].any()


def test_a_wrong_arm_side_puts_the_centre_on_the_arm():
    depth_mm = _hand_and_arm_scene(arm_down=True)
    localizer = HandLocalizer(LocalizerConfig(arm_enters_from='top', hand_end_by_shape=False))
    assert np.linalg.norm(localizer.locate(depth_mm, CAMERA).center_mm - HAND_MM) > 60.0


def _open_hand_on_forearm(angle_deg: float) -> np.ndarray:
    """
    Make a flat open hand (palm, four fingers) on a 300 mm forearm, the arm at ``angle_deg``.

    s runs along the arm towards the fingers, t across; the palm centre is at the origin.
    """
    depth_mm = np.zeros((CAMERA.height, CAMERA.width), np.float32)
    angle = np.deg2rad(angle_deg)

    def along_across(x, y):
        return x * np.cos(angle) + y * np.sin(angle), -x * np.sin(angle) + y * np.cos(angle)

    def hand(x, y):
        s, t = along_across(x, y)
        palm = (np.abs(s) <= 45) & (np.abs(t) <= 42)
        fingers = (s > 45) & (s <= 125) & (np.abs(np.abs(t) - 22) <= 7) | (
            (s > 45) & (s <= 125) & (np.abs(np.abs(t) - 6) <= 5))
        forearm = (s < -45) & (s >= -345) & (np.abs(t) <= 32)
        return palm | fingers | forearm

    _paint(depth_mm, hand, lambda x, y: 600.0)
    return depth_mm


@pytest.mark.parametrize('angle_deg', [-90, 0, 45, 90, 180])
def test_the_fingers_tell_the_hand_end_wherever_the_arm_comes_from(angle_deg):
    depth_mm = _open_hand_on_forearm(angle_deg)
    detection = HandLocalizer().locate(depth_mm, CAMERA)    # arm_enters_from='bottom'
    assert detection.found, detection.reason
    assert np.linalg.norm(detection.center_mm - [0.0, 0.0, 600.0]) < 40.0


def test_without_arm_the_centre_is_the_blob_centroid():
    depth_mm = np.zeros((CAMERA.height, CAMERA.width), np.float32)
    _paint(depth_mm, lambda x, y: (np.abs(x) <= 40) & (np.abs(y - 30) <= 60), lambda x, y: 450.0)
    detection = HandLocalizer().locate(depth_mm, CAMERA)
    np.testing.assert_allclose(detection.center_mm, [0.0, 30.0, 450.0], atol=2.0)


def _two_hand_sized_boxes() -> np.ndarray:
    """Return depth of two hand-sized boxes: at x -150 mm, 600 mm away, and 150 mm, 700 mm."""
    depth_mm = np.zeros((CAMERA.height, CAMERA.width), np.float32)
    for x_mm, z_mm in ((-150.0, 600.0), (150.0, 700.0)):
        _paint(depth_mm, lambda x, y, x0=x_mm: (np.abs(x - x0) <= 45) & (np.abs(y) <= 80),
               lambda x, y, z=z_mm: z)
    return depth_mm


def test_tracking_prior_picks_the_hand_near_it_and_falls_back_to_the_nearest():
    depth_mm = _two_hand_sized_boxes()
    localizer = HandLocalizer()
    nearest = localizer.locate(depth_mm, CAMERA)
    np.testing.assert_allclose(nearest.center_mm, [-150.0, 0.0, 600.0], atol=3.0)
    tracked = localizer.locate(depth_mm, CAMERA, prior_center_mm=[140.0, 10.0, 690.0])
    np.testing.assert_allclose(tracked.center_mm, [150.0, 0.0, 700.0], atol=3.0)
    lost = localizer.locate(depth_mm, CAMERA, prior_center_mm=[0.0, 0.0, 1200.0])
    np.testing.assert_allclose(lost.center_mm, nearest.center_mm)


def test_as_a_localiser_the_rules_find_one_hand_near_the_first_prior_that_has_one():
    depth_mm = _two_hand_sized_boxes()
    localizer = HandLocalizer()
    (nearest,) = localizer.locate_hands(depth_mm, CAMERA, max_hands=2)
    np.testing.assert_allclose(nearest.center_mm, [-150.0, 0.0, 600.0], atol=3.0)
    assert nearest.score == 1.0
    priors_mm = ([0.0, 0.0, 1200.0], [140.0, 10.0, 690.0])   # the first has nothing near it
    (near_prior,) = localizer.locate_hands(depth_mm, CAMERA, 2, priors_mm)
    np.testing.assert_allclose(near_prior.center_mm, [150.0, 0.0, 700.0], atol=3.0)
    none = localizer.locate_hands(np.full_like(depth_mm, 3000.0), CAMERA, 2)
    assert none == [] and 'no valid depth' in none.reason


def test_a_wall_near_the_prior_is_measured_whole_and_is_no_hand():
    # The prior's neighbourhood holds only a piece of the wall, small enough to be a hand.
    wall_mm = np.full((CAMERA.height, CAMERA.width), 700.0, np.float32)
    detection = HandLocalizer().locate(wall_mm, CAMERA, prior_center_mm=[0.0, 0.0, 700.0])
    assert not detection.found
    assert re.fullmatch(r'nearest blob \d+ mm\^2 > 150000 mm\^2 \(not a hand.*', detection.reason)


@pytest.mark.parametrize('scene, reason', [
    ('invalid', 'no valid depth in range 150-1500 mm'),
    ('beyond range', 'no valid depth in range 150-1500 mm'),
    ('speck only', r'largest blob \d+ mm\^2 < 2000 mm\^2 \(speck\)'),
    ('wall', r'nearest blob \d+ mm\^2 > 150000 mm\^2 \(not a hand'),
])
def test_no_hand_says_why(scene, reason):
    depth_mm = np.full((CAMERA.height, CAMERA.width), {'beyond range': 2500.0, 'wall': 800.0}
                       .get(scene, 0.0), np.float32)
    if scene == 'speck only':
        depth_mm[100:103, 200:203] = 500.0
    detection = HandLocalizer().locate(depth_mm, CAMERA)
    assert not detection.found and detection.center_mm is None and detection.mask is None
    assert re.fullmatch(reason + '.*', detection.reason), detection.reason


@pytest.mark.parametrize('depth_mm, message', [
    (np.zeros((0, 640)), 'non-empty 2-D'),
    (np.zeros((480, 640, 1)), 'non-empty 2-D'),
    (np.zeros((240, 320)), 'camera info says 640x480'),
])
def test_malformed_depth_raises(depth_mm, message):
    with pytest.raises(InputError, match=message):
        HandLocalizer().locate(depth_mm, CAMERA)


@pytest.mark.parametrize('settings, message', [
    ({'min_depth_mm': 900.0, 'max_depth_mm': 500.0}, 'min_depth_mm < max_depth_mm'),
    ({'band_mm': 0.0}, 'band_mm must be positive'),
    ({'min_area_mm2': 5e5}, 'min_area_mm2 < max_area_mm2'),
    ({'arm_enters_from': 'below'}, 'arm_enters_from must be one of'),
    ({'nearest_fraction': 1.5}, 'nearest_fraction'),
])
def test_invalid_config_raises(settings, message):
    with pytest.raises(InputError, match=message):
        LocalizerConfig(**settings)


def _joints_inside(crop: HandCrop, joints_uvd: np.ndarray) -> bool:
    uvz = image_to_crop(joints_uvd, crop)
    return bool(np.all((uvz[:, :2] >= 0) & (uvz[:, :2] <= 1)) and np.all(np.abs(uvz[:, 2]) <= 1))


@pytest.mark.data
def test_nyu_frame_hand_centre_is_at_the_palm(nyu_frame):
    camera = nyu_frame.camera
    detection = HandLocalizer().locate(nyu_frame.depth_mm, camera)
    assert detection.found, detection.reason
    palm_mm = camera.back_project_uvd(nyu_frame.joints_uvd[13])
    assert np.linalg.norm(detection.center_mm - palm_mm) < 40.0
    crop = crop_hand(nyu_frame.depth_mm, camera, detection.center_mm, 300.0)
    assert _joints_inside(crop, nyu_frame.joints_uvd)


@pytest.mark.data
def test_hands2017_frame_crop_shows_the_hand(hands2017_frame, tmp_path):
    camera = hands2017_frame.camera
    detection = HandLocalizer().locate(hands2017_frame.depth_mm, camera)
    assert detection.found, detection.reason
    # The fingers (a V sign) point up from a palm at about (305, 215); the arm runs down-left.
    u, v, depth_mm = detection.center_uvd
    assert abs(u - 305) < 20 and abs(v - 215) < 25 and 560 < depth_mm < 600
    crop = crop_hand(hands2017_frame.depth_mm, camera, detection.center_mm, 300.0)
    foreground = crop.image < 1.0
    assert 0.05 < foreground.mean() < 0.5 and foreground[:30].any()  # fingers in the top third
    path = tmp_path / 'hands2017_crop.png'
    assert cv2.imwrite(str(path), crop_preview(crop))
    np.testing.assert_array_equal(cv2.imread(str(path), cv2.IMREAD_UNCHANGED), crop_preview(crop))
