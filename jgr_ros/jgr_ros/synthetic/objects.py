# Copyright 2026 jgr_ros contributors. MIT License.
"""
Unlabelled things around the hand: held objects, objects on a table, and hard negatives.

All are sphere meshes in the camera optical frame (x right, y down, z forward), metres:

- a **held object** sits in the grasp, in front of the palm, and hides the fingers that wrap
  around it: a cylinder (bottle, shaker: a pill of equal radii), a box (a slab: a quad of four
  spheres, as thick as their diameter) or a ball;
- **table objects** rest on the table plane beside the hand or under it;
- **hard negatives** are what a localiser may take for a hand, placed *nearer* to the camera
  than the hand and beside it in the image: a hand-sized object, a head, a shoulder, a second
  hand with its forearm, or the edge of a table top.

Nothing here touches the labelled hand except a held object (which the grasp closes around);
the others keep a gap of at least ``MIN_GAP_M`` from the hand's surface.
"""

from typing import Callable

from jgr_ros.camera import CameraModel
from jgr_ros.skeletons import get_skeleton
from jgr_ros.synthetic.sphere_mesh import mesh_topology, single_pill, SphereMesh
import numpy as np

NEGATIVES: tuple[str, ...] = ('object', 'head', 'shoulder', 'hand', 'table_edge')
MIN_GAP_M = 0.02            # unlabelled things keep at least this far from the hand's surface
MIN_Z_CLEARANCE_M = 0.05    # nearest allowed surface to the camera plane
_SLAB_EDGES, _SLAB_TRIANGLES = mesh_topology([], [(0, 1, 2), (0, 2, 3)])
_MANO = get_skeleton('mano21')
_KNUCKLES = [_MANO.index(f'{finger}_mcp') for finger in ('index', 'middle', 'ring', 'pinky')]
_WRIST, _MIDDLE_MCP = _MANO.index('wrist'), _MANO.index('middle_mcp')


def slab(center_m: np.ndarray, axis_u: np.ndarray, axis_v: np.ndarray, half_u_m: float,
         half_v_m: float, radius_m: float) -> SphereMesh:
    """Return a rounded box: center +- half_u axis_u +- half_v axis_v, thickened by radius."""
    corners = [center_m + su * half_u_m * axis_u + sv * half_v_m * axis_v
               for su, sv in ((-1, -1), (1, -1), (1, 1), (-1, 1))]
    return SphereMesh(np.array(corners, dtype=np.float64), np.full(4, radius_m),
                      _SLAB_EDGES, _SLAB_TRIANGLES)


def gap_m(mesh: SphereMesh, other: SphereMesh) -> float:
    """
    Lower bound of the distance between ``mesh``'s pills and ``other``'s spheres.

    For each pill (edge) of ``mesh``: the distance from other's sphere centres to the pill's
    axis segment, less other's radii and the pill's larger radius. Wedge interiors of ``mesh``
    are not seen (only its edges), so use it for pills, balls and hands, not for wide slabs.
    """
    gaps = []
    for start, end in mesh.centers_m[mesh.edges]:
        axis = end - start
        along = np.clip((other.centers_m - start) @ axis / max(axis @ axis, 1e-12), 0.0, 1.0)
        nearest = start + along[:, None] * axis
        distance = np.linalg.norm(other.centers_m - nearest, axis=1)
        gaps.append(np.min(distance - other.radii_m))
    return float(np.min(gaps) - mesh.radii_m.max())


def in_front_of_camera(mesh: SphereMesh) -> bool:
    """Whether every sphere keeps ``MIN_Z_CLEARANCE_M`` from the camera plane."""
    return bool(np.all(mesh.centers_m[:, 2] - mesh.radii_m > MIN_Z_CLEARANCE_M))


def _unit(vector: np.ndarray) -> np.ndarray:
    return vector / np.linalg.norm(vector)


def _tilted(axis: np.ndarray, sigma_deg: float, rng: np.random.Generator) -> np.ndarray:
    """``axis`` turned by a random small rotation (Gaussian perturbation, renormalised)."""
    return _unit(axis + np.tan(np.deg2rad(sigma_deg)) * rng.normal(size=3))


# --- Held objects -----------------------------------------------------------------------------
def held_object(joints_m: np.ndarray, hand_axes: np.ndarray, rng: np.random.Generator
                ) -> SphereMesh:
    """
    Return an object in the grasp of a hand: in front of the palm at the finger roots.

    ``joints_m`` are the hand's mano21 joints, ``hand_axes`` its axes as columns (radial,
    distal, palmar), both in the camera frame. A cylinder lies across the palm.
    """
    radial, distal, palmar = hand_axes.T
    grasp_m = joints_m[_KNUCKLES].mean(axis=0) + 0.2 * (joints_m[_MIDDLE_MCP] - joints_m[_WRIST])
    kind = rng.choice(('cylinder', 'box', 'ball'), p=(0.5, 0.25, 0.25))
    if kind == 'cylinder':
        radius_m = rng.uniform(0.015, 0.04)
        axis = _tilted(radial, 15.0, rng) * rng.uniform(0.04, 0.11)
        center_m = grasp_m + palmar * (radius_m + 0.01) + axis * rng.uniform(-0.4, 0.4)
        return single_pill(center_m - axis, center_m + axis, radius_m, radius_m)
    if kind == 'box':
        radius_m = rng.uniform(0.012, 0.025)
        center_m = grasp_m + palmar * (radius_m + 0.01)
        return slab(center_m, _tilted(radial, 10.0, rng), distal, rng.uniform(0.03, 0.07),
                    rng.uniform(0.02, 0.05), radius_m)
    radius_m = rng.uniform(0.025, 0.045)
    center_m = grasp_m + palmar * (radius_m + 0.005)
    return single_pill(center_m, center_m, radius_m, radius_m)


# --- Objects on a table -----------------------------------------------------------------------
def table_objects(plane: tuple[np.ndarray, float], hand: SphereMesh, hand_center_m: np.ndarray,
                  rng: np.random.Generator) -> list[SphereMesh]:
    """
    Return one to three objects standing on the table plane (up . x = height).

    They stand beside the hand or under it, each clear of the hand and in front of the camera.
    """
    up, height_m = plane
    foot_m = hand_center_m - (hand_center_m @ up - height_m) * up  # hand centre on the table
    along = _unit(np.cross(up, rng.normal(size=3)))
    across = np.cross(up, along)
    objects = []
    for index in range(rng.integers(1, 4)):
        distance_m = 0.0 if index == 0 and rng.random() < 0.3 else rng.uniform(0.08, 0.35)
        angle = rng.uniform(0.0, 2.0 * np.pi)
        base_m = foot_m + distance_m * (np.cos(angle) * along + np.sin(angle) * across)
        candidate = _standing_object(base_m, up, along, rng)
        if in_front_of_camera(candidate) and gap_m(candidate, hand) > MIN_GAP_M:
            objects.append(candidate)
    return objects


def _standing_object(base_m: np.ndarray, up: np.ndarray, along: np.ndarray,
                     rng: np.random.Generator) -> SphereMesh:
    """Return a bottle, a ball or a lying box whose lowest point is ``base_m`` on the table."""
    kind = rng.choice(('bottle', 'ball', 'box'))
    if kind == 'bottle':
        radius_m = rng.uniform(0.02, 0.05)
        height_m = rng.uniform(2.2 * radius_m, 0.25)
        return single_pill(base_m + up * radius_m, base_m + up * (height_m - radius_m),
                           radius_m, radius_m * rng.uniform(0.6, 1.0))
    if kind == 'ball':
        radius_m = rng.uniform(0.02, 0.06)
        return single_pill(base_m + up * radius_m, base_m + up * radius_m, radius_m, radius_m)
    radius_m = rng.uniform(0.01, 0.04)
    return slab(base_m + up * radius_m, along, np.cross(up, along), rng.uniform(0.03, 0.12),
                rng.uniform(0.03, 0.08), radius_m)


# --- Hard negatives ---------------------------------------------------------------------------
def hard_negative(kind: str, hand: SphereMesh, joints_m: np.ndarray, camera: CameraModel,
                  rng: np.random.Generator, other_hand: Callable[[np.random.Generator],
                                                                 SphereMesh]
                  ) -> SphereMesh | None:
    """
    Return a hand-like thing nearer than the hand and beside it in the image.

    None where it does not fit (behind the camera plane, touching the hand). ``joints_m``
    are the hand's mano21 joints; ``other_hand(rng)`` draws a second hand (with forearm)
    centred at the origin.
    """
    center_m = _MANO.hand_center(joints_m)
    if kind == 'table_edge':
        return _table_edge(hand, center_m, rng)
    if center_m[2] - 0.08 <= 0.15:
        return None   # no room in front of the hand
    near_m = rng.uniform(max(0.15, center_m[2] - 0.6), center_m[2] - 0.08)
    build = {'object': _object, 'head': _head, 'shoulder': _shoulder}.get(kind)
    mesh = other_hand(rng) if build is None else build(rng)
    hand_radius_m = np.max(np.linalg.norm(joints_m - center_m, axis=1)) + 0.01
    offset_m = _beside(center_m, hand_radius_m, mesh, near_m, camera, rng)
    mesh = mesh.transformed(np.eye(3), offset_m)
    return mesh if in_front_of_camera(mesh) and gap_m(mesh, hand) > MIN_GAP_M else None


def _beside(center_m: np.ndarray, radius_m: float, mesh: SphereMesh, near_m: float,
            camera: CameraModel, rng: np.random.Generator) -> np.ndarray:
    """
    Return where to put ``mesh`` (centred at the origin) at depth ``near_m``, beside the hand.

    The hand is a ball of ``radius_m`` at ``center_m``. In the image the mesh's disc stays
    clear of the hand's centre: its edge 0.8 to 1.5 hand radii from it (it may hide part of
    the hand, never its middle).
    """
    hand_px = camera.fx * radius_m / center_m[2]
    mesh_px = camera.fx * np.max(np.linalg.norm(mesh.centers_m, axis=1) + mesh.radii_m) / near_m
    angle = rng.uniform(0.0, 2.0 * np.pi)
    direction = np.array([np.cos(angle), np.sin(angle)])
    offset_px = (mesh_px + hand_px * rng.uniform(0.8, 1.5)) * direction
    uv = camera.project(center_m[None])[0] + offset_px
    return np.array([(uv[0] - camera.cx) / camera.fx, (uv[1] - camera.cy) / camera.fy,
                     1.0]) * near_m


def _object(rng: np.random.Generator) -> SphereMesh:
    """Return a hand-sized ball, bottle or box, centred at the origin."""
    axis = _unit(rng.normal(size=3))
    if rng.random() < 0.3:
        radius_m = rng.uniform(0.03, 0.06)
        return single_pill(np.zeros(3), np.zeros(3), radius_m, radius_m)
    if rng.random() < 0.5:
        radius_m = rng.uniform(0.02, 0.045)
        half_m = axis * rng.uniform(0.03, 0.1)
        return single_pill(-half_m, half_m, radius_m, radius_m * rng.uniform(0.6, 1.0))
    return slab(np.zeros(3), axis, _unit(np.cross(axis, rng.normal(size=3))),
                rng.uniform(0.03, 0.09), rng.uniform(0.02, 0.06), rng.uniform(0.01, 0.03))


def _head(rng: np.random.Generator) -> SphereMesh:
    """Return a head (crown to chin) on a neck, upright in the image, centred at the origin."""
    radius_m = rng.uniform(0.075, 0.095)
    chin_m = np.array([rng.normal(0.0, 0.02), rng.uniform(0.05, 0.07), 0.0])
    head = single_pill(-chin_m, chin_m, radius_m, radius_m * 0.85)
    neck = single_pill(chin_m, chin_m + [0.0, 0.12, 0.02], 0.05, 0.055)
    return SphereMesh.concatenate([head, neck])


def _shoulder(rng: np.random.Generator) -> SphereMesh:
    """Return a shoulder and upper arm, roughly across the image, centred at the origin."""
    direction = _unit(np.array([1.0, rng.uniform(-0.5, 0.8), rng.uniform(-0.5, 0.5)]))
    half_m = direction * rng.uniform(0.08, 0.14)
    radius_m = rng.uniform(0.055, 0.08)
    return single_pill(-half_m, half_m, radius_m, radius_m * rng.uniform(0.8, 1.1))


def _table_edge(hand: SphereMesh, center_m: np.ndarray, rng: np.random.Generator
                ) -> SphereMesh | None:
    """
    Return a table top nearer than the hand, below it, with its far edge in view.

    A slab from the edge (5-30 cm in front of the hand centre) toward the camera, wider than
    the image.
    """
    pitch = np.deg2rad(rng.uniform(5.0, 45.0))
    up = np.array([0.0, -np.cos(pitch), -np.sin(pitch)])        # world up, camera frame
    toward = _unit(np.array([0.0, 0.0, 1.0]) - up[2] * up)      # horizontal, away from camera
    radius_m = rng.uniform(0.015, 0.03)
    below_m = np.min(hand.centers_m @ up - hand.radii_m) - rng.uniform(0.02, 0.2) - radius_m
    edge_m = center_m - (center_m @ up - below_m) * up          # under the hand centre
    edge_m -= toward * rng.uniform(0.05, 0.3) / toward[2]       # moved toward the camera
    half_length_m = (edge_m[2] - 0.15) / toward[2] / 2.0        # reaching to 15 cm
    if half_length_m < 0.05:
        return None
    mesh = slab(edge_m - toward * half_length_m, np.array([1.0, 0.0, 0.0]), toward, 1.2,
                half_length_m, radius_m)
    return mesh if in_front_of_camera(mesh) else None
