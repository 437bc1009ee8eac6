# Copyright 2026 jgr_ros contributors. MIT License.
"""
Hand identities across frames: a ``track_id`` per hand, by 3-D centre association.

Each frame's hand centres (mm) are matched to the tracks of the frame before, nearest pair
first (greedy), where a centre lies within ``gate_mm`` of the position the track predicts
(its last centre moved on by its last frame-to-frame motion: constant velocity, so hands that
cross at different depths keep their ids). A matched centre continues its track; an unmatched
one starts a track with the next id (ids only increase, never reused); a track matched by no
centre ends, so a hand that leaves and returns, or an empty frame in between, gets a new id.
"""
from dataclasses import dataclass
from typing import Sequence

from jgr_ros.errors import InputError
import numpy as np

# Centres further than this from a track's predicted centre are another hand (EstimatorConfig):
# a hand moving at 3 m/s at 30 fps moves 100 mm between frames.
DEFAULT_GATE_MM = 100.0


@dataclass
class Track:
    """One followed hand: its id, last centre and last frame-to-frame motion (mm)."""

    track_id: int
    center_mm: np.ndarray     # (3,) camera optical frame
    velocity_mm: np.ndarray   # (3,) centre motion over the last frame; zero on the first

    @property
    def predicted_mm(self) -> np.ndarray:
        """Return where the hand will be next frame if it keeps moving as it did."""
        return self.center_mm + self.velocity_mm


class HandTracker:
    """Assigns track ids to each frame's hand centres (see the module docstring)."""

    def __init__(self, gate_mm: float = DEFAULT_GATE_MM):
        if not gate_mm > 0.0:
            raise InputError(f'track gate must be positive, got {gate_mm} mm')
        self.gate_mm = gate_mm
        self.tracks: list[Track] = []   # the last update's, in the order of its centres
        self._last_id = 0

    def update(self, centers_mm: Sequence[np.ndarray]) -> list[int]:
        """Return the track id of each (3,) centre of this frame, in the order given."""
        centers = [np.asarray(center, dtype=np.float64) for center in centers_mm]
        matched = self._match(centers)
        tracks = []
        for index, center_mm in enumerate(centers):
            previous = matched.get(index)
            if previous is None:
                self._last_id += 1
                tracks.append(Track(self._last_id, center_mm, np.zeros(3)))
            else:
                tracks.append(Track(previous.track_id, center_mm,
                                    center_mm - previous.center_mm))
        self.tracks = tracks
        return [track.track_id for track in tracks]

    def reset(self) -> None:
        """End every track; the next hands get new ids."""
        self.tracks = []

    def _match(self, centers: list[np.ndarray]) -> dict[int, Track]:
        """Return centre index -> the track it continues: nearest pairs within the gate first."""
        pairs = sorted((float(np.linalg.norm(center - track.predicted_mm)), index, slot)
                       for index, center in enumerate(centers)
                       for slot, track in enumerate(self.tracks))
        matched, used_slots = {}, set()
        for distance_mm, index, slot in pairs:
            if distance_mm > self.gate_mm:
                break
            if index not in matched and slot not in used_slots:
                matched[index] = self.tracks[slot]
                used_slots.add(slot)
        return matched
