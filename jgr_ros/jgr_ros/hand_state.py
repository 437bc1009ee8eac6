# Copyright 2026 jgr_ros contributors. MIT License.
"""
What a tracked hand shows, frame after frame: gesture, handedness, pinch and grab, smoothed.

The node keeps one :class:`HandState` per track and calls :meth:`HandState.update` once per
frame with the hand's raw joints; a new track starts a new state. Per frame:

1. the One Euro filter (:mod:`jgr_ros.smoothing`) smooths the joints;
2. the gesture classifier guesses from the raw joints (a filtered fist opening lags behind),
   debounced over the track (:mod:`jgr_ros.gestures`);
3. the handedness classifier adds the frame's evidence to the track's
   (:mod:`jgr_ros.handedness`);
4. pinch and grab come from the joints the hand_poses message carries (:mod:`jgr_ros.controls`).

``smooth_joints`` chooses whether hand_poses carries the filtered joints; ``smooth_wrist``
whether the wrist pose is built from them.
"""
from dataclasses import dataclass, field
import pathlib

from jgr_ros.controls import ControlsConfig, hand_controls, HandControls
from jgr_ros.errors import InputError
from jgr_ros.gestures import DebounceConfig, GestureClassifier, GestureDebouncer, GestureGuess
from jgr_ros.handedness import (
    EvidenceConfig,
    HandednessClassifier,
    HandednessEvidence,
    HandednessGuess,
)
from jgr_ros.mlp import load_mlps
from jgr_ros.networks import shipped_model_path
from jgr_ros.skeletons import Skeleton
from jgr_ros.smoothing import OneEuroConfig, OneEuroFilter
import numpy as np

DEFAULT_CLASSIFIERS = 'hand_classifiers_mano21.npz'


@dataclass(frozen=True)
class HandStateConfig:
    """Everything a track's state depends on that may change at run time."""

    gesture: DebounceConfig = field(default_factory=DebounceConfig)
    handedness: EvidenceConfig = field(default_factory=EvidenceConfig)
    controls: ControlsConfig = field(default_factory=ControlsConfig)
    one_euro: OneEuroConfig = field(default_factory=OneEuroConfig)
    smooth_joints: bool = False   # hand_poses carries the filtered joints
    smooth_wrist: bool = True     # the wrist pose is built from the filtered joints


@dataclass(frozen=True)
class HandClassifiers:
    """The fitted gesture and handedness classifiers of one skeleton layout."""

    gesture: GestureClassifier
    handedness: HandednessClassifier
    path: pathlib.Path
    provenance: dict

    @classmethod
    def load(cls, path: str | pathlib.Path | None, skeleton: Skeleton) -> 'HandClassifiers':
        """Read a classifier file (None or '': the shipped one); problems raise InputError."""
        path = pathlib.Path(path) if path else shipped_model_path(DEFAULT_CLASSIFIERS)
        mlps, provenance = load_mlps(path)
        if provenance.get('skeleton') != skeleton.name:
            raise InputError(f'classifier file {path} was fitted for the '
                             f'{provenance.get("skeleton")!r} layout, the pose model has '
                             f'{skeleton.name!r}: refit it (python -m jgr_ros.gesture_training)')
        return cls(GestureClassifier(mlps['gesture'], skeleton),
                   HandednessClassifier(mlps['handedness'], skeleton), path, provenance)


@dataclass(frozen=True)
class HandReport:
    """One frame of a tracked hand, ready to publish (metres, the joints' frame)."""

    joints_m: np.ndarray        # (J, 3) for hand_poses: filtered when smooth_joints
    wrist_joints_m: np.ndarray  # (J, 3) the wrist pose is built from: filtered when smooth_wrist
    gesture: GestureGuess       # debounced over the track
    handedness: HandednessGuess  # accumulated over the track
    controls: HandControls


class HandState:
    """The state of one tracked hand."""

    def __init__(self, classifiers: HandClassifiers, skeleton: Skeleton,
                 config: HandStateConfig = HandStateConfig()):
        """Start a new track."""
        self.classifiers, self.skeleton, self.config = classifiers, skeleton, config
        self._filter = OneEuroFilter(config.one_euro)
        self._debouncer = GestureDebouncer(classifiers.gesture.labels, config.gesture)
        self._evidence = HandednessEvidence(config.handedness)

    def reconfigure(self, config: HandStateConfig) -> None:
        """Apply new settings without forgetting the track's past."""
        self.config = config
        self._filter.config = config.one_euro
        self._debouncer.config = config.gesture
        self._evidence.config = config.handedness

    def update(self, joints_m: np.ndarray, time_s: float) -> HandReport:
        """Take the hand's raw joints (J, 3) of a frame stamped ``time_s``; report the frame."""
        config, classifiers = self.config, self.classifiers
        filtered_m = self._filter(joints_m, time_s)
        gesture = self._debouncer.update(classifiers.gesture.probabilities(joints_m))
        handedness = self._evidence.update(classifiers.handedness.right_log_odds(joints_m))
        published_m = filtered_m if config.smooth_joints else np.asarray(joints_m, np.float64)
        return HandReport(published_m, filtered_m if config.smooth_wrist else published_m,
                          gesture, handedness,
                          hand_controls(published_m, self.skeleton, config.controls))
