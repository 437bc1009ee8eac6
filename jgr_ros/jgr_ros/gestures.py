# Copyright 2026 jgr_ros contributors. MIT License.
"""
Static hand gestures from 3-D joints, and their debouncing over a track.

Features are every pairwise joint distance divided by the palm length (wrist to middle-finger
root): invariant to where the hand is, how it is turned, its size and whether it is a left or
a right hand (a mirror image keeps every distance), so a handedness mistake cannot become a
gesture mistake. An :class:`~jgr_ros.mlp.Mlp` maps them to the renderer's gestures plus
``none`` (any other hand pose); it is fitted on the pose network's own predictions for rendered
frames (``python -m jgr_ros.gesture_training``), so it knows the network's errors.

:class:`GestureDebouncer` turns per-frame probabilities into a steady label. It averages each
label's probability over the track's last ``min_frames`` frames (one noisy frame is outvoted,
not a veto) and reports nothing before it has that many. The reported label becomes the
average's most probable one once that reaches ``min_confidence``; the reported gesture stays
while its average keeps at least ``keep_confidence`` (hysteresis), else it falls back to
``none``. So one stray frame never flips the label, and a real change shows within
``min_frames`` frames. (Requiring ``min_frames`` frames in a row, each confident on its own,
reported no gesture on many held gestures: one noisy frame in three broke the run.)
"""
from dataclasses import dataclass

from jgr_ros.errors import InputError
from jgr_ros.mlp import Classifier
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

    def __init__(self, mlp: Classifier, skeleton: Skeleton):
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
    """When the per-frame probabilities make a reported gesture, and for how long it stays."""

    min_frames: int = 3             # frames averaged; nothing is reported before this many
    min_confidence: float = 0.6     # a new label needs at least this average probability
    keep_confidence: float = 0.3    # the reported one stays while its average is this high

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
        self._recent: list[np.ndarray] = []   # the last min_frames frames' probabilities

    def update(self, probabilities: np.ndarray) -> GestureGuess:
        """Take one frame's probabilities (over :attr:`labels`); return the reported gesture."""
        self._recent = [*self._recent, np.asarray(probabilities, np.float64)][
            -self.config.min_frames:]
        if len(self._recent) < self.config.min_frames:
            return self.reported
        average = np.mean(self._recent, axis=0)
        best = int(np.argmax(average))
        reported = self.reported.label
        if self.labels[best] != reported and average[best] >= self.config.min_confidence:
            reported = self.labels[best]
        elif average[self.labels.index(reported)] < self.config.keep_confidence:
            reported = NO_GESTURE
        self.reported = GestureGuess(reported, float(average[self.labels.index(reported)]))
        return self.reported
