# Copyright 2026 jgr_ros contributors. MIT License.
"""
Jitter and lag of the One Euro filter on rendered videos with sensor noise.

    python -m jgr_ros.smoothing_eval [--json docs/smoothing_results.json]

The live pipeline (tracking on, as the node runs) estimates the joints of

- still hands: one random scene rendered ``--still-frames`` times with fresh sensor noise each
  time (seeds 7,000,000 + i). Jitter is the mean frame-to-frame displacement of a joint, and
  the wrist frame's frame-to-frame rotation;
- moving hands: :class:`~jgr_ros.synthetic.MotionVideo` at 0.3 m/s (seeds 7,100,000 + i), with
  sensor noise. Lag is the delay (found to 0.1 frame) that best aligns the estimated joints
  with the ground truth's: the filter's added lag is the filtered estimate's minus the raw
  one's, and also the delay that best aligns the filtered estimate with the raw one (the
  filter's own lag, blind to the pipeline's errors). The mean 3-D error against the ground
  truth is reported too.

Both with and without the filter at the node's defaults (:class:`OneEuroConfig`); ``--grid``
also scores a few other settings for tuning.
"""
import argparse
from dataclasses import replace
import json
import pathlib
import sys

from jgr_ros.hand_frame import wrist_frame
from jgr_ros.pipeline import EstimatorConfig, HandPoseEstimator
from jgr_ros.skeletons import get_skeleton, Skeleton
from jgr_ros.smoothing import OneEuroConfig, OneEuroFilter
from jgr_ros.synthetic import (
    get_camera_preset,
    MotionConfig,
    MotionVideo,
    SyntheticConfig,
    SyntheticHandGenerator,
)
from jgr_ros.synthetic.scene import sample_scene
from jgr_ros.units import MM_PER_M
import numpy as np
import torch

CAMERA = 'realsense_d435_640x480'
STILL_SEED_START, MOTION_SEED_START = 7_000_000, 7_100_000
SPEED_M_S = 0.3
# Every frame with the sensor model, no clutter in front of the hand, the synthetic camera's
# working range.
WORLD = SyntheticConfig.narrow(distance_range_m=(0.35, 0.9), sensor_probability=1.0,
                               distractor_probability=0.0)
LAG_SEARCH_FRAMES = 4.0
LAG_STEP_FRAMES = 0.1


def estimate_sequence(estimator: HandPoseEstimator, frames) -> np.ndarray:
    """Return the joints (N, J, 3) in metres of a sequence (tracking on; NaN: no hand)."""
    estimator.reset_tracking()
    joints = []
    for frame in frames:
        result = estimator.estimate(frame.depth_mm.astype(np.float32), frame.camera).best
        joints.append(result.joints_mm / MM_PER_M if result is not None
                      else np.full((estimator.skeleton.num_joints, 3), np.nan))
    return np.array(joints)


def still_frames(seed: int, count: int):
    """Yield one random scene ``count`` times, each with its own sensor noise."""
    generator = SyntheticHandGenerator(get_camera_preset(CAMERA), WORLD)
    scene = sample_scene(np.random.default_rng(seed), generator.camera, WORLD)
    for index in range(count):
        yield generator.render(scene, np.random.default_rng((seed, index)))


def filtered(joints_m: np.ndarray, rate_hz: float, config: OneEuroConfig | None) -> np.ndarray:
    """Run a fresh filter over a sequence (None: unfiltered); NaN frames restart it."""
    if config is None:
        return joints_m
    one_euro, output = OneEuroFilter(config), np.empty_like(joints_m)
    for index, joints in enumerate(joints_m):
        if np.isnan(joints).any():
            one_euro.reset()
            output[index] = joints
        else:
            output[index] = one_euro(joints, index / rate_hz)
    return output


def jitter(joints_m: np.ndarray, skeleton: Skeleton) -> dict:
    """Frame-to-frame joint displacement (mm) and wrist-frame rotation (degrees), means."""
    steps_mm = np.linalg.norm(np.diff(joints_m, axis=0), axis=2) * 1000.0
    rotations = [wrist_frame(joints, skeleton)[1] for joints in joints_m]
    turns_deg = [np.degrees(np.arccos(np.clip((np.trace(a.T @ b) - 1.0) / 2.0, -1.0, 1.0)))
                 for a, b in zip(rotations, rotations[1:])]
    return {'joint_step_mm': float(np.nanmean(steps_mm)),
            'wrist_step_mm': float(np.nanmean(steps_mm[:, 0])),
            'wrist_turn_deg': float(np.nanmean(turns_deg))}


def lag_frames(estimate_m: np.ndarray, reference_m: np.ndarray) -> float:
    """Return the delay (frames) of ``estimate_m`` behind ``reference_m`` that fits best."""
    frames = np.arange(len(reference_m), dtype=float)
    usable = ~np.isnan(estimate_m).any(axis=(1, 2))
    usable[:int(LAG_SEARCH_FRAMES) + 1] = False   # the shifted reference starts later
    flat_reference = reference_m.reshape(len(reference_m), -1)

    def misfit(delay: float) -> float:
        shifted = np.stack([np.interp(frames[usable] - delay, frames, column)
                            for column in flat_reference.T], axis=1)
        # NaN (no hand) in the reference spreads to its neighbours: left out.
        return float(np.nanmean((estimate_m[usable].reshape(len(shifted), -1) - shifted) ** 2))

    delays = np.arange(-LAG_SEARCH_FRAMES, LAG_SEARCH_FRAMES + 1e-9, LAG_STEP_FRAMES)
    return float(delays[np.nanargmin([misfit(delay) for delay in delays])])


def mean_error_mm(estimate_m: np.ndarray, truth_m: np.ndarray) -> float:
    return float(np.nanmean(np.linalg.norm(estimate_m - truth_m, axis=2)) * 1000.0)


def score(still: list[np.ndarray], moving: list[tuple[np.ndarray, np.ndarray]],
          rate_hz: float, config: OneEuroConfig | None, skeleton: Skeleton) -> dict:
    """Jitter, lag and error with ``config`` (None: no filter)."""
    jitters = [jitter(filtered(joints, rate_hz, config), skeleton) for joints in still]
    moved = [(filtered(joints, rate_hz, config), joints, truth) for joints, truth in moving]
    return {
        **{key: float(np.mean([entry[key] for entry in jitters])) for key in jitters[0]},
        'lag_frames': float(np.mean([lag_frames(smoothed, truth)
                                     for smoothed, _, truth in moved])),
        'lag_behind_raw_frames': float(np.mean([lag_frames(smoothed, raw)
                                                for smoothed, raw, _ in moved])),
        'moving_error_mm': float(np.mean([mean_error_mm(smoothed, truth)
                                          for smoothed, _, truth in moved])),
    }


def main(argv: list[str] | None = None) -> int:
    """Estimate the sequences once, then score them with and without the filter."""
    parser = argparse.ArgumentParser(prog='python -m jgr_ros.smoothing_eval',
                                     description=__doc__.split('\n\n')[0].strip())
    parser.add_argument('--still', type=int, default=6, help='still scenes')
    parser.add_argument('--still-frames', type=int, default=60, help='frames per still scene')
    parser.add_argument('--videos', type=int, default=8, help='moving-hand videos')
    parser.add_argument('--video-frames', type=int, default=90, help='frames per video')
    parser.add_argument('--rate', type=float, default=30.0, help='camera rate, Hz')
    parser.add_argument('--grid', action='store_true', help='also score other settings')
    parser.add_argument('--json', help='write the results here')
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    estimator = HandPoseEstimator.from_files(device='cpu', config=EstimatorConfig(max_hands=1))
    skeleton = get_skeleton(estimator.skeleton.name)
    camera = get_camera_preset(CAMERA)
    still = [estimate_sequence(estimator, still_frames(STILL_SEED_START + index,
                                                       args.still_frames))
             for index in range(args.still)]
    moving = []
    for index in range(args.videos):
        video = MotionVideo(camera, MOTION_SEED_START + index, args.rate, WORLD,
                            MotionConfig(speed_m_s=SPEED_M_S))
        frames = [video.frame(frame) for frame in range(args.video_frames)]
        truth_m = np.array([frame.joints_mm for frame in frames], dtype=np.float64) / MM_PER_M
        moving.append((estimate_sequence(estimator, frames), truth_m))
    settings = {'raw': None, 'one_euro_default': OneEuroConfig()}
    if args.grid:
        settings.update({f'min_cutoff_{cutoff:g}_beta_{beta:g}': replace(
            OneEuroConfig(), min_cutoff_hz=cutoff, beta=beta)
            for cutoff in (0.5, 1.0, 2.0) for beta in (5.0, 20.0, 50.0, 100.0)})
    results = {'rate_hz': args.rate, 'speed_m_s': SPEED_M_S, 'camera': CAMERA,
               'still_seeds': [STILL_SEED_START, STILL_SEED_START + args.still],
               'motion_seeds': [MOTION_SEED_START, MOTION_SEED_START + args.videos],
               'default_config': vars(OneEuroConfig()),
               'scores': {name: score(still, moving, args.rate, config, skeleton)
                          for name, config in settings.items()}}
    raw, default = results['scores']['raw'], results['scores']['one_euro_default']
    results['jitter_reduction'] = raw['joint_step_mm'] / default['joint_step_mm']
    results['added_lag_frames'] = default['lag_behind_raw_frames']
    text = json.dumps(results, indent=2)
    print(text)
    if args.json:
        pathlib.Path(args.json).write_text(text + '\n')
    return 0


if __name__ == '__main__':
    sys.exit(main())
