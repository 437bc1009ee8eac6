# Copyright 2026 jgr_ros contributors. MIT License.
"""
The held-out synthetic test set and how a model card's numbers are measured on it.

2,000 frames rendered from seeds 0-1999 (never used in training: training seeds start at
1,000,000) with a RealSense D435 at 640 x 480, hands 0.3-1.0 m from the camera. Two protocols:

- ``gt_center``: the model runs on crops around the ground-truth hand centre, as the authors
  evaluate with precomputed centres;
- ``pipeline``: the live pipeline (localisation, centre refinement, crop, model), as the node
  runs; a frame where no hand is found counts as a failure at every threshold.

    python -m jgr_ros.training.synthetic_eval --json card.json --plot card.png
"""
import argparse
import json
import pathlib

from jgr_ros.inference import CenterRefiner, HandPoseEstimator, PoseModel
from jgr_ros.synthetic.scene import SyntheticConfig
from jgr_ros.training.datasets import LabelledFrame, SYNTHETIC_TEST_SEEDS, SyntheticFrames
from jgr_ros.training.evaluate import (
    CURVE_THRESHOLDS_MM,
    plot_success_curves,
    Score,
    TABLE_THRESHOLDS_MM,
)
from jgr_ros.training.metrics import mean_error_mm, per_joint_error_mm, success_rate
import numpy as np

TEST_CAMERA = 'realsense_d435_640x480'
TEST_DISTANCE_RANGE_M = (0.3, 1.0)


def held_out_frames(count: int = len(SYNTHETIC_TEST_SEEDS),
                    skeleton: str = 'mano21') -> SyntheticFrames:
    """Return the first ``count`` frames of the held-out synthetic test set."""
    return SyntheticFrames(SYNTHETIC_TEST_SEEDS[:count], (TEST_CAMERA,), skeleton,
                           SyntheticConfig(distance_range_m=TEST_DISTANCE_RANGE_M))


def score(name: str, pred_mm: np.ndarray, gt_mm: np.ndarray) -> Score:
    """Score (N, J, 3) predictions in mm; frames of NaN predictions fail every threshold."""
    failed = np.isnan(pred_mm).all(axis=(1, 2))
    pred = np.where(failed[:, None, None], np.inf, pred_mm)
    found = ~failed
    return Score(name, mean_error_mm(pred_mm[found], gt_mm[found]),
                 per_joint_error_mm(pred_mm[found], gt_mm[found]),
                 success_rate(pred, gt_mm, TABLE_THRESHOLDS_MM),
                 success_rate(pred, gt_mm, CURVE_THRESHOLDS_MM))


def evaluate(pose_model: PoseModel, refiner: CenterRefiner, frames: SyntheticFrames) -> dict:
    """Run both protocols and the centre measurements over ``frames``; return the results."""
    estimator = HandPoseEstimator(pose_model, refiner)
    estimator.config.tracking = False  # independent frames
    count, joints = len(frames), pose_model.skeleton.num_joints
    gt = np.empty((count, joints, 3))
    at_gt_center, pipeline = np.full_like(gt, np.nan), np.full_like(gt, np.nan)
    initial_error, refined_error = [], []
    for index in range(count):
        frame: LabelledFrame = frames[index]
        gt[index] = frame.joints_mm
        center_mm = pose_model.skeleton.hand_center(frame.joints_mm)
        at_gt_center[index] = pose_model.predict_at_centers(frame.depth_mm, frame.camera,
                                                            center_mm)[0]
        result = estimator.estimate(frame.depth_mm, frame.camera)
        if result.found:
            pipeline[index] = result.joints_mm
            initial_error.append(np.linalg.norm(result.detected_center_mm - center_mm))
            refined_error.append(np.linalg.norm(result.center_mm - center_mm))
    scores = [score('gt_center', at_gt_center, gt), score('pipeline', pipeline, gt)]
    return {
        'frames': count, 'camera': TEST_CAMERA, 'distance_range_m': TEST_DISTANCE_RANGE_M,
        'seeds': [SYNTHETIC_TEST_SEEDS.start, SYNTHETIC_TEST_SEEDS.start + count],
        'hand_found_fraction': len(initial_error) / count,
        'center_error_mm': {'initial_mean': float(np.mean(initial_error)),
                            'refined_mean': float(np.mean(refined_error)),
                            'refined_median': float(np.median(refined_error))},
        'scores': {s.name: s.to_json() for s in scores}, '_scores': scores}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--model', help='JGR-P2O model file (default: shipped)')
    parser.add_argument('--center-model', help='centre-refinement model file (default: shipped)')
    parser.add_argument('--frames', type=int, default=len(SYNTHETIC_TEST_SEEDS))
    parser.add_argument('--json', type=pathlib.Path, help='write the results here')
    parser.add_argument('--plot', type=pathlib.Path, help='write the success-rate curves here')
    args = parser.parse_args(argv)
    pose_model = PoseModel(args.model, device='cpu')
    results = evaluate(pose_model, CenterRefiner(args.center_model, device='cpu'),
                       held_out_frames(args.frames, pose_model.skeleton.name))
    scores = results.pop('_scores')
    text = json.dumps(results, indent=1)
    print(text)
    if args.json:
        args.json.write_text(text + '\n')
    if args.plot:
        plot_success_curves(scores, args.plot,
                            f'Synthetic test set ({results["frames"]} frames, '
                            f'{TEST_CAMERA}, 0.3-1.0 m)')
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
