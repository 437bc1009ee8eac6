# Copyright 2026 jgr_ros contributors. MIT License.
"""
Frame sources named in a training config's ``data`` section.

One source, or a list of them whose frames are pooled (and shuffled together by the trainer).

    data: {type: synthetic, seeds: [1000000, 1100000],
           cameras: [realsense_d435_640x480, kinect_v1_nyu],
           config: {distance_range_m: [0.3, 1.0]}}
    data:
      - {type: synthetic, seeds: [3000000, 3040000]}                 # the wide world
      - {type: synthetic, seeds: [1000000, 1020000], world: narrow}  # rehearsal of the first
    data: {type: synthetic_hands, seeds: [5000000, 5100000],          # the hand detector's:
           two_hand_probability: 0.35, no_hand_probability: 0.1}     # every hand labelled
"""
import bisect

from jgr_ros.synthetic.scene import WORLDS
from jgr_ros.training.datasets import FrameSource, LabelledFrame, SyntheticFrames
from jgr_ros.training.detection import detector_world, HandFrames
from jgr_ros.training.real_datasets import build_real_frames


def _synthetic(spec: dict, skeleton: str) -> FrameSource:
    start, stop = spec['seeds']
    cameras = tuple(spec.get('cameras', ('realsense_d435_640x480',)))
    world = spec.get('world', 'wide')
    if world not in WORLDS:
        raise ValueError(f'unknown synthetic world {world!r}; known: {", ".join(WORLDS)}')
    return SyntheticFrames(range(start, stop), cameras, skeleton,
                           WORLDS[world](**spec.get('config', {})))


def _synthetic_hands(spec: dict, skeleton: str) -> HandFrames:
    start, stop = spec['seeds']
    cameras = tuple(spec.get('cameras', ('realsense_d435_640x480',)))
    world = detector_world(spec.get('two_hand_probability', 0.35), **spec.get('config', {}))
    return HandFrames(range(start, stop), cameras, world, spec.get('no_hand_probability', 0.1))


BUILDERS = {'synthetic': _synthetic, 'synthetic_hands': _synthetic_hands,
            'nyu': build_real_frames, 'icvl': build_real_frames,
            'msra': build_real_frames}


class PooledFrames:
    """Several frame sources as one: their frames one after the other."""

    def __init__(self, parts: list[FrameSource]):
        self.parts = parts
        self._starts = [0]
        for part in parts:
            self._starts.append(self._starts[-1] + len(part))

    def __len__(self) -> int:
        return self._starts[-1]

    def __getitem__(self, index: int) -> LabelledFrame:
        if not 0 <= index < len(self):
            raise IndexError(f'frame {index} of {len(self)}')
        part = bisect.bisect_right(self._starts, index) - 1
        return self.parts[part][index - self._starts[part]]


def build(spec: dict | list, skeleton: str) -> FrameSource:
    """Return the frame source a config's data section describes (a list: pooled)."""
    if isinstance(spec, list):
        return PooledFrames([build(part, skeleton) for part in spec])
    kind = spec.get('type')
    if kind not in BUILDERS:
        raise ValueError(f'unknown data type {kind!r}; known: {", ".join(BUILDERS)}')
    return BUILDERS[kind](spec, skeleton)
