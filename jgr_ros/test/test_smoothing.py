# Copyright 2026 jgr_ros contributors. MIT License.
"""The One Euro filter: its formula, its jitter and lag trade-off, per point."""
import math

from jgr_ros.errors import InputError
from jgr_ros.smoothing import OneEuroConfig, OneEuroFilter, smoothing_factor
import numpy as np
import pytest

RATE_HZ = 30.0


def run(filter_, samples: np.ndarray) -> np.ndarray:
    return np.array([filter_(sample, index / RATE_HZ) for index, sample in enumerate(samples)])


def test_first_sample_passes_and_a_still_step_follows_the_low_pass_formula():
    one_euro = OneEuroFilter(OneEuroConfig(min_cutoff_hz=1.0, beta=0.0))
    start = np.zeros((1, 3))
    np.testing.assert_array_equal(one_euro(start, 0.0), start)
    step = np.array([[0.01, 0.0, 0.0]])
    alpha = 1.0 / (1.0 + 1.0 / (2.0 * math.pi * 1.0) / (1.0 / RATE_HZ))
    assert smoothing_factor(1.0, 1.0 / RATE_HZ) == pytest.approx(alpha)
    np.testing.assert_allclose(one_euro(step, 1.0 / RATE_HZ), alpha * step)


def test_noise_on_a_still_point_shrinks_more_than_threefold():
    rng = np.random.default_rng(0)
    noisy = 0.5 + rng.normal(0.0, 0.003, (300, 1, 3))
    smoothed = run(OneEuroFilter(), noisy)[30:]       # after the start-up transient
    raw_steps = np.linalg.norm(np.diff(noisy[30:], axis=0), axis=2).mean()
    smoothed_steps = np.linalg.norm(np.diff(smoothed, axis=0), axis=2).mean()
    assert smoothed_steps < raw_steps / 3.0


def test_beta_cuts_the_lag_of_a_moving_point():
    times_s = np.arange(120) / RATE_HZ
    ramp = np.zeros((120, 1, 3))
    ramp[:, 0, 0] = 0.3 * times_s                      # 0.3 m/s
    lags_m = {beta: ramp[-1, 0, 0] - run(OneEuroFilter(OneEuroConfig(beta=beta)), ramp)[-1, 0, 0]
              for beta in (0.0, 20.0)}
    assert lags_m[20.0] < lags_m[0.0] / 3.0
    assert lags_m[20.0] > 0.0                          # still behind: it is a low-pass


def test_each_point_gets_its_own_cutoff():
    ramp = np.zeros((60, 2, 3))
    ramp[:, 0, 0] = 0.3 * np.arange(60) / RATE_HZ      # point 0 moves, point 1 stays
    ramp[:, 1, 0] = np.where(np.arange(60) % 2, 0.002, -0.002)   # ... and only jitters
    both = run(OneEuroFilter(), ramp)
    alone = run(OneEuroFilter(), ramp[:, 1:])
    np.testing.assert_allclose(both[:, 1], alone[:, 0])


def test_reset_and_a_stamp_that_does_not_advance_restart_the_filter():
    one_euro = OneEuroFilter()
    one_euro(np.zeros((1, 3)), 0.0)
    jump = np.ones((1, 3))
    np.testing.assert_array_equal(one_euro(jump, 0.0), jump)
    one_euro.reset()
    np.testing.assert_array_equal(one_euro(2 * jump, 1.0), 2 * jump)


@pytest.mark.parametrize('values', [{'min_cutoff_hz': 0.0}, {'beta': -1.0},
                                    {'derivative_cutoff_hz': float('nan')}])
def test_bad_settings_are_refused(values):
    with pytest.raises(InputError):
        OneEuroConfig(**values)


def test_the_evaluation_finds_a_known_delay():
    from jgr_ros.smoothing_eval import lag_frames

    times = np.arange(90.0)

    def path(delay: float) -> np.ndarray:
        shifted = times - delay
        return np.stack([np.sin(shifted / 7.0), np.cos(shifted / 5.0), np.zeros(90)],
                        axis=1)[:, None, :]

    assert lag_frames(path(1.5), path(0.0)) == pytest.approx(1.5)
    assert lag_frames(path(0.0), path(0.0)) == pytest.approx(0.0)
    delayed = path(2.0)
    delayed[40:45] = np.nan                              # frames without a hand
    assert lag_frames(path(0.0), delayed) == pytest.approx(-2.0)
