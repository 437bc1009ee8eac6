# Copyright 2026 jgr_ros contributors. MIT License.
"""
Frame sources named in a training config's ``data`` section.

    data: {type: synthetic, seeds: [1000000, 1100000],
           cameras: [realsense_d435_640x480, kinect_v1_nyu],
           config: {distance_range_m: [0.3, 1.0]}}
"""
from jgr_ros.synthetic.scene import SyntheticConfig
from jgr_ros.training.datasets import FrameSource, SyntheticFrames
from jgr_ros.training.real_datasets import build_real_frames


def _synthetic(spec: dict, skeleton: str) -> FrameSource:
    start, stop = spec['seeds']
    cameras = tuple(spec.get('cameras', ('realsense_d435_640x480',)))
    return SyntheticFrames(range(start, stop), cameras, skeleton,
                           SyntheticConfig(**spec.get('config', {})))


BUILDERS = {'synthetic': _synthetic, 'nyu': build_real_frames, 'icvl': build_real_frames,
            'msra': build_real_frames}


def build(spec: dict, skeleton: str) -> FrameSource:
    """Return the frame source a config's data section describes."""
    kind = spec.get('type')
    if kind not in BUILDERS:
        raise ValueError(f'unknown data type {kind!r}; known: {", ".join(BUILDERS)}')
    return BUILDERS[kind](spec, skeleton)
