# Copyright 2026 jgr_ros contributors. MIT License.
"""
The two real depth frames in ../shared/data/frames, through the live pipeline (tracking off).

- NYU test frame 1 (Kinect v1, labelled): mean 3-D error over the 11 joints NYU's 14 and
  mano21 share (finger tips and roots, thumb tip / IP / MCP), the distance of the refined
  crop centre from NYU's palm joint, and of NYU's palm as the estimated joints place it: NYU's
  palm lies halfway between the wrist and the middle finger's PIP (at 0.4969 of the way, 9.78 mm
  off that line, medians over the 8,252 labelled test frames), the crop centre halfway between
  the wrist and the middle MCP (:attr:`Skeleton.center_joints`): some 25 mm nearer the wrist;
- the same NYU frame with the crop held fixed, so that only the pose network differs: cropped
  at the published centre of the frame (``nyu_center.txt``, the centres DeepPrior++-style
  methods crop at) and at the 26 points :data:`FIXED_CROP_STEP_MM` around it on a 3 x 3 x 3
  grid; the 11 joints' mean error at the centre and its mean, spread and range over the 27
  crops. The live number above moves with where the pipeline's recentring puts the crop, which
  differs from network to network: on this frame 4 mm of crop shift change the error by 0.6-1.2
  mm (standard deviation over the grid), as much as the networks differ;
- HANDS2017 frame D00000030 (SR300, unlabelled): whether a hand is found, and a picture.

    python -m jgr_ros.training.real_frames_eval --json card.json --overlay-dir docs
"""
import argparse
import itertools
import json
import pathlib

import cv2
from jgr_ros.camera import CameraModel
from jgr_ros.depth import read_depth_file
from jgr_ros.networks import PoseModel
from jgr_ros.pipeline import HandPoseEstimator
from jgr_ros.skeletons import convert_joints, get_skeleton, Skeleton
from jgr_ros.training.metrics import DATASET_CAMERAS
from jgr_ros.training.predict import overlay
from jgr_ros.training.synthetic_eval import add_localiser_arguments, localiser_config
import numpy as np

SHARED_DATA = pathlib.Path(__file__).resolve().parents[3] / '..' / 'shared' / 'data'
NYU_FRAME = 'frames/nyu_test_depth_1_0000001.png'
NYU_LABELS = 'eval/nyu/nyu_test_groundtruth_label.txt'
HANDS2017_FRAME = 'frames/hands2017_image_D00000030.png'
NYU_CENTERS = 'centers/nyu_center.txt'
FIXED_CROP_STEP_MM = 4.0


def nyu_palm_mm(joints_mm: np.ndarray, skeleton: Skeleton) -> np.ndarray:
    """Return NYU's palm point of ``skeleton``'s joints: halfway from wrist to middle PIP."""
    return (joints_mm[skeleton.index('wrist')] + joints_mm[skeleton.index('middle_pip')]) / 2.0


def nyu_joint_errors_mm(joints_mm: np.ndarray, truth_mm: np.ndarray, skeleton: Skeleton
                        ) -> np.ndarray:
    """3-D error of each of NYU's 14 joints (mm; NaN where ``skeleton`` has no such joint)."""
    return np.linalg.norm(convert_joints(joints_mm, skeleton.name, 'nyu14') - truth_mm, axis=1)


def fixed_crop_errors(pose_model: PoseModel, depth_mm: np.ndarray, camera: CameraModel,
                      center_mm: np.ndarray, truth_mm: np.ndarray, mirrored: bool = False
                      ) -> dict:
    """NYU error of crops at ``center_mm`` and the 26 grid points FIXED_CROP_STEP_MM around."""
    steps = np.array(list(itertools.product((-1.0, 0.0, 1.0), repeat=3)))
    joints_mm = pose_model.predict_at_centers(depth_mm, camera,
                                              center_mm + FIXED_CROP_STEP_MM * steps, mirrored)
    errors = np.array([np.nanmean(nyu_joint_errors_mm(joints, truth_mm, pose_model.skeleton))
                       for joints in joints_mm])
    at_centre = errors[np.flatnonzero((steps == 0.0).all(axis=1))[0]]
    return {'at_centre_mm': round(float(at_centre), 2), 'crops': len(errors),
            'mean_error_mm': round(float(errors.mean()), 2),
            'sd_mm': round(float(errors.std()), 2),
            'range_mm': [round(float(errors.min()), 2), round(float(errors.max()), 2)]}


def evaluate(estimator: HandPoseEstimator, data: pathlib.Path) -> tuple[dict, dict]:
    """Return (results, overlays by name) for the two real frames under ``data``."""
    nyu = DATASET_CAMERAS['nyu']
    depth_mm = read_depth_file(data / NYU_FRAME, 'nyu')
    truth_uvd = np.loadtxt(data / NYU_LABELS, max_rows=1).reshape(-1, 3)
    truth_mm = nyu.back_project(truth_uvd[:, :2], truth_uvd[:, 2])
    frame = estimator.estimate(depth_mm, nyu)
    result = frame.best
    results = {'nyu_frame_1': {'found': result is not None}}
    if result is not None:
        errors = nyu_joint_errors_mm(result.joints_mm, truth_mm, estimator.skeleton)
        shared = ~np.isnan(errors)
        palm_mm = truth_mm[get_skeleton('nyu14').index('palm')]
        results['nyu_frame_1'].update(
            shared_joints=int(shared.sum()), mean_error_mm=round(float(errors[shared].mean()), 2),
            center_to_palm_mm=round(float(np.linalg.norm(result.center_mm - palm_mm)), 2),
            estimated_palm_to_palm_mm=round(float(np.linalg.norm(
                nyu_palm_mm(result.joints_mm, estimator.skeleton) - palm_mm)), 2))
    center_uvd = np.loadtxt(data / NYU_CENTERS, max_rows=1)
    results['nyu_frame_1_fixed_crops'] = fixed_crop_errors(
        estimator.pose_model, depth_mm, nyu, nyu.back_project_uvd(center_uvd), truth_mm,
        estimator.config.average_mirrored)
    overlays = {'nyu_frame_overlay': overlay(depth_mm, frame, estimator)}
    depth_mm = read_depth_file(data / HANDS2017_FRAME, 'png16')
    frame = estimator.estimate(depth_mm, DATASET_CAMERAS['hands2017'])
    results['hands2017_D00000030'] = {
        'found': bool(frame.hands), 'score': round(frame.best.score if frame.hands else 0.0, 3)}
    overlays['hands2017_overlay'] = overlay(depth_mm, frame, estimator)
    return results, overlays


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--model', help='JGR-P2O model file (default: shipped)')
    parser.add_argument('--center-model', help='centre-refinement model file (default: shipped)')
    parser.add_argument('--data', type=pathlib.Path, default=SHARED_DATA,
                        help='the shared data folder (default: ../shared/data)')
    parser.add_argument('--json', type=pathlib.Path, help='write the results here')
    parser.add_argument('--overlay-dir', type=pathlib.Path, help='write the two PNGs here')
    add_localiser_arguments(parser)
    args = parser.parse_args(argv)
    estimator = HandPoseEstimator.from_files(
        args.model, args.center_model, 'cpu', localiser_config(args, tracking=False),
        detector_model_path=args.detector_model, verifier_model_path=args.verifier_model,
        precision=args.precision)
    results, overlays = evaluate(estimator, args.data.resolve())
    text = json.dumps(results, indent=1)
    print(text)
    if args.json:
        args.json.write_text(text + '\n')
    for name, image in overlays.items() if args.overlay_dir else ():
        cv2.imwrite(str(args.overlay_dir / f'{name}.png'), image)
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
