# Copyright 2026 jgr_ros contributors. MIT License.
"""
The One Euro filter (Casiez, Roussel and Vogel, CHI 2012), vectorised over 3-D points.

An exponential smoother whose cut-off frequency rises with speed: a still hand is smoothed
hard (cut-off ``min_cutoff_hz``: little jitter), a moving one lightly (cut-off
``min_cutoff_hz + beta * speed``: little lag). The speed is itself smoothed at
``derivative_cutoff_hz``. Tuning, as the paper advises: lower ``min_cutoff_hz`` with
``beta = 0`` until a still hand is steady, then raise ``beta`` until a moving one keeps up.

Each point (joint) gets its own cut-off from its own speed (the norm of its velocity, so the
filter treats every direction alike); time comes from the frames' stamps, so dropped frames
and uneven rates are handled.
"""
from dataclasses import dataclass
import math

from jgr_ros.errors import InputError
import numpy as np


@dataclass(frozen=True)
class OneEuroConfig:
    """The filter's three parameters."""

    min_cutoff_hz: float = 1.0          # cut-off of a still point
    beta: float = 20.0                  # cut-off increase per m/s of speed, Hz s/m
    derivative_cutoff_hz: float = 1.0   # cut-off of the speed estimate

    def __post_init__(self) -> None:
        """Reject settings that cannot work (InputError)."""
        for name in ('min_cutoff_hz', 'derivative_cutoff_hz'):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0.0):
                raise InputError(f'One Euro {name} must be > 0, got {value}')
        if not (math.isfinite(self.beta) and self.beta >= 0.0):
            raise InputError(f'One Euro beta must be >= 0, got {self.beta}')


def smoothing_factor(cutoff_hz: np.ndarray | float, period_s: float) -> np.ndarray | float:
    """Exponential smoothing factor of a first-order low-pass at ``cutoff_hz`` over a step."""
    time_constant_s = 1.0 / (2.0 * math.pi * cutoff_hz)
    return 1.0 / (1.0 + time_constant_s / period_s)


class OneEuroFilter:
    """Filters a stream of (N, 3) point sets (metres) stamped in seconds."""

    def __init__(self, config: OneEuroConfig = OneEuroConfig()):
        """Start empty: the first sample passes through unchanged."""
        self.config = config
        self._points: np.ndarray | None = None
        self._velocity: np.ndarray | None = None
        self._time_s = 0.0

    def reset(self) -> None:
        """Forget the past (a new track)."""
        self._points = self._velocity = None

    def __call__(self, points: np.ndarray, time_s: float) -> np.ndarray:
        """Return the filtered (N, 3) points for a sample taken at ``time_s``."""
        points = np.asarray(points, dtype=np.float64)
        period_s = time_s - self._time_s
        if self._points is None or self._points.shape != points.shape or period_s <= 0.0:
            # First sample, a new shape or a stamp that does not advance: restart here.
            self._points, self._velocity, self._time_s = points.copy(), np.zeros_like(points), \
                time_s
            return points.copy()
        config = self.config
        raw_velocity = (points - self._points) / period_s
        self._velocity += smoothing_factor(config.derivative_cutoff_hz, period_s) * (
            raw_velocity - self._velocity)
        speed = np.linalg.norm(self._velocity, axis=-1, keepdims=True)
        alpha = smoothing_factor(config.min_cutoff_hz + config.beta * speed, period_s)
        self._points = self._points + alpha * (points - self._points)
        self._time_s = time_s
        return self._points.copy()
