# Copyright 2026 jgr_ros contributors. MIT License.
"""
Exact ray casting of sphere meshes into a z-buffer (depth = z of the first hit along each ray).

The camera sits at the origin of the optical frame (x right, y down, z forward). The ray of
pixel (u, v) is d = ((u - cx) / fx, (v - cy) / fy, 1); with d's z component equal to 1 the ray
parameter of a hit is its depth z. Each primitive is intersected in closed form over its
projected bounding box only, and the nearest hit wins (np.fmin, so NaN = miss):

- sphere: t^2 |d|^2 - 2 t (d.c) + |c|^2 - r^2 = 0, nearer root;
- pill (round cone between spheres a and b): the lateral surface of the cone tangent to both
  spheres, accepted where the hit lies between the two tangent circles (the caps are the
  spheres themselves; I. Quilez, "Intersectors", round cone);
- wedge (hull of three spheres): the two planes tangent to all three, accepted inside the
  triangle of tangent points (the rims are pills).

Scene geometry must lie in front of the camera (z > radius for every sphere).
"""

from jgr_ros.camera import CameraModel
from jgr_ros.errors import InputError
from jgr_ros.synthetic.sphere_mesh import SphereMesh
import numpy as np


class DepthRenderer:
    """Ray caster for one pinhole camera (distortion is ignored: frames are rectified)."""

    def __init__(self, camera: CameraModel) -> None:
        """Precompute the per-column and per-row ray slopes of ``camera``."""
        self.camera = camera
        self._slope_x = ((np.arange(camera.width) - camera.cx) / camera.fx).astype(np.float32)
        self._slope_y = ((np.arange(camera.height) - camera.cy) / camera.fy).astype(np.float32)
        # |d|^2 of every pixel ray.
        self._ray_norm2 = (self._slope_x[None, :] ** 2 + self._slope_y[:, None] ** 2 + 1.0)

    def empty(self) -> np.ndarray:
        """Return an (H, W) float32 z-buffer with no surface (np.inf everywhere)."""
        return np.full((self.camera.height, self.camera.width), np.inf, dtype=np.float32)

    def render(self, mesh: SphereMesh, depth_m: np.ndarray | None = None) -> np.ndarray:
        """
        Return the (H, W) float32 z-buffer in metres of ``mesh``; np.inf where no surface.

        With ``depth_m`` given, the mesh is composited into it in place (nearest surface wins).
        """
        depth_m = self.empty() if depth_m is None else depth_m
        centers, radii = mesh.centers_m, mesh.radii_m
        if np.any(centers[:, 2] <= radii):
            raise InputError('a sphere of the scene reaches behind the camera plane (z <= r)')
        boxes = self._sphere_boxes(centers, radii)
        with np.errstate(invalid='ignore', divide='ignore'):
            for box, params in zip(boxes.tolist(), _sphere_params(centers, radii).tolist()):
                self._draw(depth_m, box, self._sphere_hits, *params)
            edge_boxes = _union(boxes[mesh.edges])
            edge_params = _pill_params(centers[mesh.edges], radii[mesh.edges])
            for box, params in zip(edge_boxes.tolist(), edge_params.tolist()):
                self._draw(depth_m, box, self._pill_hits, *params)
            faces, face_of = _visible_tangent_planes(centers[mesh.triangles],
                                                     radii[mesh.triangles])
            face_boxes = _union(boxes[mesh.triangles[face_of]])
            for box, params in zip(face_boxes.tolist(), faces.tolist()):
                self._draw(depth_m, box, self._wedge_face_hits, *params)
        return depth_m

    def render_plane(self, normal: np.ndarray, offset_m: float, depth_m: np.ndarray) -> None:
        """
        Composite the plane {x : normal . x = offset_m} into ``depth_m`` in place.

        Only the half of the plane in front of the camera (z > 0) is drawn.
        """
        n = np.asarray(normal, dtype=np.float32)
        depth = self._slope_x[None, :] * n[0] + (self._slope_y[:, None] * n[1] + n[2])
        with np.errstate(divide='ignore'):
            np.divide(np.float32(offset_m), depth, out=depth)  # in place: full-frame arrays
        np.fmin(depth_m, depth, out=depth_m, where=depth > 0.0)

    def _sphere_boxes(self, centers: np.ndarray, radii: np.ndarray) -> np.ndarray:
        """Exact pixel bounding boxes (S, 4) = u0, u1, v0, v1 of projected spheres."""
        cam = self.camera
        u_range = np.sort(_tangent_slopes(centers[:, 0], centers[:, 2], radii) * cam.fx + cam.cx)
        v_range = np.sort(_tangent_slopes(centers[:, 1], centers[:, 2], radii) * cam.fy + cam.cy)
        lower = np.floor(np.stack([u_range[:, 0], v_range[:, 0]], axis=1))
        upper = np.ceil(np.stack([u_range[:, 1], v_range[:, 1]], axis=1)) + 1
        size = np.array([cam.width, cam.height])
        lower = np.clip(lower, 0, size).astype(np.int64)
        upper = np.clip(upper, 0, size).astype(np.int64)
        return np.stack([lower[:, 0], upper[:, 0], lower[:, 1], upper[:, 1]], axis=1)

    def _draw(self, depth_m: np.ndarray, box: list[int], hits, *params: float) -> None:
        """Composite the hits of one primitive over its box (the nearest surface wins)."""
        u0, u1, v0, v1 = box
        if u0 >= u1 or v0 >= v1:
            return
        block = depth_m[v0:v1, u0:u1]
        hit_m, valid = hits(self._slope_x[u0:u1], self._slope_y[v0:v1, None],
                            self._ray_norm2[v0:v1, u0:u1], *params)
        np.fmin(block, hit_m, out=block, where=valid)

    # The hit functions take the ray components dx (W,), dy (H, 1) and |d|^2 (H, W) of a box
    # and return the hit depths and where they are valid (NaN depths count as misses). They
    # work in place on their temporaries: scalars are Python floats, arrays stay float32.

    @staticmethod
    def _sphere_hits(dx: np.ndarray, dy: np.ndarray, dd: np.ndarray, cx: float, cy: float,
                     cz: float, c: float) -> tuple[np.ndarray, bool]:
        """Nearer root of t^2 |d|^2 - 2 t (d.centre) + c = 0, c = |centre|^2 - r^2."""
        b = dx * cx + (dy * cy + cz)
        root = b * b
        root -= dd * c
        np.sqrt(root, out=root)
        b -= root
        b /= dd
        return b, True

    @staticmethod
    def _pill_hits(dx: np.ndarray, dy: np.ndarray, dd: np.ndarray, ba_x: float, ba_y: float,
                   ba_z: float, k1_x: float, k1_y: float, k1_z: float, d2: float, k0: float,
                   y0: float) -> tuple[np.ndarray, np.ndarray]:
        """Entry into the tangent cone, valid between the tangent circles (0 < y < d2)."""
        m2 = dx * ba_x + (dy * ba_y + ba_z)
        k1 = dx * k1_x + (dy * k1_y + k1_z)
        k2 = dd * d2
        k2 -= m2 * m2
        minus_t = k1 * k1
        minus_t -= k2 * k0
        np.sqrt(minus_t, out=minus_t)
        minus_t += k1
        minus_t /= k2
        m2 *= minus_t                   # y = y0 + t m2 = y0 - m2 * minus_t
        valid = m2 < y0
        valid &= m2 > y0 - d2
        return np.negative(minus_t, out=minus_t), valid

    @staticmethod
    def _wedge_face_hits(dx: np.ndarray, dy: np.ndarray, dd: np.ndarray, n_x: float,
                         n_y: float, n_z: float, offset: float, *edge_normals: float
                         ) -> tuple[np.ndarray, np.ndarray]:
        """Plane normal . x = offset, valid inside the triangle of tangent points."""
        g = edge_normals
        inside = dx * g[0] + (dy * g[1] + g[2]) >= 0.0
        inside &= dx * g[3] + (dy * g[4] + g[5]) >= 0.0
        inside &= dx * g[6] + (dy * g[7] + g[8]) >= 0.0
        depth = dx * n_x + (dy * n_y + n_z)
        return np.divide(offset, depth, out=depth), inside


def _tangent_slopes(lateral: np.ndarray, z: np.ndarray, radii: np.ndarray) -> np.ndarray:
    """(S, 2) min/max of lateral/z over spheres: slopes of the tangent lines from the origin."""
    root = radii * np.sqrt(lateral ** 2 + z ** 2 - radii ** 2)
    return (np.stack([lateral * z - root, lateral * z + root], axis=1)
            / (z ** 2 - radii ** 2)[:, None])


def _union(boxes: np.ndarray) -> np.ndarray:
    """(N, 4) boxes enclosing each row of (N, K, 4) boxes."""
    return np.concatenate([boxes[:, :, [0, 2]].min(axis=1), boxes[:, :, [1, 3]].max(axis=1)],
                          axis=1)[:, [0, 2, 1, 3]]


def _sphere_params(centers: np.ndarray, radii: np.ndarray) -> np.ndarray:
    """(S, 4): centre and |c|^2 - r^2 of each sphere."""
    return np.column_stack([centers, np.einsum('si,si->s', centers, centers) - radii ** 2])


def _pill_params(ends: np.ndarray, radii: np.ndarray) -> np.ndarray:
    """
    (E, 9) per pill: axis b - a, the linear coefficients of k1 in the ray, d2, k0, y0.

    With the ray d, m2 = (b - a).d, k1 = coef.d, k2 = d2 |d|^2 - m2^2; the entry hit is
    t = -(k1 + sqrt(k1^2 - k0 k2)) / k2, on the lateral surface when 0 < y0 + t m2 < d2.
    """
    a, ba = ends[:, 0], ends[:, 1] - ends[:, 0]
    ra, rr = radii[:, 0], radii[:, 0] - radii[:, 1]
    m0 = np.einsum('ei,ei->e', ba, ba)
    d2 = m0 - rr ** 2              # L^2 cos^2 of the tangent cone's half-angle
    m1 = -np.einsum('ei,ei->e', ba, a)
    k0 = d2 * np.einsum('ei,ei->e', a, a) - m1 ** 2 + 2.0 * ra * rr * m1 - ra ** 2 * m0
    k1_coef = -d2[:, None] * a + (ra * rr - m1)[:, None] * ba
    return np.column_stack([ba, k1_coef, d2, k0, m1 - ra * rr])


def _visible_tangent_planes(centers: np.ndarray, radii: np.ndarray
                            ) -> tuple[np.ndarray, np.ndarray]:
    """
    Camera-facing planes tangent to the three spheres of each wedge.

    ``centers`` (T, 3, 3) and ``radii`` (T, 3) per wedge. Returns (F, 13) faces (normal, offset,
    three edge normals) and (F,) the wedge of each. The wedge lies in {x : normal . x <= offset};
    a face is visible from the origin when offset < 0, and the ray d hits its triangle of
    tangent points when every edge normal . d >= 0.
    """
    e1, e2 = centers[:, 1] - centers[:, 0], centers[:, 2] - centers[:, 0]
    # In-plane part of the normal, alpha e1 + beta e2, from the 2x2 Gram system (Cramer).
    g11, g12, g22 = (np.einsum('ti,ti->t', a, b) for a, b in ((e1, e1), (e1, e2), (e2, e2)))
    r1, r2 = radii[:, 0] - radii[:, 1], radii[:, 0] - radii[:, 2]
    determinant = g11 * g22 - g12 * g12
    alpha, beta = (g22 * r1 - g12 * r2) / determinant, (g11 * r2 - g12 * r1) / determinant
    in_plane = alpha[:, None] * e1 + beta[:, None] * e2
    # Where one sphere swallows the hull's faces (out_of_plane2 <= 0) the pills cover the wedge.
    out_of_plane2 = 1.0 - np.einsum('ti,ti->t', in_plane, in_plane)
    perpendicular = _cross(e1, e2)
    perpendicular *= (np.sqrt(np.maximum(out_of_plane2, 0.0))
                      / np.linalg.norm(perpendicular, axis=1))[:, None]
    normals = np.concatenate([in_plane + perpendicular, in_plane - perpendicular])
    wedge = np.tile(np.arange(len(centers)), 2)
    offsets = np.einsum('fi,fi->f', normals, centers[wedge, 0]) + radii[wedge, 0]
    visible = (offsets < 0.0) & np.tile(out_of_plane2 > 0.0, 2)
    normals, offsets, wedge = normals[visible], offsets[visible], wedge[visible]
    corners = centers[wedge] + radii[wedge][..., None] * normals[:, None, :]
    edge_normals = _cross(corners, corners[:, [1, 2, 0]])
    orientation = np.sign(np.einsum('fi,fi->f', edge_normals[:, 0], corners[:, 2]))
    edge_normals *= orientation[:, None, None]
    faces = np.column_stack([normals, offsets, edge_normals.reshape(-1, 9)])
    return faces, wedge


def _cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cross products of (..., 3) arrays (np.cross costs more than the arithmetic here)."""
    return np.stack([a[..., 1] * b[..., 2] - a[..., 2] * b[..., 1],
                     a[..., 2] * b[..., 0] - a[..., 0] * b[..., 2],
                     a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0]], axis=-1)
