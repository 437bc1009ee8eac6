# Copyright 2026 jgr_ros contributors. MIT License.
"""
Static hand gestures from 3-D joints, and their debouncing over a track.

Features are every pairwise joint distance divided by the palm length (wrist to middle-finger
root): invariant to where the hand is, how it is turned, its size and whether it is a left or
a right hand (a mirror image keeps every distance), so a handedness mistake cannot become a
gesture mistake. An :class:`~jgr_ros.mlp.Mlp` maps them to the renderer's gestures plus
``none`` (any other hand pose); it is fitted on the pose network's own predictions for rendered
frames (``python -m jgr_ros.gesture_training``), so it knows the network's errors.

:class:`GestureDebouncer` turns per-frame guesses into a steady label. Each frame supports one
label: its most probable one if at least ``min_confidence`` probable, else the reported gesture
while that keeps at least ``keep_confidence`` (hysteresis), else ``none``. The reported label
changes once another has had the support of ``min_frames`` frames in a row, so one stray frame
never flips it and a real change shows after ``min_frames`` frames.
"""
from dataclasses import dataclass

from jgr_ros.errors import InputError
from jgr_ros.mlp import Mlp
from jgr_ros.skeletons import Skeleton
import numpy as np

NO_GESTURE = 'none'


def gesture_features(joints_m: np.ndarray, skeleton: Skeleton) -> np.ndarray:
    """Return the J (J - 1) / 2 pairwise joint distances over the palm length (mirror-free)."""
    palm_m = np.linalg.norm(joints_m[skeleton.index('middle_mcp')] - joints_m[skeleton.index(
        'wrist')])
    first, second = np.triu_indices(len(joints_m), k=1)
    return np.linalg.norm(joints_m[first] - joints_m[second], axis=1) / max(palm_m, 1e-6)


@dataclass(frozen=True)
class GestureGuess:
    """One frame's classification: the most probable label and its probability."""

    label: str
    confidence: float


class GestureClassifier:
    """Per-frame gesture probabilities from joints (metres, any frame)."""

    def __init__(self, mlp: Mlp, skeleton: Skeleton):
        """Wrap a fitted classifier whose labels include ``none``."""
        if NO_GESTURE not in mlp.labels:
            raise InputError(f'a gesture classifier needs a {NO_GESTURE!r} class, has '
                             f'{mlp.labels}')
        self.mlp, self.skeleton = mlp, skeleton

    @property
    def labels(self) -> tuple[str, ...]:
        return self.mlp.labels

    def probabilities(self, joints_m: np.ndarray) -> np.ndarray:
        """Return the probability of each of :attr:`labels` for one hand (J, 3)."""
        return self.mlp.probabilities(gesture_features(joints_m, self.skeleton))

    def guess(self, joints_m: np.ndarray) -> GestureGuess:
        """Return the most probable label of one hand and its probability."""
        probabilities = self.probabilities(joints_m)
        best = int(np.argmax(probabilities))
        return GestureGuess(self.labels[best], float(probabilities[best]))


@dataclass(frozen=True)
class DebounceConfig:
    """When a per-frame guess becomes the reported gesture, and for how long it stays."""

    min_frames: int = 3             # frames in a row a new label needs before it is reported
    min_confidence: float = 0.6     # a frame supports its best guess if at least this probable
    keep_confidence: float = 0.3    # ... else the reported gesture while at least this probable

    def __post_init__(self) -> None:
        """Reject settings that cannot work (InputError)."""
        if self.min_frames < 1:
            raise InputError(f'gesture min_frames must be >= 1, got {self.min_frames}')
        if not 0.0 <= self.keep_confidence <= self.min_confidence <= 1.0:
            raise InputError('gesture confidences must satisfy 0 <= keep_confidence <= '
                             f'min_confidence <= 1, got {self.keep_confidence}, '
                             f'{self.min_confidence}')


class GestureDebouncer:
    """The reported gesture of one track, from its per-frame probabilities."""

    def __init__(self, labels: tuple[str, ...], config: DebounceConfig = DebounceConfig()):
        """Start with no gesture reported."""
        self.labels, self.config = labels, config
        self.reported = GestureGuess(NO_GESTURE, 0.0)
        self._candidate, self._candidate_frames = NO_GESTURE, 0

    def update(self, probabilities: np.ndarray) -> GestureGuess:
        """Take one frame's probabilities (over :attr:`labels`); return the reported gesture."""
        candidate = self._candidate_of(probabilities)
        if candidate == self._candidate:
            self._candidate_frames += 1
        else:
            self._candidate, self._candidate_frames = candidate, 1
        reported = self.reported.label
        if candidate != reported and self._candidate_frames >= self.config.min_frames:
            reported = candidate
        self.reported = GestureGuess(reported, float(probabilities[self.labels.index(reported)]))
        return self.reported

    def _candidate_of(self, probabilities: np.ndarray) -> str:
        """Return the label a frame supports (see the module's docstring)."""
        best = int(np.argmax(probabilities))
        if probabilities[best] >= self.config.min_confidence:
            return self.labels[best]
        reported = self.reported.label
        if probabilities[self.labels.index(reported)] >= self.config.keep_confidence:
            return reported
        return NO_GESTURE
