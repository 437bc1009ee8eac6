# Copyright 2026 jgr_ros contributors. MIT License.
"""
The held-out synthetic test sets and how a model card's numbers are measured on them.

- ``synthetic`` (today's test set): 2,000 frames from seeds 0-1999 of the narrow world the
  first models knew (:meth:`SyntheticConfig.narrow`: mostly palm or back to the camera,
  fingers up), a RealSense D435 at 640 x 480, hands 0.3-1.0 m from the camera;
- ``hard``: 2,000 frames from seeds 10,000-11,999 of the wide world (``SyntheticConfig()``'s
  defaults: any orientation for half the hands, egocentric views, cut hands, varied hand
  shapes, held objects, table objects, hard negatives, flying pixels), cycling through six
  cameras (D435, D415, SR300, Kinect v1, Kinect v2, Azure Kinect) by seed;
- ``hard_16x9``: 2,000 frames from seeds 12,000-13,999 of the same wide world through the
  RealSense D435 and D415 in their 16:9 modes, 848 x 480 (the realsense-ros default) and
  1280 x 720: frames of another shape than the 4:3 (or taller) ones above, which the detector
  sees resized to its 160 x 120 input, squeezed to three quarters of their width.

Training seeds start at 1,000,000 (and validation is 2,000-2,499), so no set is ever
trained on. The sets are fixed: a test keeps a checksum of their first frames, so a renderer
change that would alter them fails (a new world gets a new set). Two protocols:

- ``gt_center``: the model runs on crops around the ground-truth hand centre, as the authors
  evaluate with precomputed centres;
- ``pipeline``: the live pipeline (localisation, centre refinement, crop, model), as the node
  runs on single frames; a frame where no hand is found counts as a failure at every
  threshold.

    python -m jgr_ros.training.synthetic_eval --out-dir docs            # both sets
    python -m jgr_ros.training.synthetic_eval --sets hard --frames 200  # a quick look

Each set's results also break both protocols down by how the hand is seen (``by_view``,
:mod:`jgr_ros.training.views`: fingers toward, across or away from the camera; palm face-on,
oblique or edge-on) and draw it (``<set>_test_views.png``).
"""
import argparse
from dataclasses import dataclass
import json
import pathlib

from jgr_ros.localization import Localizer
from jgr_ros.networks import CenterRefiner, HandVerifier, PoseModel
from jgr_ros.pipeline import (
    DETECTORS,
    EstimatorConfig,
    HandPoseEstimator,
    load_detector,
    load_verifier,
)
from jgr_ros.runtime import add_precision_argument
from jgr_ros.synthetic.scene import SyntheticConfig
from jgr_ros.training.datasets import LabelledFrame, SyntheticFrames
from jgr_ros.training.evaluate import (
    CURVE_THRESHOLDS_MM,
    plot_success_curves,
    Score,
    TABLE_THRESHOLDS_MM,
)
from jgr_ros.training.metrics import (
    joint_errors_mm,
    mean_error_mm,
    per_joint_error_mm,
    success_rate,
)
from jgr_ros.training.views import errors_by_view, plot_errors_by_view, view_of
import numpy as np


@dataclass(frozen=True)
class TestSet:
    """A fixed set of synthetic frames: seeds, cameras (cycled by seed) and world."""

    name: str
    seeds: range
    cameras: tuple[str, ...]
    config: SyntheticConfig
    title: str

    def frames(self, count: int | None = None, skeleton: str = 'mano21') -> SyntheticFrames:
        """Return the first ``count`` frames of the set (all by default)."""
        seeds = self.seeds if count is None else self.seeds[:count]
        return SyntheticFrames(seeds, self.cameras, skeleton, self.config)


TEST_SETS = {
    'synthetic': TestSet('synthetic', range(0, 2_000), ('realsense_d435_640x480',),
                         SyntheticConfig.narrow(distance_range_m=(0.3, 1.0)),
                         "today's synthetic test set (narrow world, D435, 0.3-1.0 m)"),
    'hard': TestSet('hard', range(10_000, 12_000),
                    ('realsense_d435_640x480', 'realsense_d415_640x480',
                     'realsense_sr300_640x480', 'kinect_v1_nyu', 'kinect_v2',
                     'azure_kinect_nfov_unbinned'),
                    SyntheticConfig(), 'hard synthetic test set (wide world, six cameras)'),
    'hard_16x9': TestSet('hard_16x9', range(12_000, 14_000),
                         ('realsense_d435_848x480', 'realsense_d415_848x480',
                          'realsense_d435_1280x720', 'realsense_d415_1280x720'),
                         SyntheticConfig(),
                         'hard world through the RealSense 16:9 modes (848x480, 1280x720)'),
}


def held_out_frames(count: int = 2_000, skeleton: str = 'mano21') -> SyntheticFrames:
    """Return the first ``count`` frames of today's held-out synthetic test set."""
    return TEST_SETS['synthetic'].frames(count, skeleton)


def score(name: str, pred_mm: np.ndarray, gt_mm: np.ndarray) -> Score:
    """Score (N, J, 3) predictions in mm; frames of NaN predictions fail every threshold."""
    failed = np.isnan(pred_mm).all(axis=(1, 2))
    pred = np.where(failed[:, None, None], np.inf, pred_mm)
    found = ~failed
    return Score(name, mean_error_mm(pred_mm[found], gt_mm[found]),
                 per_joint_error_mm(pred_mm[found], gt_mm[found]),
                 success_rate(pred, gt_mm, TABLE_THRESHOLDS_MM),
                 success_rate(pred, gt_mm, CURVE_THRESHOLDS_MM))


def evaluate(pose_model: PoseModel, refiner: CenterRefiner, frames: SyntheticFrames,
             config: EstimatorConfig | None = None, detector: Localizer | None = None,
             verifier: HandVerifier | None = None) -> dict:
    """
    Run both protocols and the centre measurements over ``frames``; return the results.

    The pipeline runs ``config`` (default: the node's, without tracking and with one hand: the
    frames are independent and the best hand found is scored); ``detector`` is the learned
    localiser a config with detector 'learned' needs, ``verifier`` the hand verifier it uses.
    """
    config = config or EstimatorConfig(tracking=False, max_hands=1)
    estimator = HandPoseEstimator(pose_model, refiner, config, detector, verifier=verifier)
    count, joints = len(frames), pose_model.skeleton.num_joints
    gt = np.empty((count, joints, 3))
    at_gt_center, pipeline = np.full_like(gt, np.nan), np.full_like(gt, np.nan)
    initial_error, refined_error = [], []
    for index in range(count):
        frame: LabelledFrame = frames[index]
        gt[index] = frame.joints_mm
        center_mm = pose_model.skeleton.hand_center(frame.joints_mm)
        at_gt_center[index] = pose_model.predict_at_centers(
            frame.depth_mm, frame.camera, center_mm, config.average_mirrored)[0]
        result = estimator.estimate(frame.depth_mm, frame.camera).best
        if result is not None:
            pipeline[index] = result.joints_mm
            initial_error.append(np.linalg.norm(result.detected_center_mm - center_mm))
            refined_error.append(np.linalg.norm(result.center_mm - center_mm))
    scores = [score('gt_center', at_gt_center, gt), score('pipeline', pipeline, gt)]
    views = [view_of(joints_mm, pose_model.skeleton) for joints_mm in gt]
    return {
        'frames': count, 'seeds': [frames.seeds.start, frames.seeds.start + count],
        'hand_found_fraction': len(initial_error) / count,
        'center_error_mm': {'initial_mean': _mean(initial_error),
                            'refined_mean': _mean(refined_error),
                            'refined_median': float(np.median(refined_error))
                            if refined_error else None},
        'scores': {s.name: s.to_json() for s in scores},
        'by_view': errors_by_view(views, joint_errors_mm(at_gt_center, gt).mean(axis=1),
                                  joint_errors_mm(pipeline, gt).mean(axis=1)),
        '_scores': scores}


def _mean(values: list) -> float | None:
    return float(np.mean(values)) if values else None


def add_localiser_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options choosing the localiser and the refinement an evaluation runs."""
    defaults = EstimatorConfig()
    parser.add_argument('--detector', choices=DETECTORS, default=defaults.detector,
                        help=f'the localiser (default: {defaults.detector})')
    parser.add_argument('--detector-model', help='hand-detector model file (default: shipped)')
    parser.add_argument('--verifier-model', help='hand-verifier model file (default: shipped)')
    parser.add_argument('--no-verify', dest='verify', action='store_false',
                        help="don't judge the learned detector's hands with the verifier")
    parser.add_argument('--refine-iterations', type=int, default=defaults.refine_iterations,
                        help='centre refinements after a search (default: '
                             f'{defaults.refine_iterations})')
    parser.add_argument('--recentre-iterations', type=int, default=defaults.recentre_iterations,
                        help="pose passes again around the joints' centre after a search "
                             f'(default: {defaults.recentre_iterations})')
    parser.add_argument('--tracking-refine-iterations', type=int,
                        default=defaults.tracking_refine_iterations,
                        help='centre refinements of a followed hand (default: '
                             f'{defaults.tracking_refine_iterations})')
    parser.add_argument('--average-mirrored', action='store_true',
                        help='average each pose pass with its mirrored crop (test-time '
                             'augmentation; default: off, as the node)')
    add_precision_argument(parser)


def localiser_config(args: argparse.Namespace, **changes) -> EstimatorConfig:
    """Return the pipeline settings of :func:`add_localiser_arguments`' options."""
    return EstimatorConfig(detector=args.detector, refine_iterations=args.refine_iterations,
                           recentre_iterations=args.recentre_iterations,
                           tracking_refine_iterations=args.tracking_refine_iterations,
                           verify=args.verify, average_mirrored=args.average_mirrored,
                           **changes)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--model', help='JGR-P2O model file (default: shipped)')
    parser.add_argument('--center-model', help='centre-refinement model file (default: shipped)')
    parser.add_argument('--sets', default=','.join(TEST_SETS),
                        help=f'comma-separated test sets: {", ".join(TEST_SETS)} (default: all)')
    parser.add_argument('--frames', type=int, help='only the first frames of each set')
    add_localiser_arguments(parser)
    parser.add_argument('--out-dir', type=pathlib.Path,
                        help='write <set>_test_results.json and <set>_test_curves.png here')
    args = parser.parse_args(argv)
    unknown = set(args.sets.split(',')) - set(TEST_SETS)
    if unknown:
        parser.error(f'unknown test sets {sorted(unknown)}; known: {", ".join(TEST_SETS)}')
    pose_model = PoseModel(args.model, device='cpu', precision=args.precision)
    refiner = CenterRefiner(args.center_model, device='cpu')
    config = localiser_config(args, tracking=False, max_hands=1)
    detector = load_detector(config.detector, args.detector_model, device='cpu',
                             precision=args.precision)
    verifier = load_verifier(config, args.verifier_model, device='cpu')
    for name in args.sets.split(','):
        test_set = TEST_SETS[name]
        results = {'set': name, 'cameras': list(test_set.cameras),
                   'detector': config.detector, 'refine_iterations': config.refine_iterations,
                   'recentre_iterations': config.recentre_iterations,
                   **evaluate(pose_model, refiner,
                              test_set.frames(args.frames, pose_model.skeleton.name), config,
                              detector, verifier)}
        scores = results.pop('_scores')
        text = json.dumps(results, indent=1)
        print(text)
        if args.out_dir:
            args.out_dir.mkdir(parents=True, exist_ok=True)
            (args.out_dir / f'{name}_test_results.json').write_text(text + '\n')
            title = f'{test_set.title[0].upper()}{test_set.title[1:]}, {results["frames"]} frames'
            plot_success_curves(scores, args.out_dir / f'{name}_test_curves.png', title)
            plot_errors_by_view(results['by_view'], args.out_dir / f'{name}_test_views.png',
                                f'{title}: by view')
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
