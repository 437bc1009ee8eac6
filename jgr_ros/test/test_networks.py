# Copyright 2026 jgr_ros contributors. MIT License.
"""
The networks' conventions: centre refinement; crops of the wrong size; mirrored crops.

The shipped networks' outputs are pinned by test_golden_outputs.py, every backend's agreement
by test_bench.py.
"""
from jgr_ros.camera import CameraModel
from jgr_ros.crop import crop_to_camera
from jgr_ros.errors import InputError
from jgr_ros.networks import check_crops, mirror_uvz, PoseModel, refine_center
from jgr_ros.training.synthetic_eval import held_out_frames
import numpy as np
import pytest

CAMERA = CameraModel(640, 480, 475.0, 475.0, 320.0, 240.0)
DISC_CENTER_MM = np.array([10.0, -20.0, 650.0])
DISC_RADIUS_MM = 60.0


def _disc_facing_the_camera() -> np.ndarray:
    """Return a depth image of a flat disc at DISC_CENTER_MM, nothing behind it."""
    rows, cols = np.mgrid[:CAMERA.height, :CAMERA.width]
    points_mm = CAMERA.back_project(np.stack([cols, rows], axis=-1),
                                    np.full(rows.shape, DISC_CENTER_MM[2]))
    inside = (np.linalg.norm(points_mm[..., :2] - DISC_CENTER_MM[:2], axis=-1)
              <= DISC_RADIUS_MM)
    return np.where(inside, DISC_CENTER_MM[2], 0.0).astype(np.float32)


def _near_pixels_offset(crop_image: np.ndarray) -> np.ndarray:
    """
    Offset of the crop's foreground centroid from the crop centre, in cube / 2 units.

    A hand-written stand-in for the learned regressor: u, v in [0, 1] span the cube's x, y
    (image y is down here: fy > 0), z is already normalised.
    """
    rows, cols = np.nonzero(crop_image < 0.99)
    side = crop_image.shape[0] - 1
    return np.array([cols.mean() / side * 2 - 1, rows.mean() / side * 2 - 1,
                     crop_image[rows, cols].mean()])


def test_refine_center_moves_the_centre_onto_the_object():
    depth_mm = _disc_facing_the_camera()
    start_mm = np.array([50.0, -60.0, 620.0])
    refined_mm = refine_center(depth_mm, CAMERA, start_mm, 300.0, _near_pixels_offset,
                               iterations=3)
    np.testing.assert_allclose(refined_mm, DISC_CENTER_MM, atol=2.0)
    assert np.all(refine_center(depth_mm, CAMERA, start_mm, 300.0, _near_pixels_offset, 0)
                  == start_mm)
    with pytest.raises(InputError, match='3 finite values'):
        refine_center(depth_mm, CAMERA, start_mm, 300.0, lambda image: np.zeros(2))


def test_crops_are_float32_batches_of_the_input_size():
    crops = check_crops(np.zeros((2, 96, 96), np.float64), 96)
    assert crops.dtype == np.float32 and crops.flags.c_contiguous
    with pytest.raises(InputError, match=r'\(B, 96, 96\)'):
        check_crops(np.zeros((96, 96)), 96)


def test_a_mirrored_crop_gives_the_same_hand_mirrored_back():
    frame = held_out_frames(1)[0]
    model = PoseModel(None, 'cpu')
    crop = model.crop(frame.depth_mm, frame.camera, model.skeleton.hand_center(frame.joints_mm))

    def error_mm(uvz: np.ndarray) -> float:
        joints_mm = crop_to_camera(uvz, crop, frame.camera)
        return float(np.linalg.norm(joints_mm - frame.joints_mm, axis=1).mean())

    plain = model.predict_crops(crop.image[None])[0]
    mirrored_back = mirror_uvz(model.predict_crops(crop.image[None, :, ::-1])[0])
    averaged = model.predict_crops(crop.image[None], mirrored=True)[0]
    np.testing.assert_allclose(averaged, (plain + mirrored_back) / 2.0, atol=1e-5)
    # Read back in the wrong convention, the mirrored estimate would be a hand-width away.
    assert error_mm(plain) < 15.0 and error_mm(mirrored_back) < 15.0
    assert error_mm(averaged) < 15.0
