# Copyright 2026 jgr_ros contributors. MIT License.
"""Views of a hand from its joints, and accuracy broken down by them."""
from jgr_ros.skeletons import get_skeleton
from jgr_ros.training.views import errors_by_view, plot_errors_by_view, View, view_of
import numpy as np
from scipy.spatial.transform import Rotation

MANO = get_skeleton('mano21')


def _hand_mm(rotation: Rotation = Rotation.identity(), distance_mm: float = 500.0) -> np.ndarray:
    """Return a flat hand, fingers up (-y), palm to the camera, rotated about its wrist."""
    joints = np.zeros((MANO.num_joints, 3))
    roots = {'index_mcp': (25.0, -85.0), 'middle_mcp': (0.0, -90.0),
             'ring_mcp': (-20.0, -85.0), 'pinky_mcp': (-38.0, -78.0)}
    for name, (x, y) in roots.items():
        joints[MANO.index(name)] = (x, y, 0.0)
    for index, name in enumerate(MANO.joint_names):
        if name not in roots and name != 'wrist':
            joints[index] = (0.0, -120.0, 0.0)
    return rotation.apply(joints) + (0.0, 0.0, distance_mm)


def test_a_hand_shown_to_the_camera_fingers_up_is_face_on_and_across():
    assert view_of(_hand_mm(), MANO) == View('across', 'face-on')
    assert view_of(_hand_mm(Rotation.from_euler('y', 180, degrees=True)), MANO) == \
        View('across', 'face-on'), 'the back of the hand is face-on too'


def test_fingers_toward_and_away_from_the_camera():
    toward = Rotation.from_euler('x', 80, degrees=True)   # -y tips to -z: toward the camera
    assert view_of(_hand_mm(toward), MANO).fingers == 'toward'
    assert view_of(_hand_mm(toward.inv()), MANO).fingers == 'away'


def test_a_hand_seen_from_its_side_is_edge_on():
    assert view_of(_hand_mm(Rotation.from_euler('y', 85, degrees=True)), MANO).palm == 'edge-on'
    assert view_of(_hand_mm(Rotation.from_euler('y', 50, degrees=True)), MANO).palm == 'oblique'


def test_errors_by_view_counts_found_frames_and_their_errors(tmp_path):
    views = [View('across', 'face-on'), View('across', 'edge-on'), View('toward', 'face-on')]
    table = errors_by_view(views, np.array([5.0, 7.0, 9.0]), np.array([10.0, np.nan, 30.0]))
    assert table['fingers=across'] == {'frames': 2, 'gt_center_mean_error_mm': 6.0,
                                       'pipeline_found_fraction': 0.5,
                                       'pipeline_mean_error_mm': 10.0}
    assert table['palm=face-on']['pipeline_mean_error_mm'] == 20.0
    assert table['fingers=away'] == {'frames': 0, 'gt_center_mean_error_mm': None,
                                     'pipeline_found_fraction': None,
                                     'pipeline_mean_error_mm': None}
    plot_errors_by_view(table, tmp_path / 'views.png', 'three frames')
    assert (tmp_path / 'views.png').stat().st_size > 10_000
