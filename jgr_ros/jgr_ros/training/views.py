# Copyright 2026 jgr_ros contributors. MIT License.
"""
How a hand is seen, from its ground-truth joints alone, to break accuracy down by view.

Real users hold a hand every way; an average over a test set hides the views a model fails on.
Two angles, both without knowing left from right, name the view of a hand:

- **fingers**: the direction from the wrist to the middle-finger root against the line of
  sight (camera to hand centre): ``toward`` the camera (cos < -0.5, more than 60 degrees
  toward it), ``away`` from it (cos > 0.5), else ``across`` the image;
- **palm**: the palm plane's normal against the line of sight: ``face-on`` (palm or back to the
  camera, |cos| > 0.7), ``edge-on`` (the hand seen from its side, |cos| < 0.3), else ``oblique``.

    view_of(joints_mm, skeleton)  ->  View(fingers='across', palm='face-on')
"""
from dataclasses import dataclass
import math

from jgr_ros.skeletons import Skeleton
from matplotlib.figure import Figure
import numpy as np

FINGER_VIEWS = ('toward', 'across', 'away')
PALM_VIEWS = ('face-on', 'oblique', 'edge-on')
FINGERS_ALONG_COS = 0.5
PALM_FACE_ON_COS, PALM_EDGE_ON_COS = 0.7, 0.3


@dataclass(frozen=True)
class View:
    """The view of one hand: where its fingers point and how its palm faces the camera."""

    fingers: str    # one of FINGER_VIEWS
    palm: str       # one of PALM_VIEWS


def view_of(joints: np.ndarray, skeleton: Skeleton) -> View:
    """Return the view of a (J, 3) hand in the camera frame (any length unit)."""
    wrist, index, middle, pinky = (
        joints[skeleton.index(name)] for name in ('wrist', 'index_mcp', 'middle_mcp', 'pinky_mcp'))
    sight = _unit(skeleton.hand_center(joints))
    fingers_cos = float(_unit(middle - wrist) @ sight)
    palm_cos = abs(float(_unit(np.cross(index - wrist, pinky - wrist)) @ sight))
    fingers = ('toward' if fingers_cos < -FINGERS_ALONG_COS else
               'away' if fingers_cos > FINGERS_ALONG_COS else 'across')
    palm = ('face-on' if palm_cos > PALM_FACE_ON_COS else
            'edge-on' if palm_cos < PALM_EDGE_ON_COS else 'oblique')
    return View(fingers, palm)


def _unit(vector: np.ndarray) -> np.ndarray:
    return vector / max(float(np.linalg.norm(vector)), 1e-9)


def errors_by_view(views: list[View], gt_center_error_mm: np.ndarray,
                   pipeline_error_mm: np.ndarray) -> dict:
    """
    Per view: frames, mean error at the true centre, the pipeline's found share and mean error.

    The errors are per frame (mean over joints); NaN in ``pipeline_error_mm`` is a frame where
    the pipeline found no hand. Keys are 'fingers=<view>' and 'palm=<view>' (each frame counts
    once in each family).
    """
    table = {}
    for family, names in (('fingers', FINGER_VIEWS), ('palm', PALM_VIEWS)):
        for name in names:
            chosen = np.array([getattr(view, family) == name for view in views], dtype=bool)
            found = chosen & ~np.isnan(pipeline_error_mm)
            table[f'{family}={name}'] = {
                'frames': int(chosen.sum()),
                'gt_center_mean_error_mm': _mean_or_none(gt_center_error_mm[chosen]),
                'pipeline_found_fraction': (float(found.sum() / chosen.sum())
                                            if chosen.any() else None),
                'pipeline_mean_error_mm': _mean_or_none(pipeline_error_mm[found])}
    return table


def _mean_or_none(values: np.ndarray) -> float | None:
    return float(np.mean(values)) if len(values) else None


def _cut(value: float) -> float:
    """Cut to one decimal (never rounded up), as the project reports numbers."""
    return math.floor(value * 10.0) / 10.0


def plot_errors_by_view(table: dict, path, title: str) -> None:
    """Draw :func:`errors_by_view`'s mean errors per view as bars, frames and found share below."""
    figure = Figure(figsize=(9.0, 5.0), dpi=120, layout='constrained')
    axes = figure.add_subplot()
    names = list(table)
    positions = np.arange(len(names))
    tallest_mm = 0.0
    for offset, key, label in ((-0.2, 'gt_center_mean_error_mm', 'crop at the true centre'),
                               (0.2, 'pipeline_mean_error_mm', 'live single frame (found)')):
        values = [table[name][key] or 0.0 for name in names]
        bars = axes.bar(positions + offset, values, width=0.4, label=label)
        axes.bar_label(bars, [f'{_cut(value):.1f}' for value in values], fontsize='small')
        tallest_mm = max(tallest_mm, *values)
    axes.set_ylim(0.0, 1.25 * tallest_mm or 1.0)   # room for the legend above the bars
    found = [_cut(100.0 * (row['pipeline_found_fraction'] or 0.0)) for row in table.values()]
    axes.set_xticks(positions, [f'{name}\n{row["frames"]} frames\nfound {share:.1f} %'
                                for (name, row), share in zip(table.items(), found)],
                    fontsize='small')
    axes.set(title=title, ylabel='mean 3-D joint error (mm)')
    axes.grid(True, axis='y', alpha=0.3)
    axes.legend(loc='upper left', fontsize='small')
    figure.savefig(path)
