# Copyright 2026 jgr_ros contributors. MIT License.
"""
Random scenes around one labelled hand: hand and forearm in front of a camera, plus clutter.

The hand is seen from anywhere (a uniformly random orientation for half of all hands), as a
user shows it (palm or back to the camera, fingers up), or egocentrically (from a head- or
chest-mounted camera); its forearm may enter from any side and the hand may be cut by the
image border. Hands differ in shape per part. The clutter is optional: an object held in the
hand, a body behind it (torso and upper arm), a wall, a table with objects on it, distractor
objects, and hard negatives nearer than the hand (see :mod:`~jgr_ros.synthetic.objects`).
With ``two_hand_probability`` a second labelled hand (the other one, mostly) stands beside
the first at a similar depth. Everything is in the camera optical frame (x right, y down, z
forward), metres. Only the hands carry labels; the network learns to ignore the rest.
"""

from dataclasses import dataclass, field, replace
from typing import Callable

from jgr_ros.camera import CameraModel
from jgr_ros.errors import InputError
from jgr_ros.skeletons import get_skeleton
from jgr_ros.synthetic.hand_model import (
    HandGeometry,
    HandPose,
    HandShape,
    pose_hand,
    rotations,
    SPHERE_NAMES,
)
from jgr_ros.synthetic.objects import (
    gap_m,
    hard_negative,
    held_object,
    in_front_of_camera,
    MIN_GAP_M,
    MIN_Z_CLEARANCE_M,
    NEGATIVES,
    table_objects,
)
from jgr_ros.synthetic.poses import (
    egocentric_orientation,
    FACING_CAMERA,
    gesture_pose,
    GESTURES,
    GRASP_CLOSURE_RANGE,
    natural_pose,
    sample_orientation,
)
from jgr_ros.synthetic.sensor import SensorConfig
from jgr_ros.synthetic.sphere_mesh import single_pill, SphereMesh
import numpy as np

_MANO = get_skeleton('mano21')
_HAND_CENTER_JOINTS = list(_MANO.center_joints)  # wrist and middle MCP
_WRIST_SPHERES = [SPHERE_NAMES.index('forearm_wrist_radial'),
                  SPHERE_NAMES.index('forearm_wrist_ulnar')]
_ELBOW_SPHERES = [SPHERE_NAMES.index('forearm_elbow_radial'),
                  SPHERE_NAMES.index('forearm_elbow_ulnar')]
_HAND_ONLY_SPHERES = [i for i, name in enumerate(SPHERE_NAMES) if not name.startswith('forearm')]
_PLACEMENT_MARGIN_PX = 8.0
_MAX_ORIENTATION_TRIES = 20
_MAX_SECOND_HAND_TRIES = 20
# A second hand is the other hand (left beside right) this often, else the same side again.
_OTHER_SIDE_PROBABILITY = 0.85
_SECOND_HAND_DEPTH_SIGMA_M = 0.15


_PROBABILITIES = ('gesture_probability', 'left_hand_probability', 'any_rotation_probability',
                  'egocentric_probability', 'partial_view_probability', 'held_object_probability',
                  'body_probability', 'wall_probability', 'table_probability',
                  'table_object_probability', 'distractor_probability', 'negative_probability',
                  'two_hand_probability', 'sensor_probability')


@dataclass(frozen=True)
class SyntheticConfig:
    """
    The distribution of synthetic frames. Probabilities are per frame, in [0, 1].

    The defaults are the wide world the shipped models train on. A hand is egocentric with
    ``egocentric_probability`` (at ``egocentric_distance_range_m``); of the others,
    ``any_rotation_probability`` have a uniformly random orientation (0.6 of 85 %: half of all
    hands) and the rest face the camera as a user shows a hand (see :func:`sample_orientation`).
    With ``partial_view_probability`` the hand centre stays in the image but the fingers and
    the forearm may leave it. ``shape_variation`` draws each part of the hand (palm width and
    length, each finger's length and thickness) within 1 +- variation; None keeps the narrow
    shapes of the first models. :meth:`narrow` is the world the first models knew. With
    ``two_hand_probability`` a second labelled hand joins (:attr:`Scene.more_hands`); the
    'hand' negative is an unlabelled one, so a world for a hand detector leaves it out.
    """

    distance_range_m: tuple[float, float] = (0.2, 1.2)   # hand centre depth
    hand_scale_range: tuple[float, float] = (0.8, 1.2)    # 1 = average adult hand
    shape_variation: float | None = 0.2
    gesture_probability: float = 0.5                      # else a natural random pose
    gestures: tuple[str, ...] = GESTURES
    left_hand_probability: float = 0.5
    any_rotation_probability: float = 0.6
    egocentric_probability: float = 0.15
    egocentric_distance_range_m: tuple[float, float] = (0.25, 0.6)
    partial_view_probability: float = 0.15
    held_object_probability: float = 0.15                 # a bottle, box or ball in the grasp
    body_probability: float = 0.4                         # torso and upper arm behind
    wall_probability: float = 0.3
    table_probability: float = 0.3
    table_object_probability: float = 0.6                 # objects on the table, given one
    distractor_probability: float = 0.3
    negative_probability: float = 0.35                    # a hard negative nearer than the hand
    negatives: tuple[str, ...] = NEGATIVES
    two_hand_probability: float = 0.0                     # a second labelled hand beside it
    sensor_probability: float = 0.9                       # else ideal depth, mm-rounded
    sensor: SensorConfig = field(default_factory=SensorConfig)  # or its fields as a dict

    @classmethod
    def narrow(cls, **changes) -> 'SyntheticConfig':
        """
        Return the world of the first shipped models (and of today's test set).

        90 % of hands palm or back to the camera with the fingers up, narrow hand shapes, no
        egocentric views, cut hands, held objects, table objects, hard negatives or flying
        pixels. ``changes`` override fields (today's test set: ``distance_range_m``).
        """
        narrow = cls(distance_range_m=(0.25, 1.2), shape_variation=None,
                     any_rotation_probability=0.1, egocentric_probability=0.0,
                     partial_view_probability=0.0, held_object_probability=0.0,
                     table_probability=0.2, table_object_probability=0.0,
                     negative_probability=0.0, sensor=SensorConfig(flying_pixels=(0.0, 0.0)))
        return replace(narrow, **changes)

    def __post_init__(self) -> None:
        """Normalise YAML-style values (lists, a sensor dict), then validate (InputError)."""
        for name in ('distance_range_m', 'hand_scale_range', 'gestures',
                     'egocentric_distance_range_m', 'negatives'):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        if isinstance(self.sensor, dict):
            object.__setattr__(self, 'sensor', SensorConfig(**self.sensor))
        for name in _PROBABILITIES:
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise InputError(f'SyntheticConfig.{name} must be in [0, 1], got '
                                 f'{getattr(self, name)}')
        for name in ('distance_range_m', 'egocentric_distance_range_m'):
            low, high = getattr(self, name)
            if not 0.1 <= low <= high:
                raise InputError(f'{name} must satisfy 0.1 <= low <= high (metres), '
                                 f'got {getattr(self, name)}')
        low, high = self.hand_scale_range
        if not 0.5 <= low <= high <= 1.5:
            raise InputError(f'hand_scale_range must lie within [0.5, 1.5], got '
                             f'{self.hand_scale_range}')
        if self.shape_variation is not None and not 0.0 <= self.shape_variation <= 0.4:
            raise InputError(f'shape_variation must be None or in [0, 0.4], got '
                             f'{self.shape_variation}')
        unknown = set(self.gestures) - set(GESTURES)
        if unknown or not self.gestures:
            raise InputError(f'gestures must be a non-empty subset of {GESTURES}, got '
                             f'{self.gestures}')
        if set(self.negatives) - set(NEGATIVES) or not self.negatives:
            raise InputError(f'negatives must be a non-empty subset of {NEGATIVES}, got '
                             f'{self.negatives}')


# The worlds by name: each builds a SyntheticConfig from field changes (wide: the defaults).
WORLDS = {'wide': SyntheticConfig, 'narrow': SyntheticConfig.narrow}


@dataclass(frozen=True)
class LabelledHand:
    """The labels of a hand beyond the first (camera frame, metres)."""

    joints_m: np.ndarray           # (21, 3) mano21
    gesture: str                   # '' for a natural random pose
    handedness: str                # 'left' or 'right'


@dataclass(frozen=True)
class Scene:
    """
    One hand in front of a camera, with the clutter around it (camera frame, metres).

    The meshes of ``more_hands`` are part of ``clutter`` (drawn alike); only their labels differ.
    """

    hand: SphereMesh               # hand and forearm
    joints_m: np.ndarray           # (21, 3) mano21
    gesture: str                   # '' for a natural random pose
    handedness: str                # 'left' or 'right'
    clutter: SphereMesh | None     # body and distractors, unlabelled
    planes: tuple[tuple[np.ndarray, float], ...]  # (normal, offset): {x : normal . x = offset}
    more_hands: tuple[LabelledHand, ...] = ()
    # (K, 3) centres of unlabelled hands (the 'hand' negative), clutter for the pose network
    unlabelled_hand_centers_m: np.ndarray = field(default_factory=lambda: np.zeros((0, 3)))


def sample_scene(rng: np.random.Generator, camera: CameraModel, config: SyntheticConfig
                 ) -> Scene:
    """Draw one scene: a posed, oriented and placed hand plus optional clutter."""
    handedness = 'left' if rng.random() < config.left_hand_probability else 'right'
    holds_object = _chance(rng, config.held_object_probability)
    shape = HandShape.sample(rng, config.hand_scale_range, config.shape_variation)
    if holds_object:
        gesture, pose = '', natural_pose(rng, GRASP_CLOSURE_RANGE)
    else:
        gesture, pose = sample_pose(rng, config, shape)
    geometry = _posed(pose, shape, handedness)
    egocentric = _chance(rng, config.egocentric_probability)
    if egocentric:
        distance_m = rng.uniform(*config.egocentric_distance_range_m)
        forearm = _forearm_to_distal(geometry.mesh)  # the forearm, not the hand, is aimed
        rotation, translation = _place_hand(geometry, distance_m, camera, rng,
                                            lambda r: egocentric_orientation(r) @ forearm,
                                            fit_depth=True, from_row=camera.cy)
    else:
        distance_m = rng.uniform(*config.distance_range_m)
        keep_inside = not _chance(rng, config.partial_view_probability)
        rotation, translation = _place_hand(
            geometry, distance_m, camera, rng,
            lambda r: sample_orientation(r, config.any_rotation_probability),
            keep_inside=keep_inside)
    hand = geometry.mesh.transformed(rotation, translation)
    joints_m = geometry.joints_m @ rotation.T + translation
    clutter = [held_object(joints_m, rotation, rng)] if holds_object else []
    more_hands, hands = [], hand   # hands: every labelled hand's mesh, for the clearances
    if _chance(rng, config.two_hand_probability):
        second = _second_hand(rng, camera, config, hand, joints_m, handedness)
        if second is not None:
            clutter.append(second[0])
            more_hands.append(second[1])
            hands = SphereMesh.concatenate([hand, second[0]])
    if not egocentric and rng.random() < config.body_probability:
        clutter += _body(hand, handedness, rng)
    if rng.random() < config.distractor_probability:
        clutter += _distractor(hands, joints_m, rng)
    unlabelled_hands = []   # centres of 'hand' negatives: a detector's test must know them
    if _chance(rng, config.negative_probability):
        drawn = []   # the unlabelled hand, if the negative is one

        def other_hand(negative_rng: np.random.Generator) -> SphereMesh:
            drawn.append(_other_hand(negative_rng, config))
            return drawn[-1]

        negative = hard_negative(str(rng.choice(config.negatives)), hands, joints_m, camera, rng,
                                 other_hand)
        clutter += [negative] if negative is not None else []
        if drawn and negative is not None:
            # The hand was drawn centred at the origin and only translated into place.
            unlabelled_hands.append(negative.centers_m[0] - drawn[0].centers_m[0])
    # An object held close to the camera, palm towards it, can reach behind the camera plane;
    # no sensor sees such a thing, so it is left out (the renderer rejects it).
    clutter = [mesh for mesh in clutter if _in_front_of_camera(mesh)]
    planes = []
    occupied = SphereMesh.concatenate([hand] + clutter)
    if rng.random() < config.wall_probability:
        planes.append(_wall(occupied, rng))
    if rng.random() < config.table_probability:
        table = _table(occupied, rng)
        planes += table
        if table and _chance(rng, config.table_object_probability):
            clutter += table_objects(table[0], hands, _MANO.hand_center(joints_m), rng)
    return Scene(hand, joints_m.astype(np.float32), gesture, handedness,
                 SphereMesh.concatenate(clutter) if clutter else None, tuple(planes),
                 tuple(more_hands), np.reshape(unlabelled_hands, (-1, 3)).astype(np.float32))


def sample_pose(rng: np.random.Generator, config: SyntheticConfig, shape: HandShape
                ) -> tuple[str, HandPose]:
    """Draw (gesture, pose): a gesture with ``gesture_probability``, else ('', a natural pose)."""
    if rng.random() < config.gesture_probability:
        gesture = str(rng.choice(config.gestures))
        return gesture, gesture_pose(gesture, shape, rng)
    return '', natural_pose(rng)


def _in_front_of_camera(mesh: SphereMesh) -> bool:
    """Whether every sphere of ``mesh`` lies wholly in front of the camera plane (z > r)."""
    return bool(np.all(mesh.centers_m[:, 2] > mesh.radii_m))


def _chance(rng: np.random.Generator, probability: float) -> bool:
    """Return True with ``probability``; draw nothing when it is 0 (narrow frames stay)."""
    return probability > 0.0 and rng.random() < probability


def _posed(pose: HandPose, shape: HandShape, handedness: str) -> HandGeometry:
    """Return the hand's geometry in its own frame, mirrored for a left hand."""
    geometry = pose_hand(pose, shape)
    return geometry.mirrored() if handedness == 'left' else geometry


def _second_hand(rng: np.random.Generator, camera: CameraModel, config: SyntheticConfig,
                 hand: SphereMesh, joints_m: np.ndarray, handedness: str
                 ) -> tuple[SphereMesh, LabelledHand] | None:
    """
    Return a second hand (mesh with forearm, labels) beside the first, or None where none fits.

    Mostly the other hand; posed and oriented as first hands are, at the first one's depth
    +- 15 cm, its centre in the image and 0.7-1.5 times the two hands' radii from the first
    one's centre there (side by side, possibly touching, never one hiding the other's middle),
    clear of the first hand in 3-D.
    """
    other_side = {'left': 'right', 'right': 'left'}[handedness]
    side = other_side if rng.random() < _OTHER_SIDE_PROBABILITY else handedness
    shape = HandShape.sample(rng, config.hand_scale_range, config.shape_variation)
    gesture, pose = sample_pose(rng, config, shape)
    geometry = _posed(pose, shape, side)
    first_m = _MANO.hand_center(joints_m)
    own_center_m = _MANO.hand_center(geometry.joints_m)
    first_uv = camera.project(first_m[None])[0]
    for _ in range(_MAX_SECOND_HAND_TRIES):
        depth_m = np.clip(first_m[2] + rng.normal(0.0, _SECOND_HAND_DEPTH_SIGMA_M),
                          *config.distance_range_m)
        radii_px = camera.fx * (_hand_radius_m(joints_m) / first_m[2]
                                + _hand_radius_m(geometry.joints_m) / depth_m)
        angle = rng.uniform(0.0, 2.0 * np.pi)
        uv = first_uv + radii_px * rng.uniform(0.7, 1.5) * np.array([np.cos(angle), np.sin(angle)])
        if not (0.0 <= uv[0] < camera.width and 0.0 <= uv[1] < camera.height):
            continue
        rotation = sample_orientation(rng, config.any_rotation_probability)
        translation = _center_at(camera, uv, depth_m) - rotation @ own_center_m
        mesh = geometry.mesh.transformed(rotation, translation)
        if in_front_of_camera(mesh) and gap_m(mesh, hand) > MIN_GAP_M:
            second_joints_m = geometry.joints_m @ rotation.T + translation
            return mesh, LabelledHand(second_joints_m.astype(np.float32), gesture, side)
    return None


def _hand_radius_m(joints_m: np.ndarray) -> float:
    """Return the farthest joint's distance from the hand centre (metres)."""
    return float(np.max(np.linalg.norm(joints_m - _MANO.hand_center(joints_m), axis=1)))


def _forearm_to_distal(mesh: SphereMesh) -> np.ndarray:
    """Return the rotation turning the forearm's axis (elbow to wrist) onto the hand's +y."""
    axis = mesh.centers_m[_WRIST_SPHERES].mean(axis=0) - mesh.centers_m[_ELBOW_SPHERES].mean(
        axis=0)
    axis /= np.linalg.norm(axis)
    turn = np.cross(axis, [0.0, 1.0, 0.0])
    angle = np.arctan2(np.linalg.norm(turn), axis[1])
    if angle < 1e-9:
        return np.eye(3)
    return rotations(turn[None] / np.linalg.norm(turn), np.array([angle]))[0]


def _other_hand(rng: np.random.Generator, config: SyntheticConfig) -> SphereMesh:
    """Return a second, unlabelled hand with its forearm, any pose and orientation, at 0."""
    handedness = 'left' if rng.random() < 0.5 else 'right'
    shape = HandShape.sample(rng, config.hand_scale_range, config.shape_variation)
    geometry = _posed(sample_pose(rng, config, shape)[1], shape, handedness)
    center_m = _MANO.hand_center(geometry.joints_m)
    return geometry.mesh.transformed(np.eye(3), -center_m).transformed(
        sample_orientation(rng, config.any_rotation_probability), np.zeros(3))


def _place_hand(geometry: HandGeometry, distance_m: float, camera: CameraModel,
                rng: np.random.Generator,
                orientation: Callable[[np.random.Generator], np.ndarray],
                keep_inside: bool = True, fit_depth: bool = False, from_row: float = 0.0
                ) -> tuple[np.ndarray, np.ndarray]:
    """
    Return the rotation and translation placing the hand centre at ``distance_m``.

    The centre lands at a uniformly random pixel at or below ``from_row`` (egocentric hands
    are below the optical axis, so their forearm leaves through the bottom border). With
    ``keep_inside``, the hand then shifts so that all joints lie inside the image where they
    fit. Orientations that would reach behind the camera are redrawn, or with ``fit_depth``
    the hand moves back until it fits.
    """
    joints_m, mesh = geometry.joints_m, geometry.mesh
    center = joints_m[_HAND_CENTER_JOINTS].mean(axis=0)
    target_uv = rng.uniform([0.0, from_row], [camera.width, camera.height])
    for _ in range(1 if fit_depth else _MAX_ORIENTATION_TRIES):
        rotation = orientation(rng)
        offsets = (mesh.centers_m - center) @ rotation.T
        nearest_m = np.min(offsets[:, 2] - mesh.radii_m)
        if nearest_m + distance_m > MIN_Z_CLEARANCE_M:
            break
    else:
        if fit_depth:
            distance_m = MIN_Z_CLEARANCE_M + 1e-3 - nearest_m
        else:
            rotation = FACING_CAMERA  # fingers up, forearm down: never reaches the camera
    if not keep_inside:
        return rotation, _center_at(camera, target_uv, distance_m) - rotation @ center
    joint_offsets = (joints_m - center) @ rotation.T
    translation = _center_at(camera, target_uv, distance_m)
    uv = camera.project(joint_offsets + translation)
    low = np.array([_PLACEMENT_MARGIN_PX, _PLACEMENT_MARGIN_PX])
    high = np.array([camera.width, camera.height]) - _PLACEMENT_MARGIN_PX
    shift = np.maximum(low - uv.min(axis=0), 0.0) - np.maximum(uv.max(axis=0) - high, 0.0)
    too_big = (uv.max(axis=0) - uv.min(axis=0)) > (high - low)
    shift[too_big] = ((low + high) / 2 - (uv.min(axis=0) + uv.max(axis=0)) / 2)[too_big]
    translation = _center_at(camera, target_uv + shift, distance_m)
    return rotation, translation - rotation @ center


def _center_at(camera: CameraModel, uv: np.ndarray, depth_m: float) -> np.ndarray:
    return np.array([(uv[0] - camera.cx) / camera.fx, (uv[1] - camera.cy) / camera.fy,
                     1.0]) * depth_m


def _body(hand: SphereMesh, handedness: str, rng: np.random.Generator) -> list[SphereMesh]:
    """
    Return a torso and upper arm behind the hand.

    The upper arm runs from the elbow up and back to the shoulder; the torso hangs beside the
    shoulder toward the body's midline.
    """
    side = 1.0 if handedness == 'right' else -1.0  # a right hand's body is to the image right
    elbow = hand.centers_m[_ELBOW_SPHERES].mean(axis=0)
    up_back = np.array([side * rng.uniform(0.0, 0.3), -rng.uniform(0.5, 1.0),
                        rng.uniform(0.3, 0.9)])
    shoulder = elbow + rng.uniform(0.26, 0.32) * up_back / np.linalg.norm(up_back)
    torso_radius = rng.uniform(0.13, 0.18)
    torso_top = shoulder + [side * rng.uniform(0.12, 0.2), 0.06, 0.6 * torso_radius]
    torso_bottom = torso_top + [0.0, rng.uniform(0.35, 0.5), rng.uniform(-0.05, 0.1)]
    torso = _pushed_behind(single_pill(torso_top, torso_bottom, torso_radius,
                                       torso_radius * rng.uniform(0.9, 1.05)), hand)
    elbow_radius = hand.radii_m[_ELBOW_SPHERES].max() * rng.uniform(1.3, 1.5)
    upper_arm = single_pill(elbow, shoulder, elbow_radius, elbow_radius * rng.uniform(1.1, 1.3))
    hand_only = SphereMesh(hand.centers_m[_HAND_ONLY_SPHERES], hand.radii_m[_HAND_ONLY_SPHERES],
                           hand.edges[:0], hand.triangles[:0])
    if elbow[2] > hand.centers_m[0, 2] and gap_m(upper_arm, hand_only) > MIN_GAP_M:
        return [torso, upper_arm]
    return [torso]


def _distractor(hand: SphereMesh, joints_m: np.ndarray, rng: np.random.Generator
                ) -> list[SphereMesh]:
    """Return a pill-shaped object (ball, bottle, tool) near the hand, never touching it."""
    angle = rng.uniform(0.0, 2.0 * np.pi)
    center = joints_m[_HAND_CENTER_JOINTS].mean(axis=0) + rng.uniform(0.12, 0.35) * np.array(
        [np.cos(angle), np.sin(angle), 0.0]) + [0.0, 0.0, rng.uniform(-0.05, 0.4)]
    axis = rng.normal(size=3)
    half_axis = axis / np.linalg.norm(axis) * rng.uniform(0.0, 0.1)
    radius = rng.uniform(0.015, 0.07)
    blob = single_pill(center - half_axis, center + half_axis, radius,
                       radius * rng.uniform(0.6, 1.2))
    in_front = np.all(blob.centers_m[:, 2] - blob.radii_m > MIN_Z_CLEARANCE_M)
    return [blob] if in_front and gap_m(blob, hand) > MIN_GAP_M else []


def _wall(occupied: SphereMesh, rng: np.random.Generator) -> tuple[np.ndarray, float]:
    """Return a plane facing the camera (tilted by ~8 degrees) behind everything else."""
    tilt_x, tilt_y = rotations(np.eye(3)[:2], np.deg2rad(rng.normal(0.0, 8.0, 2)))
    normal = tilt_x @ tilt_y @ [0.0, 0.0, 1.0]
    farthest = np.max(occupied.centers_m @ normal + occupied.radii_m)
    return normal, float(farthest + rng.uniform(0.1, 1.5))


def _table(occupied: SphereMesh, rng: np.random.Generator) -> list[tuple[np.ndarray, float]]:
    """
    Return a horizontal plane below everything, seen by a camera pitched down 10-60 degrees.

    The list is empty when the camera would not be above the table.
    """
    pitch = np.deg2rad(rng.uniform(10.0, 60.0))
    up = np.array([0.0, -np.cos(pitch), -np.sin(pitch)])  # world up in the camera frame
    height = np.min(occupied.centers_m @ up - occupied.radii_m) - rng.uniform(0.0, 0.25)
    return [(up, float(height))] if height < -MIN_Z_CLEARANCE_M else []


def _pushed_behind(mesh: SphereMesh, hand: SphereMesh) -> SphereMesh:
    """Move ``mesh`` away from the camera (along z) until it keeps clear of the hand."""
    for _ in range(20):
        gap = gap_m(mesh, hand)
        if gap > MIN_GAP_M:
            break
        mesh = mesh.transformed(np.eye(3), [0.0, 0.0, MIN_GAP_M - gap + 0.01])
    return mesh
