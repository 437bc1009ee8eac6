# Copyright 2026 jgr_ros contributors. MIT License.
"""
Left or right hand from the skeleton's chirality, accumulated over a track.

A left hand is the mirror image of a right one, so no distance or angle between joints tells
them apart, but the side the fingers curl to does. In the frame that
:func:`~jgr_ros.hand_frame.wrist_frame` builds for a right hand (z = (index_mcp - wrist) x
(pinky_mcp - wrist)), a right hand's fingers and thumb lie towards +z (the palm side) and a
left hand's towards -z: the left hand's coordinates are the right hand's with z negated.
An :class:`~jgr_ros.mlp.Mlp` on those coordinates (over the palm length) gives per-frame
probabilities; it is fitted on the pose network's predictions for rendered left and right hands
(``python -m jgr_ros.gesture_training``), which sometimes are the mirrored skeleton.

Within a track the hand cannot change sides, so :class:`HandednessEvidence` adds up the
per-frame log-odds (each frame's capped, the sum bounded so an early mistake can be outvoted)
and reports the side of the sum with its probability.
"""
from dataclasses import dataclass
import math

from jgr_ros.errors import InputError
from jgr_ros.hand_frame import wrist_frame
from jgr_ros.mlp import Classifier
from jgr_ros.skeletons import Skeleton
import numpy as np

LEFT, RIGHT = 'left', 'right'


def chirality_features(joints_m: np.ndarray, skeleton: Skeleton) -> np.ndarray:
    """
    Return the joints (but the wrist) in the right-hand wrist frame over the palm length.

    A degenerate palm (collinear wrist and finger roots) gives zeros: no evidence.
    """
    try:
        wrist_m, rotation = wrist_frame(joints_m, skeleton, right_hand=True)
    except ValueError:
        return np.zeros((len(joints_m) - 1) * 3)
    local_m = (np.delete(joints_m, skeleton.index('wrist'), axis=0) - wrist_m) @ rotation
    palm_m = np.linalg.norm(joints_m[skeleton.index('middle_mcp')] - wrist_m)
    return (local_m / max(palm_m, 1e-6)).ravel()


class HandednessClassifier:
    """Per-frame log-odds that a hand (J, 3 joints, metres) is a right hand."""

    def __init__(self, mlp: Classifier, skeleton: Skeleton):
        """Wrap a fitted classifier with the labels ``left`` and ``right``."""
        if sorted(mlp.labels) != [LEFT, RIGHT]:
            raise InputError(f'a handedness classifier has the labels left, right; got '
                             f'{mlp.labels}')
        self.mlp, self.skeleton = mlp, skeleton
        self._right = mlp.labels.index(RIGHT)

    def right_log_odds(self, joints_m: np.ndarray) -> float:
        """Return log(p(right) / p(left)) for one hand."""
        logits = self.mlp.logits(chirality_features(joints_m, self.skeleton))
        return float(logits[self._right] - logits[1 - self._right])


@dataclass(frozen=True)
class EvidenceConfig:
    """How per-frame handedness evidence adds up over a track."""

    frame_log_odds_limit: float = 3.0   # one frame counts at most this much (p = 0.95)
    total_log_odds_limit: float = 12.0  # the running sum stays within +-this

    def __post_init__(self) -> None:
        """Reject settings that cannot work (InputError)."""
        if not 0.0 < self.frame_log_odds_limit <= self.total_log_odds_limit:
            raise InputError('handedness limits must satisfy 0 < frame_log_odds_limit <= '
                             f'total_log_odds_limit, got {self.frame_log_odds_limit}, '
                             f'{self.total_log_odds_limit}')


@dataclass(frozen=True)
class HandednessGuess:
    """A side and the probability that it is right."""

    side: str
    confidence: float


class HandednessEvidence:
    """The handedness of one track: the bounded sum of its frames' log-odds."""

    def __init__(self, config: EvidenceConfig = EvidenceConfig()):
        """Start with no evidence (probability 0.5)."""
        self.config = config
        self.right_log_odds = 0.0

    def update(self, frame_right_log_odds: float) -> HandednessGuess:
        """Add one frame's evidence; return the track's side and its probability."""
        frame_limit, total_limit = (self.config.frame_log_odds_limit,
                                    self.config.total_log_odds_limit)
        frame = min(max(frame_right_log_odds, -frame_limit), frame_limit)
        self.right_log_odds = min(max(self.right_log_odds + frame, -total_limit), total_limit)
        probability_right = 1.0 / (1.0 + math.exp(-self.right_log_odds))
        if self.right_log_odds >= 0.0:
            return HandednessGuess(RIGHT, probability_right)
        return HandednessGuess(LEFT, 1.0 - probability_right)
