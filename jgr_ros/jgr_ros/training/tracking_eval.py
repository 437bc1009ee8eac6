# Copyright 2026 jgr_ros contributors. MIT License.
"""
The live pipeline on moving hands: every frame searched, against the hand followed.

Held-out synthetic videos (jgr_ros.synthetic.motion, seeds from 0, D435 640 x 480, hands
0.35-0.9 m from the camera, no clutter) of the narrow world the first models knew or of the
wide world (``--world wide``: any orientation, varied hand shapes): ``search`` runs the
localiser and the centre refinement on every frame (tracking off), ``tracking`` follows the
hand from frame to frame as the node does by default. Mean 3-D joint error in mm over all
frames (a frame without a hand fails every threshold of the success rates), and the share of
followed frames.

    python -m jgr_ros.training.tracking_eval --json docs/tracking_results.json
"""
import argparse
import json
import pathlib

from jgr_ros.pipeline import HandPoseEstimator
from jgr_ros.synthetic import get_camera_preset, motion_frames, MotionConfig
from jgr_ros.synthetic.scene import WORLDS
from jgr_ros.training.metrics import mean_error_mm, success_rate
from jgr_ros.training.synthetic_eval import add_localiser_arguments, localiser_config
import numpy as np

CAMERA_PRESET = 'realsense_d435_640x480'
DISTANCE_RANGE_M = (0.35, 0.9)
THRESHOLDS_MM = (10, 20, 30, 40)


def evaluate_mode(estimator: HandPoseEstimator, videos: list[list]) -> dict:
    """Run ``estimator`` over each video from a fresh start; error and success in mm."""
    skeleton = estimator.skeleton
    predicted, truth, tracked = [], [], []
    for frames in videos:
        estimator.reset_tracking()
        for frame in frames:
            result = estimator.estimate(frame.depth_mm.astype(np.float32), frame.camera)
            missing = np.full((skeleton.num_joints, 3), np.inf)
            predicted.append(result.best.joints_mm if result.hands else missing)
            truth.append(frame.joints_in(skeleton.name))
            tracked.append(result.tracked)
    predicted, truth = np.array(predicted), np.array(truth)
    found = np.isfinite(predicted).all(axis=(1, 2))
    return {'mean_error_mm': round(mean_error_mm(predicted[found], truth[found]), 2),
            'median_frame_error_mm': round(float(np.median(
                np.linalg.norm(predicted - truth, axis=-1).mean(axis=-1))), 2),
            'found_fraction': round(float(found.mean()), 4),
            'tracked_fraction': round(float(np.mean(tracked)), 4),
            'success_rate': {str(mm): round(float(rate), 4) for mm, rate in zip(
                THRESHOLDS_MM, success_rate(predicted, truth, THRESHOLDS_MM))}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--model', help='JGR-P2O model file (default: shipped)')
    parser.add_argument('--center-model', help='centre-refinement model file (default: shipped)')
    parser.add_argument('--videos', type=int, default=20)
    parser.add_argument('--seconds', type=float, default=2.0)
    parser.add_argument('--rate-hz', type=float, default=30.0)
    parser.add_argument('--speed-m-s', type=float, default=0.3)
    parser.add_argument('--world', choices=sorted(WORLDS), default='narrow',
                        help='the hands the videos show (default: narrow)')
    parser.add_argument('--json', type=pathlib.Path, help='write the results here')
    add_localiser_arguments(parser)
    args = parser.parse_args(argv)
    camera = get_camera_preset(CAMERA_PRESET)
    videos = [motion_frames(camera, seed, round(args.seconds * args.rate_hz), args.rate_hz,
                            WORLDS[args.world](distance_range_m=DISTANCE_RANGE_M),
                            MotionConfig(speed_m_s=args.speed_m_s))
              for seed in range(args.videos)]
    # One hand per video: the best hand found is scored.
    searching = HandPoseEstimator.from_files(
        args.model, args.center_model, 'cpu', localiser_config(args, tracking=False, max_hands=1),
        detector_model_path=args.detector_model, verifier_model_path=args.verifier_model,
        precision=args.precision)
    following = searching.reconfigured(localiser_config(args, max_hands=1))
    results = {'detector': args.detector, 'world': args.world, 'videos': args.videos,
               'seconds': args.seconds, 'rate_hz': args.rate_hz, 'speed_m_s': args.speed_m_s,
               'camera': CAMERA_PRESET,
               'search': evaluate_mode(searching, videos),
               'tracking': evaluate_mode(following, videos)}
    text = json.dumps(results, indent=1)
    print(text)
    if args.json:
        args.json.write_text(text + '\n')
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
