# Copyright 2026 jgr_ros contributors. MIT License.
"""
Hand poses to render: named gestures, natural random poses, and hand orientations.

- Gestures are built from per-finger states (straight, curled, ...) and a thumb state; in the
  contact gestures (``pinch``, ``ok``) a small inverse-kinematics solve closes the thumb onto
  the index fingertip for the hand's own shape. Samples jitter the template by a few degrees.
- Natural poses follow postural synergies (Santello et al. 1998): a few coordinated patterns
  (grasp closure, radial-ulnar gradient, spread, thumb opposition, hook) with random weights,
  plus independent noise, clipped to the joint limits.
- Orientations are biased toward what a user shows a camera (palm or back facing it, fingers
  up), with side views and, with some probability, any rotation at all.
"""

from dataclasses import dataclass

from jgr_ros.errors import InputError
from jgr_ros.skeletons import FINGERS
from jgr_ros.synthetic.hand_model import (
    dof_index,
    finger_chains,
    HandPose,
    HandShape,
    LOWER_LIMITS_DEG,
    NUM_DOFS,
    rotations,
    UPPER_LIMITS_DEG,
)
import numpy as np

# Flexion (MCP, PIP, DIP) of the four fingers in each state, degrees.
_FINGER_STATES_DEG = {
    'straight': (4.0, 4.0, 2.0),
    'curled': (90.0, 110.0, 75.0),
    'relaxed': (30.0, 40.0, 20.0),
    'pinch': (50.0, 45.0, 25.0),   # index meeting the thumb tip to tip
    'ring': (35.0, 70.0, 45.0),    # index forming the 'ok' circle
}
# Thumb (CMC flexion, CMC abduction, MCP flexion, IP flexion) in each state, degrees.
_THUMB_STATES_DEG = {
    'out': (-20.0, 15.0, 0.0, 0.0),       # spread out radially
    'across': (20.0, 30.0, 40.0, 25.0),   # folded over the curled fingers
    'tucked': (55.0, 0.0, 50.0, 30.0),    # folded across the palm
    'up': (25.0, 25.0, 0.0, -10.0),       # along the curled index, pointing up
}
_THUMB_DOFS = np.array([dof_index(f'thumb_{dof}')
                        for dof in ('cmc_flex', 'cmc_abd', 'mcp_flex', 'ip_flex')])
# Contact gestures solve for these so that the thumb tip meets the index tip.
_CONTACT_DOFS = np.append(_THUMB_DOFS, dof_index('index_mcp_flex'))
_IK_DAMPING = 1e-7  # metres^2 per degree^2: keeps steps small where the Jacobian is singular
_WRIST_DOFS = np.array([dof_index('wrist_flex'), dof_index('wrist_dev')])
_WRIST_SIGMA_DEG = np.array([25.0, 10.0])  # how people hold their wrists: flexion, deviation


@dataclass(frozen=True)
class _Gesture:
    fingers: tuple[str, str, str, str]  # index, middle, ring, pinky states
    thumb: str                          # a thumb state, or 'touch_index' for contact
    spread_deg: float = 0.0             # abduction of the straight fingers


_GESTURES = {
    'open_palm': _Gesture(('straight',) * 4, 'out', 10.0),
    'fist': _Gesture(('curled',) * 4, 'across'),
    'point': _Gesture(('straight', 'curled', 'curled', 'curled'), 'across'),
    'pinch': _Gesture(('pinch', 'relaxed', 'relaxed', 'relaxed'), 'touch_index'),
    'thumbs_up': _Gesture(('curled',) * 4, 'up'),
    'victory': _Gesture(('straight', 'straight', 'curled', 'curled'), 'across', 12.0),
    'ok': _Gesture(('ring', 'straight', 'straight', 'straight'), 'touch_index', 8.0),
    'rock': _Gesture(('straight', 'curled', 'curled', 'straight'), 'across', 5.0),
    'three': _Gesture(('straight', 'straight', 'straight', 'curled'), 'across', 8.0),
    'four': _Gesture(('straight',) * 4, 'tucked', 6.0),
    'call': _Gesture(('curled', 'curled', 'curled', 'straight'), 'out', 10.0),
}
GESTURES: tuple[str, ...] = tuple(_GESTURES)
GESTURE_JITTER_DEG = 4.0  # per-DOF noise on gesture templates; keeps every label valid


def gesture_pose(name: str, shape: HandShape = HandShape(),
                 rng: np.random.Generator | None = None) -> HandPose:
    """Return the pose of gesture ``name`` for ``shape``, jittered when ``rng`` is given."""
    try:
        gesture = _GESTURES[name]
    except KeyError:
        raise InputError(f'unknown gesture {name!r}; known: {", ".join(GESTURES)}') from None
    angles = np.zeros(NUM_DOFS)
    for finger, state in zip(FINGERS[1:], gesture.fingers):
        for joint, value in zip(('mcp', 'pip', 'dip'), _FINGER_STATES_DEG[state]):
            angles[dof_index(f'{finger}_{joint}_flex')] = value
        if state == 'straight':
            angles[dof_index(f'{finger}_mcp_abd')] = gesture.spread_deg
    if rng is not None:
        angles += rng.normal(0.0, GESTURE_JITTER_DEG, NUM_DOFS)
        angles[_WRIST_DOFS] = rng.normal(0.0, _WRIST_SIGMA_DEG)
    if gesture.thumb == 'touch_index':
        angles = _close_on_index_tip(angles, shape)
    else:
        angles[_THUMB_DOFS] = _THUMB_STATES_DEG[gesture.thumb]
        if rng is not None:
            angles[_THUMB_DOFS] += rng.normal(0.0, GESTURE_JITTER_DEG, 4)
    return HandPose(angles).clipped()


def _close_on_index_tip(angles_deg: np.ndarray, shape: HandShape,
                        iterations: int = 6, step_deg: float = 0.5) -> np.ndarray:
    """
    Return the pose with the thumb tip moved onto the index tip.

    Damped Gauss-Newton over the four thumb angles and the index MCP flexion, within the
    joint limits; six steps close the gap to within 0.03 mm. The Jacobian is a forward
    difference; all candidates of one step go through the forward kinematics as one batch.
    """
    angles = angles_deg.copy()
    angles[_THUMB_DOFS] = (15.0, 45.0, 25.0, 18.0)  # start in opposition
    lower, upper = LOWER_LIMITS_DEG[_CONTACT_DOFS], UPPER_LIMITS_DEG[_CONTACT_DOFS]
    probes = np.vstack([np.zeros(len(_CONTACT_DOFS)), np.eye(len(_CONTACT_DOFS)) * step_deg])
    for _ in range(iterations):
        batch = np.tile(angles, (len(probes), 1))
        batch[:, _CONTACT_DOFS] += probes
        chains, _ = finger_chains(batch, shape)
        gap = chains[:, 0, 3] - chains[:, 1, 3]  # thumb tip minus index tip
        jacobian = (gap[1:] - gap[0]).T / step_deg
        normal = jacobian.T @ jacobian + _IK_DAMPING * np.eye(len(_CONTACT_DOFS))
        update = np.linalg.solve(normal, jacobian.T @ gap[0])
        angles[_CONTACT_DOFS] = np.clip(angles[_CONTACT_DOFS] - update, lower, upper)
    return angles


# --- Natural poses ----------------------------------------------------------------------------
def _pose_vector(values: dict[str, float]) -> np.ndarray:
    """Build a pose-space vector from named entries (no finger in the name: all four)."""
    vector = np.zeros(NUM_DOFS)
    for name, value in values.items():
        targets = [name] if name.split('_')[0] in FINGERS + ('wrist',) else [
            f'{finger}_{name}' for finger in FINGERS[1:]]
        for target in targets:
            vector[dof_index(target)] += value
    return vector


_RELAXED_DEG = _pose_vector({
    'thumb_cmc_flex': 10.0, 'thumb_cmc_abd': 25.0, 'thumb_mcp_flex': 15.0, 'thumb_ip_flex': 10.0,
    'mcp_flex': 20.0, 'pip_flex': 30.0, 'dip_flex': 15.0,
    'ring_mcp_flex': 8.0, 'pinky_mcp_flex': 15.0, 'pinky_pip_flex': 10.0})
# Synergies (degrees per unit weight) and the spread of their weights.
_SYNERGIES_DEG = np.stack([
    _pose_vector({'mcp_flex': 35.0, 'pip_flex': 40.0, 'dip_flex': 25.0, 'thumb_cmc_flex': 12.0,
                  'thumb_cmc_abd': 8.0, 'thumb_mcp_flex': 18.0, 'thumb_ip_flex': 15.0}),
    _pose_vector({f'{finger}_{joint}_flex': gain * weight
                  for finger, gain in zip(FINGERS[1:], (-25.0, -10.0, 10.0, 25.0))
                  for joint, weight in (('mcp', 1.0), ('pip', 1.0), ('dip', 0.6))}),
    _pose_vector({'index_mcp_abd': 10.0, 'middle_mcp_abd': 3.0, 'ring_mcp_abd': 8.0,
                  'pinky_mcp_abd': 14.0, 'thumb_cmc_flex': -15.0, 'thumb_cmc_abd': 10.0,
                  'mcp_flex': -8.0}),
    _pose_vector({'thumb_cmc_abd': 20.0, 'thumb_cmc_flex': 15.0, 'thumb_mcp_flex': 12.0,
                  'thumb_ip_flex': 10.0, 'index_mcp_flex': 10.0, 'middle_mcp_flex': 8.0}),
    _pose_vector({'mcp_flex': -20.0, 'pip_flex': 30.0, 'dip_flex': 25.0}),
])
_SYNERGY_SIGMA = np.array([1.0, 0.6, 0.8, 0.7, 0.5])
_CLOSURE_RANGE = (-0.8, 1.6)  # the grasp synergy's weight is uniform: flat hand to fist
GRASP_CLOSURE_RANGE = (0.5, 1.1)  # fingers around a bottle, box or ball
_NATURAL_NOISE_DEG = 7.0


def natural_pose(rng: np.random.Generator,
                 closure_range: tuple[float, float] = _CLOSURE_RANGE) -> HandPose:
    """
    Draw a natural hand pose: relaxed posture plus random synergy weights plus noise.

    The grasp synergy's weight is uniform in ``closure_range`` (-0.8: flat hand, 1.6: fist;
    :data:`GRASP_CLOSURE_RANGE` closes the hand around a held object).
    """
    weights = rng.normal(0.0, _SYNERGY_SIGMA)
    weights[0] = rng.uniform(*closure_range)
    angles = _RELAXED_DEG + weights @ _SYNERGIES_DEG + rng.normal(0.0, _NATURAL_NOISE_DEG,
                                                                  NUM_DOFS)
    angles[_WRIST_DOFS] = rng.normal(0.0, _WRIST_SIGMA_DEG)
    return HandPose(angles).clipped()


# --- Orientations -------------------------------------------------------------------------------
# Hand frame to camera frame for a right palm facing the camera, fingers up (image top).
FACING_CAMERA = np.diag([1.0, -1.0, -1.0])
# Which side of the hand faces the camera: rotation about the finger axis, and its weight.
_VIEW_YAW_DEG = np.array([0.0, 180.0, 90.0, -90.0])  # palm, back, thumb side, little-finger side
_VIEW_WEIGHTS = np.array([0.45, 0.25, 0.15, 0.15])
_YAW_SIGMA_DEG, _PITCH_SIGMA_DEG, _ROLL_SIGMA_DEG = 25.0, 25.0, 40.0


def sample_orientation(rng: np.random.Generator, any_rotation_probability: float) -> np.ndarray:
    """
    Draw a hand-to-camera rotation (3, 3).

    Mostly palm or back toward the camera with the fingers up, turned by random yaw (about the
    fingers), pitch (fingers toward or away from the camera) and in-plane roll; with
    ``any_rotation_probability``, a uniformly random rotation.
    """
    if rng.random() < any_rotation_probability:
        return _uniform_rotation(rng)
    yaw = rng.choice(_VIEW_YAW_DEG, p=_VIEW_WEIGHTS) + rng.normal(0.0, _YAW_SIGMA_DEG)
    pitch = np.clip(rng.normal(0.0, _PITCH_SIGMA_DEG), -80.0, 80.0)
    roll = rng.normal(0.0, _ROLL_SIGMA_DEG)
    roll_rotation, yaw_rotation, pitch_rotation = rotations(
        np.eye(3)[[2, 1, 0]], np.deg2rad([roll, yaw, pitch]))
    return roll_rotation @ FACING_CAMERA @ yaw_rotation @ pitch_rotation


def egocentric_orientation(rng: np.random.Generator) -> np.ndarray:
    """
    Draw a hand-to-camera rotation (3, 3) as a head- or chest-mounted camera sees a hand.

    The camera is above and behind the wrist: the back of the hand faces it, the hand's +y
    points away from it and up the image (elevation 10-70 degrees above the optical axis),
    so a forearm along -y comes toward the camera from the near (bottom) image border. The
    view turns by random yaw, roll and pronation of some tens of degrees.
    """
    elevation = np.deg2rad(rng.uniform(10.0, 70.0))
    distal = np.array([0.0, -np.sin(elevation), np.cos(elevation)])   # fingers: away, up
    palmar = np.array([0.0, np.cos(elevation), np.sin(elevation)])    # palm: down, away
    forward = np.stack([np.cross(distal, palmar), distal, palmar], axis=1)
    yaw, roll, pronation = np.deg2rad(rng.normal(0.0, [20.0, 15.0, 25.0]))
    turn_yaw, turn_roll = rotations(np.eye(3)[[1, 2]], np.array([yaw, roll]))
    return turn_roll @ turn_yaw @ forward @ rotations(np.eye(3)[[1]], np.array([pronation]))[0]


def _uniform_rotation(rng: np.random.Generator) -> np.ndarray:
    """Draw a rotation uniform over SO(3): QR of a Gaussian matrix with the sign fixed."""
    q, r = np.linalg.qr(rng.normal(size=(3, 3)))
    q *= np.sign(np.diag(r))
    return q * np.linalg.det(q)
