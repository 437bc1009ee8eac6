# Copyright 2026 jgr_ros contributors. MIT License.
"""
Exactness of the sphere-mesh ray caster.

The hull of two spheres (a pill) is the union of the spheres whose centres and radii are
interpolated linearly between them, and the hull of three (a wedge) the union over barycentric
weights. Rendering many such spheres with the plain sphere formula therefore approaches the
exact render from behind: the test compares the two independently computed depth maps.
"""

from jgr_ros.camera import CameraModel
from jgr_ros.errors import InputError
from jgr_ros.synthetic.hand_model import HandPose, pose_hand
from jgr_ros.synthetic.poses import FACING_CAMERA, gesture_pose
from jgr_ros.synthetic.render import DepthRenderer
from jgr_ros.synthetic.sphere_mesh import mesh_topology, single_pill, SphereMesh
import numpy as np
import pytest

CAMERA = CameraModel(160, 120, fx=150.0, fy=150.0, cx=80.0, cy=60.0)


def _spheres(centers: np.ndarray, radii: np.ndarray) -> SphereMesh:
    empty = np.zeros((0, 2), np.int64)
    return SphereMesh(np.asarray(centers, float), np.asarray(radii, float), empty,
                      empty.reshape(0, 3))


def _dense_spheres(mesh: SphereMesh, steps: int) -> SphereMesh:
    """Spheres interpolated over every edge and triangle of ``mesh`` (plus its own spheres)."""
    weights = [(1.0, 0.0, 0.0)]
    weights += [(1 - a - b, a, b) for a in np.linspace(0, 1, steps + 1)
                for b in np.linspace(0, 1, steps + 1) if a + b <= 1.0 + 1e-9]
    weights = np.asarray(weights)
    centers, radii = [mesh.centers_m], [mesh.radii_m]
    for corners in list(mesh.edges) + list(mesh.triangles):
        corners = list(corners) + [corners[-1]] * (3 - len(corners))
        centers.append(weights @ mesh.centers_m[corners])
        radii.append(weights @ mesh.radii_m[corners])
    return _spheres(np.concatenate(centers), np.concatenate(radii))


def _compare_with_dense(mesh: SphereMesh, steps: int, tolerance_m: float) -> None:
    renderer = DepthRenderer(CAMERA)
    exact = renderer.render(mesh)
    approx = renderer.render(_dense_spheres(mesh, steps))
    hit = np.isfinite(approx)
    assert hit.sum() > 200, 'the scene must cover a good part of the image'
    assert np.all(np.isfinite(exact[hit])), 'the exact render misses what the spheres cover'
    # Inner approximation: never nearer than the exact surface (up to float32 rounding at
    # grazing rims, far below the 1 mm output quantisation), and close to it.
    assert np.all(approx[hit] >= exact[hit] - 1e-4)
    assert np.max(approx[hit] - exact[hit]) < tolerance_m
    # Pixels the exact render covers but the inner approximation misses lie on the rim.
    rim_only = np.isfinite(exact) & ~hit
    assert rim_only.sum() < 0.05 * hit.sum()


def test_sphere_depth_is_exact_at_the_centre_pixel():
    depth = DepthRenderer(CAMERA).render(_spheres([[0.0, 0.0, 0.5]], [0.04]))
    assert depth[60, 80] == pytest.approx(0.46, abs=1e-6)
    # The projected disc has radius f r / sqrt(z^2 - r^2) = 12.0 px around the centre.
    assert np.isfinite(depth[60, 80 + 11]) and not np.isfinite(depth[60, 80 + 13])


def test_pill_with_different_radii_matches_interpolated_spheres():
    pill = single_pill(np.array([-0.06, 0.02, 0.45]), np.array([0.05, -0.03, 0.5]), 0.03, 0.012)
    _compare_with_dense(pill, steps=400, tolerance_m=2e-4)


def test_pill_seen_along_its_axis_matches_interpolated_spheres():
    # The ray runs nearly along the axis from the thin end: the cone's far nappe must not win.
    pill = single_pill(np.array([0.0, 0.0, 0.4]), np.array([0.005, 0.0, 0.55]), 0.01, 0.04)
    _compare_with_dense(pill, steps=400, tolerance_m=2e-4)


def test_wedge_matches_interpolated_spheres():
    edges, triangles = mesh_topology([], [(0, 1, 2)])
    wedge = SphereMesh(np.array([[-0.05, 0.03, 0.5], [0.05, 0.04, 0.52], [0.0, -0.05, 0.47]]),
                       np.array([0.02, 0.012, 0.008]), edges, triangles)
    tilted = wedge.transformed(np.array([[1.0, 0.0, 0.0], [0.0, 0.8, -0.6], [0.0, 0.6, 0.8]]),
                               np.array([0.0, 0.33, 0.0]))
    for mesh in (wedge, tilted):
        _compare_with_dense(mesh, steps=120, tolerance_m=4e-4)


@pytest.mark.parametrize('pose', [HandPose.from_dict({}), gesture_pose('ok')],
                         ids=['flat', 'ok'])
def test_whole_hand_matches_interpolated_spheres(pose):
    hand = pose_hand(pose).mesh.transformed(FACING_CAMERA, np.array([0.0, 0.03, 0.45]))
    _compare_with_dense(hand, steps=60, tolerance_m=1e-3)


def test_plane_depth_is_analytic():
    renderer = DepthRenderer(CAMERA)
    depth = renderer.empty()
    normal = np.array([0.0, -0.95, -0.3122])  # a table below a camera pitched down 18 deg
    normal /= np.linalg.norm(normal)
    renderer.render_plane(normal, -0.3, depth)
    v, u = 110, 30
    ray = np.array([(u - CAMERA.cx) / CAMERA.fx, (v - CAMERA.cy) / CAMERA.fy, 1.0])
    assert depth[v, u] == pytest.approx(-0.3 / (normal @ ray), rel=1e-6)
    assert not np.isfinite(depth[0, 0])  # above the horizon: no surface


def test_nearest_surface_wins_when_compositing():
    renderer = DepthRenderer(CAMERA)
    depth = renderer.render(_spheres([[0.0, 0.0, 0.8]], [0.1]))
    renderer.render(_spheres([[0.0, 0.0, 0.5]], [0.02]), depth)
    assert depth[60, 80] == pytest.approx(0.48, abs=1e-6)
    # Beside the small sphere the ray d = (0.1, 0, 1) meets the big one at the nearer root.
    b, dd, c = 0.8, 1.01, 0.8 ** 2 - 0.1 ** 2
    assert depth[60, 80 + 15] == pytest.approx((b - np.sqrt(b * b - dd * c)) / dd, abs=1e-6)


def test_geometry_behind_the_camera_is_rejected():
    with pytest.raises(InputError, match='behind the camera'):
        DepthRenderer(CAMERA).render(_spheres([[0.0, 0.0, 0.05]], [0.1]))
