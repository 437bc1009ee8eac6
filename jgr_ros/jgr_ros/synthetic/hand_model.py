# Copyright 2026 jgr_ros contributors. MIT License.
"""
A kinematic hand with forearm: 21 mano21 joints plus a sphere-mesh surface.

Hand frame (right hand): origin at the wrist joint, x radial (toward the thumb), y distal
(toward the middle finger), z palmar (out of the palm). A left hand is the mirror image
(x -> -x). The pose has 22 degrees of freedom (``DOF_NAMES``), all angles in degrees with
anatomical limits (``LOWER_LIMITS_DEG`` / ``UPPER_LIMITS_DEG``): flexion is positive toward the
palm, finger abduction is positive away from the middle finger (the middle finger's toward the
thumb), thumb CMC flexion moves the thumb across the palm and CMC abduction lifts it out of the
palm plane (opposition is both, with the pronation it brings).

Sizes are those of an average adult hand (joint centres; phalanx lengths after Buryanov and
Kotiuk 2010, widths after adult anthropometry), scaled per hand by :class:`HandShape`.
"""

from dataclasses import dataclass, field

from jgr_ros.errors import InputError
from jgr_ros.skeletons import FINGERS
from jgr_ros.synthetic.sphere_mesh import mesh_topology, SphereMesh
import numpy as np

_MM = 1e-3

# --- Degrees of freedom and their limits -------------------------------------------------------
_FINGER_DOFS = ('mcp_flex', 'mcp_abd', 'pip_flex', 'dip_flex')
DOF_NAMES: tuple[str, ...] = (
    ('thumb_cmc_flex', 'thumb_cmc_abd', 'thumb_mcp_flex', 'thumb_ip_flex')
    + tuple(f'{finger}_{dof}' for finger in FINGERS[1:] for dof in _FINGER_DOFS)
    + ('wrist_flex', 'wrist_dev'))
NUM_DOFS = len(DOF_NAMES)

_LIMITS_DEG = {
    'thumb_cmc_flex': (-20.0, 50.0), 'thumb_cmc_abd': (0.0, 70.0),
    'thumb_mcp_flex': (-10.0, 60.0), 'thumb_ip_flex': (-20.0, 80.0),
    'mcp_flex': (-25.0, 90.0), 'pip_flex': (-5.0, 110.0), 'dip_flex': (-10.0, 80.0),
    'index_mcp_abd': (-15.0, 25.0), 'middle_mcp_abd': (-20.0, 20.0),
    'ring_mcp_abd': (-15.0, 20.0), 'pinky_mcp_abd': (-15.0, 35.0),
    'wrist_flex': (-70.0, 75.0), 'wrist_dev': (-20.0, 35.0),  # deviation: + = ulnar
}


def _limit(dof: str) -> tuple[float, float]:
    return _LIMITS_DEG.get(dof) or _LIMITS_DEG[dof.split('_', 1)[1]]


LOWER_LIMITS_DEG = np.array([_limit(dof)[0] for dof in DOF_NAMES])
UPPER_LIMITS_DEG = np.array([_limit(dof)[1] for dof in DOF_NAMES])


def dof_index(name: str) -> int:
    """Return the index of a degree of freedom in a pose vector (InputError if unknown)."""
    try:
        return DOF_NAMES.index(name)
    except ValueError:
        raise InputError(f'unknown degree of freedom {name!r}; known: '
                         f'{", ".join(DOF_NAMES)}') from None


# Index arrays into the pose vector: per finger (thumb first) the three flexions (MCP/PIP/DIP;
# thumb CMC/MCP/IP) and the abduction (thumb: CMC palmar abduction).
_FLEX_DOFS = np.array([[dof_index(f'{f}_{j}') for j in ('cmc_flex', 'mcp_flex', 'ip_flex')]
                       if f == 'thumb' else
                       [dof_index(f'{f}_{j}') for j in ('mcp_flex', 'pip_flex', 'dip_flex')]
                       for f in FINGERS])
_ABD_DOFS = np.array([dof_index('thumb_cmc_abd')]
                     + [dof_index(f'{f}_mcp_abd') for f in FINGERS[1:]])


@dataclass(frozen=True)
class HandPose:
    """Joint angles in degrees, ordered as ``DOF_NAMES``."""

    angles_deg: np.ndarray

    @classmethod
    def from_dict(cls, angles_deg: dict[str, float]) -> 'HandPose':
        """Build from named angles; unnamed DOFs are 0 (clipped into their limits)."""
        pose = np.zeros(NUM_DOFS)
        for name, value in angles_deg.items():
            pose[dof_index(name)] = value
        return cls(pose).clipped()

    def clipped(self) -> 'HandPose':
        """Return the pose with every angle clipped into its anatomical limits."""
        return HandPose(np.clip(self.angles_deg, LOWER_LIMITS_DEG, UPPER_LIMITS_DEG))

    def within_limits(self, tolerance_deg: float = 1e-9) -> bool:
        """Whether every angle lies within its anatomical limits."""
        return bool(np.all(self.angles_deg >= LOWER_LIMITS_DEG - tolerance_deg)
                    and np.all(self.angles_deg <= UPPER_LIMITS_DEG + tolerance_deg))


# --- Average adult right hand, millimetres ------------------------------------------------------
# Finger bases (thumb: CMC, fingers: MCP) in the hand frame.
_BASE_MM = np.array([[23.0, 24.0, 9.0], [27.0, 85.0, 3.0], [7.0, 89.0, 0.0],
                     [-13.0, 85.0, 2.0], [-30.0, 77.0, 5.0]])
# Segment lengths between the four finger joints; the last ends at the fingertip's surface.
_SEGMENT_MM = np.array([[46.0, 32.0, 27.0], [40.0, 23.0, 21.0], [45.0, 27.0, 22.0],
                        [42.0, 26.0, 22.0], [33.0, 18.0, 20.0]])
# Sphere radii at the four finger joints (the tip sphere is tangent to the tip from inside).
_RADIUS_MM = np.array([[13.5, 11.0, 9.8, 8.6], [11.5, 9.6, 8.5, 7.4], [12.0, 9.9, 8.7, 7.6],
                       [11.3, 9.2, 8.1, 7.1], [10.2, 8.3, 7.3, 6.5]])
# Rest splay of the fingers (+ = radial) and the tilt of their flexion axes that makes flexed
# fingers converge toward the thenar eminence, degrees.
_SPLAY_DEG = np.array([5.0, 0.0, -5.0, -11.0])
_CONVERGENCE_DEG = np.array([-2.0, 3.0, 7.0, 12.0])
# Thumb metacarpal at rest (CMC flexion and abduction 0): direction and pulp direction.
_THUMB_REST_DIRECTION = np.array([0.62, 0.77, 0.16])
_THUMB_REST_PULP = np.array([-0.95, 0.0, 0.3])
_THUMB_PULP_TURN_PER_ABDUCTION = -0.8  # opposition turns the thumb pulp toward the palm
# Palm base spheres (hypothenar, thenar side) and forearm spheres (forearm frame, y to the hand).
_PALM_SPHERES_MM = np.array([[16.0, 24.0, 4.0, 16.0], [-23.0, 24.0, 3.0, 15.0]])
_FOREARM_WRIST_MM = np.array([[12.0, -8.0, 0.0, 18.0], [-12.0, -8.0, 0.0, 18.0]])
_FOREARM_ELBOW_MM = np.array([[13.0, 0.0, -2.0, 27.0], [-13.0, 0.0, -2.0, 27.0]])
_FOREARM_LENGTH_MM = 230.0


def _thumb_rest_frame() -> np.ndarray:
    """Thumb metacarpal frame at rest: y along the bone, z toward the pulp, x = y x z."""
    y = _THUMB_REST_DIRECTION / np.linalg.norm(_THUMB_REST_DIRECTION)
    z = _THUMB_REST_PULP - (_THUMB_REST_PULP @ y) * y
    z /= np.linalg.norm(z)
    return np.stack([np.cross(y, z), y, z], axis=1)


_THUMB_REST_FRAME = _thumb_rest_frame()
# Palmar abduction lifts the thumb metacarpal out of the palm plane (toward +z).
_THUMB_ABDUCTION_AXIS = np.cross(_THUMB_REST_FRAME[:, 1], [0.0, 0.0, 1.0])
_THUMB_ABDUCTION_AXIS /= np.linalg.norm(_THUMB_ABDUCTION_AXIS)
# Flexion axes in each finger's base frame: the thumb's own x; the fingers' tilted by their
# convergence so that flexed fingers curl toward the thenar eminence.
_FLEX_AXES = np.concatenate([[[1.0, 0.0, 0.0]], np.stack(
    [np.cos(np.deg2rad(_CONVERGENCE_DEG)), np.zeros(4), -np.sin(np.deg2rad(_CONVERGENCE_DEG))],
    axis=1)])
_SPREAD_SIGN = np.array([1.0, 1.0, -1.0, -1.0])  # abduction away from the middle finger

# --- Sphere-mesh topology -----------------------------------------------------------------------
_JOINTS = ('base', 'j1', 'j2', 'tip')
SPHERE_NAMES: tuple[str, ...] = (
    tuple(f'{finger}_{joint}' for finger in FINGERS for joint in _JOINTS)
    + ('palm_radial', 'palm_ulnar', 'forearm_wrist_radial', 'forearm_wrist_ulnar',
       'forearm_elbow_radial', 'forearm_elbow_ulnar'))


def _sphere(name: str) -> int:
    return SPHERE_NAMES.index(name)


def _hand_topology() -> tuple[np.ndarray, np.ndarray]:
    chains = [(_sphere(f'{f}_{a}'), _sphere(f'{f}_{b}')) for f in FINGERS
              for a, b in zip(_JOINTS[:-1], _JOINTS[1:])]
    knuckles = [(_sphere(f'{a}_base'), _sphere(f'{b}_base'))
                for a, b in zip(FINGERS[1:-1], FINGERS[2:])]
    named_triangles = [
        ('palm_radial', 'index_base', 'pinky_base'), ('palm_radial', 'pinky_base', 'palm_ulnar'),
        ('thumb_base', 'thumb_j1', 'index_base'), ('thumb_base', 'index_base', 'palm_radial'),
        # The wrist: palm base to the forearm's wrist end (stretches as the wrist bends).
        ('palm_radial', 'palm_ulnar', 'forearm_wrist_ulnar'),
        ('palm_radial', 'forearm_wrist_ulnar', 'forearm_wrist_radial'),
        ('forearm_wrist_radial', 'forearm_wrist_ulnar', 'forearm_elbow_ulnar'),
        ('forearm_wrist_radial', 'forearm_elbow_ulnar', 'forearm_elbow_radial')]
    triangles = [tuple(_sphere(name) for name in names) for names in named_triangles]
    return mesh_topology(chains + knuckles, triangles)


_EDGES, _TRIANGLES = _hand_topology()


@dataclass(frozen=True)
class HandShape:
    """
    Per-hand size: ``scale`` of the whole hand times factors for its parts.

    ``finger_length`` and ``finger_thickness`` hold one factor per finger (thumb first);
    ``thickness`` scales every radius, ``palm_width`` the palm across (x), ``palm_length`` the
    palm from the wrist to the finger bases (y). The default is the average adult hand above.
    """

    scale: float = 1.0
    finger_length: np.ndarray = field(default_factory=lambda: np.ones(5))
    thickness: float = 1.0
    palm_width: float = 1.0
    forearm_length: float = 1.0
    palm_length: float = 1.0
    finger_thickness: np.ndarray = field(default_factory=lambda: np.ones(5))

    @classmethod
    def sample(cls, rng: np.random.Generator, scale_range: tuple[float, float],
               variation: float | None = None) -> 'HandShape':
        """
        Draw an adult hand with overall scale uniform in ``scale_range``.

        With ``variation``, every part's factor (palm width and length, each finger's length
        and thickness) is uniform in 1 +- variation, independently; without it, the narrow
        draw of the first shipped models (finger lengths within +-10 %, one thickness).
        """
        if variation is None:
            return cls(scale=rng.uniform(*scale_range),
                       finger_length=np.clip(rng.normal(1.0, 0.04, 5), 0.9, 1.1),
                       thickness=float(np.clip(rng.normal(1.0, 0.07), 0.85, 1.15)),
                       palm_width=float(np.clip(rng.normal(1.0, 0.04), 0.9, 1.1)),
                       forearm_length=rng.uniform(0.8, 1.1))
        factors = rng.uniform(1.0 - variation, 1.0 + variation, 13)
        return cls(scale=rng.uniform(*scale_range), finger_length=factors[:5],
                   thickness=float(factors[5]), palm_width=float(factors[6]),
                   forearm_length=rng.uniform(0.8, 1.1), palm_length=float(factors[7]),
                   finger_thickness=factors[8:])

    def palm_factors(self) -> np.ndarray:
        """Per-axis factors (x, y, z) of palm points: width, length, as is."""
        return np.array([self.palm_width, self.palm_length, 1.0])


@dataclass(frozen=True)
class HandGeometry:
    """A posed hand in the hand frame: mano21 joints and the surface, metres."""

    joints_m: np.ndarray  # (21, 3) mano21 order
    mesh: SphereMesh

    def mirrored(self) -> 'HandGeometry':
        """Return the mirror image across the hand's y-z plane: a right hand becomes a left."""
        mirror = np.diag([-1.0, 1.0, 1.0])
        return HandGeometry(self.joints_m @ mirror, self.mesh.transformed(mirror, np.zeros(3)))


def pose_hand(pose: HandPose, shape: HandShape = HandShape()) -> HandGeometry:
    """Forward kinematics: joints and sphere mesh of a right hand in the hand frame."""
    chains, directions = finger_chains(pose.angles_deg[None], shape)
    chains, directions = chains[0], directions[0]
    joints = np.concatenate([np.zeros((1, 3)), chains.reshape(-1, 3)])
    radii = _RADIUS_MM * shape.finger_thickness[:, None] * (shape.thickness * shape.scale * _MM)
    finger_spheres = chains.copy()
    finger_spheres[:, 3] -= directions[:, 2] * radii[:, 3:4]  # tip sphere touches the tip
    centers = np.concatenate([finger_spheres.reshape(-1, 3),
                              _palm_and_forearm(np.deg2rad(pose.angles_deg), shape)])
    all_radii = np.concatenate([radii.reshape(-1), _palm_and_forearm_radii(shape)])
    return HandGeometry(joints, SphereMesh(centers, all_radii, _EDGES, _TRIANGLES))


def finger_chains(angles_deg: np.ndarray, shape: HandShape) -> tuple[np.ndarray, np.ndarray]:
    """
    Finger forward kinematics for a batch of (N, 22) poses.

    Returns (N, 5, 4, 3) joints of each finger from its base to its tip (thumb first, metres,
    hand frame) and (N, 5, 3, 3) unit directions of its three segments.
    """
    angles = np.deg2rad(angles_deg)
    count = len(angles)
    bases = _BASE_MM * shape.palm_factors() * shape.scale * _MM
    segments = _SEGMENT_MM * shape.finger_length[:, None] * shape.scale * _MM
    chain_flex = angles[:, _FLEX_DOFS]
    chain_flex[:, 0, 0] = 0.0  # the thumb's CMC flexion is part of its base frame
    axes = np.broadcast_to(_FLEX_AXES[None, :, None], (count, 5, 3, 3)).reshape(-1, 3)
    local = rotations(axes, np.cumsum(chain_flex, axis=2).reshape(-1))[:, :, 1]
    directions = np.einsum('nfij,nfsj->nfsi', _finger_base_frames(angles),
                           local.reshape(count, 5, 3, 3))
    chains = bases[:, None] + np.cumsum(directions * segments[..., None], axis=2)
    base_joints = np.broadcast_to(bases[None, :, None], (count, 5, 1, 3))
    return np.concatenate([base_joints, chains], axis=2), directions


def _finger_base_frames(angles: np.ndarray) -> np.ndarray:
    """(N, 5, 3, 3) rest-plus-abduction frames (columns x, y, z) of the five fingers."""
    count = len(angles)
    cmc_flex, cmc_abd = angles[:, _FLEX_DOFS[0, 0]], angles[:, _ABD_DOFS[0]]
    flex = rotations(np.tile([0.0, 0.0, 1.0], (count, 1)), cmc_flex)
    abduct = rotations(np.tile(_THUMB_ABDUCTION_AXIS, (count, 1)), cmc_abd)
    turn = rotations(np.tile([0.0, 1.0, 0.0], (count, 1)),
                     _THUMB_PULP_TURN_PER_ABDUCTION * cmc_abd)
    thumb = flex @ abduct @ _THUMB_REST_FRAME @ turn
    radial = np.deg2rad(_SPLAY_DEG) + _SPREAD_SIGN * angles[:, _ABD_DOFS[1:]]
    fingers = rotations(np.tile([0.0, 0.0, -1.0], (count * 4, 1)), radial.reshape(-1))
    return np.concatenate([thumb[:, None], fingers.reshape(count, 4, 3, 3)], axis=1)


def _wrist_rotation(angles: np.ndarray) -> np.ndarray:
    """Rotation of the hand relative to the forearm (flexion, then deviation)."""
    deviation, flexion = rotations(np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]),
                                   angles[[dof_index('wrist_dev'), dof_index('wrist_flex')]])
    return deviation @ flexion


def _palm_and_forearm(angles: np.ndarray, shape: HandShape) -> np.ndarray:
    """Centres (metres, hand frame) of the palm base and forearm spheres."""
    scale = shape.scale * _MM
    palm = _PALM_SPHERES_MM[:, :3] * shape.palm_factors() * scale
    elbow = _FOREARM_ELBOW_MM[:, :3] - [0.0, _FOREARM_LENGTH_MM * shape.forearm_length, 0.0]
    forearm = np.concatenate([_FOREARM_WRIST_MM[:, :3], elbow]) * scale
    # Forearm points rotate into the hand frame by the inverse wrist rotation.
    return np.concatenate([palm, forearm @ _wrist_rotation(angles)])


def _palm_and_forearm_radii(shape: HandShape) -> np.ndarray:
    radii_mm = np.concatenate([_PALM_SPHERES_MM[:, 3], _FOREARM_WRIST_MM[:, 3],
                               _FOREARM_ELBOW_MM[:, 3]])
    return radii_mm * shape.thickness * shape.scale * _MM


def rotations(axes: np.ndarray, angles_rad: np.ndarray) -> np.ndarray:
    """Return (N, 3, 3) rotations about unit ``axes`` (N, 3) by ``angles_rad`` (Rodrigues)."""
    cos, sin = np.cos(angles_rad)[:, None, None], np.sin(angles_rad)[:, None, None]
    x, y, z = axes.T
    zero = np.zeros_like(x)
    cross = np.stack([zero, -z, y, z, zero, -x, -y, x, zero], axis=1).reshape(-1, 3, 3)
    outer = axes[:, :, None] * axes[:, None, :]
    return cos * np.eye(3) + sin * cross + (1.0 - cos) * outer
