# Copyright 2026 jgr_ros contributors. MIT License.
"""
Score a classifier file, without refitting, on the live pipeline's predictions.

    python tools/score_hand_classifiers.py [--classifiers FILE] [--report out/gestures_score]

The evaluation half of ``python -m jgr_ros.gesture_training``, with its functions, seeds and
estimator (the default pipeline, no tracking, one hand): renders the held-out gesture frames
(seeds 6,000,000 + i) and the first ``--test-frames`` of the renderer's two test sets, runs the
pipeline on each, and scores the given classifiers (default: the shipped file) as the
training tool scores a new fit, plus the gesture accuracy by the pose network's mean joint
error and on the ground-truth joints. Writes results.json and confusion.png to ``--report``;
``--cache`` keeps the predictions (NPZ) so that other classifier files score in seconds.
"""
import argparse
import json
import pathlib
import sys

from jgr_ros import gesture_training as gt
from jgr_ros.mlp import load_mlps
from jgr_ros.networks import shipped_model_path
from jgr_ros.pipeline import EstimatorConfig, HandPoseEstimator
from jgr_ros.synthetic.scene import WORLDS
from jgr_ros.training.synthetic_eval import TEST_SETS
import numpy as np
import torch

ERROR_BINS_MM = ((0, 15), (15, 25), (25, 40), (40, np.inf))


def predictions(name, seeds, config, cameras, cache, estimator):
    """Frames ``seeds`` through the pipeline, read from / written to ``cache`` if given."""
    path = cache / f'{name}.npz' if cache else None
    if path and path.exists():
        data = np.load(path)
        return gt.PredictedFrames(data['predicted_m'], data['truth_m'],
                                  data['gestures'].astype(object), data['sides'].astype(object))
    frames = gt.render_and_predict(seeds, estimator(), config, cameras)
    if path:
        cache.mkdir(parents=True, exist_ok=True)
        np.savez(path, predicted_m=frames.predicted_m, truth_m=frames.truth_m,
                 gestures=frames.gestures.astype(str), sides=frames.sides.astype(str))
    return frames


def main(argv=None):
    """Predict (or read the cache), score, write."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0].strip())
    parser.add_argument('--classifiers', default=str(shipped_model_path(gt.CLASSIFIER_FILE)))
    parser.add_argument('--eval-frames', type=int, default=1200)
    parser.add_argument('--test-frames', type=int, default=1000)
    parser.add_argument('--world', choices=sorted(WORLDS), default='narrow')
    parser.add_argument('--cache', type=pathlib.Path, help='folder for the predictions')
    parser.add_argument('--report', default='out/gestures_score')
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    built = []

    def estimator():
        if not built:
            built.append(HandPoseEstimator.from_files(
                None, None, 'cpu', EstimatorConfig(tracking=False, max_hands=1)))
        return built[0]

    mlps, provenance = load_mlps(pathlib.Path(args.classifiers))
    skeleton = gt.get_skeleton('mano21')
    config = WORLDS[args.world](gesture_probability=gt.GESTURE_SHARE)
    held = predictions('heldout', range(gt.EVAL_SEED_START, gt.EVAL_SEED_START + args.eval_frames),
                       config, gt.CAMERAS, args.cache, estimator)
    results = gt.score_frames(held, mlps, skeleton)
    results['handedness_test_sets'] = {
        name: gt.handedness_accuracy(predictions(name, test_set.seeds[:args.test_frames],
                                                 test_set.config, test_set.cameras,
                                                 args.cache, estimator),
                                     mlps['handedness'], skeleton)
        for name, test_set in TEST_SETS.items() if args.test_frames}
    errors = held.errors_mm
    right = gt.guesses(held, mlps['gesture'], skeleton, gt.gesture_features) == held.gestures
    named = held.gestures != gt.NO_GESTURE
    results['by_error_mm_named'] = {}
    for low, high in ERROR_BINS_MM:
        chosen = named & (errors >= low) & (errors < high)
        results['by_error_mm_named'][f'{low}-{high}'] = {
            'frames': int(chosen.sum()),
            'accuracy': float(right[chosen].mean()) if chosen.any() else None}
    results['by_error_mm_named']['no hand'] = {'frames': int((named & np.isinf(errors)).sum()),
                                               'accuracy': 0.0}
    truth = gt.PredictedFrames(held.truth_m, held.truth_m, held.gestures, held.sides)
    on_truth = gt.score_frames(truth, mlps, skeleton)
    results['on_ground_truth'] = {key: on_truth[key]
                                  for key in ('gesture_accuracy_named', 'none_accuracy')}
    results['mean_error_mm_found'] = float(errors[np.isfinite(errors)].mean())
    results['classifiers'] = {'file': pathlib.Path(args.classifiers).name,
                              'provenance': provenance}
    results['command'] = 'python tools/score_hand_classifiers.py ' + ' '.join(
        sys.argv[1:] if argv is None else argv)
    gt.write_report(pathlib.Path(args.report), results,
                    gt.per_frame_title(args.eval_frames, args.world))
    print(json.dumps({key: value for key, value in results.items()
                      if key not in ('confusion', 'classifiers')}, indent=1))
    return 0


if __name__ == '__main__':
    sys.exit(main())
