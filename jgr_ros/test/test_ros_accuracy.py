# Copyright 2026 jgr_ros contributors. MIT License.
"""
The shipped model through the live node over DDS, scored against synthetic ground truth.

Frames are the first of the held-out synthetic test set that the model card is measured on
(jgr_ros.training.synthetic_eval, "pipeline" protocol: localise, refine, crop, JGR-P2O), sent
as 16UC1 and as 32FC1 depth images.
"""
import numpy as np
import pytest
from ros_harness import ros  # noqa: F401, I100  (fixture)

pytest.importorskip('jgr_msgs.msg', reason='jgr_msgs is not built: run ./setup.sh and source '
                                           'tools/env.sh')
from jgr_ros import networks  # noqa: E402, I100
from jgr_ros.model_file import load_model  # noqa: E402
from jgr_ros.ros.conversions import joints_from_msg  # noqa: E402
from jgr_ros.training import synthetic_eval  # noqa: E402
from ros_fixtures import NodeRig  # noqa: E402

pytestmark = [pytest.mark.ros, pytest.mark.slow]
FRAMES = 24
MIN_FOUND_FRACTION = 0.85


def error_bound_mm(pose_model_path) -> float:
    """
    Return the bound on the median per-frame error, from the model's recorded validation.

    The model file's provenance holds its validation mean 3-D error, measured at ground-truth
    centres; the live pipeline adds localisation and refinement error, and 24 frames scatter,
    hence twice that plus 10 mm. The median ignores the rare frame where the localiser picks
    another object (the found fraction and the model card's pipeline numbers cover those).
    """
    _, info = load_model(pose_model_path)
    validation_mm = info.provenance.get('metrics', {}).get('val_mean_error_mm')
    assert validation_mm is not None, f'{pose_model_path} records no val_mean_error_mm'
    return 2.0 * validation_mm + 10.0


@pytest.fixture(scope='module')
def shipped_models():
    paths = [networks.shipped_model_path(name)
             for name in (networks.DEFAULT_POSE_MODEL, networks.DEFAULT_CENTER_MODEL)]
    missing = [str(path) for path in paths if not path.is_file()]
    if missing:
        pytest.skip(f'shipped model not there yet: {", ".join(missing)}')
    return paths


def test_shipped_model_is_accurate_through_the_node(ros, shipped_models):  # noqa: F811
    rig = NodeRig(ros, tracking=False, device='cpu')   # independent frames: no tracking prior
    generator = synthetic_eval.held_out_frames(FRAMES)
    errors_mm, encoding_differences_m, found = [], [], 0
    for index in range(FRAMES):
        labelled = generator[index]
        millimetres = rig.send_depth(labelled.depth_mm, labelled.camera, '16UC1')
        metres = rig.send_depth(labelled.depth_mm, labelled.camera, '32FC1')
        assert millimetres is not None and metres is not None, f'no answer to frame {index}'
        assert len(millimetres.hands) == len(metres.hands)
        if not millimetres.hands:
            continue
        found += 1
        estimate_m = joints_from_msg(millimetres.hands[0])
        encoding_differences_m.append(np.abs(joints_from_msg(metres.hands[0]) - estimate_m).max())
        errors_mm.append(np.linalg.norm(estimate_m * 1000.0 - labelled.joints_mm, axis=1).mean())
    assert found / FRAMES >= MIN_FOUND_FRACTION
    # The same depth either way: the same joints, but for the int8 networks' rounding, which a
    # depth 1e-4 mm off can tip in a few frames (measured: 21 of 22 within 1e-7 m, one 4.2 mm).
    assert np.median(encoding_differences_m) < 1e-5 and max(encoding_differences_m) < 0.01
    bound_mm = error_bound_mm(shipped_models[0])
    print(f'errors over {found}/{FRAMES} frames: median {np.median(errors_mm):.1f} mm, mean '
          f'{np.mean(errors_mm):.1f} mm (bound on the median {bound_mm:.1f} mm)')
    assert np.median(errors_mm) < bound_mm
