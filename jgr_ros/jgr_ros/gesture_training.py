# Copyright 2026 jgr_ros contributors. MIT License.
"""
Fit the gesture and handedness classifiers on the pose network's own predictions.

    python -m jgr_ros.gesture_training [--frames 18000] [--members 5] [--model pose.pt]

Renders gesture frames (and natural poses, the ``none`` class) for both hands, by default half
in the narrow world (a user showing a hand, with clutter and sensor noise) and half in the
renderer's wide world (``--world narrow wide``; ``--world narrow`` for the narrow one alone),
cycling through the hard test set's six cameras, runs the live pipeline on each (localise,
refine, crop, JGR-P2O; no tracking), and fits both classifiers on the predicted joints plus the
ground truth, each as the average of ``--members`` fits with different seeds. Frames where the
pipeline missed the hand (mean error
over ``MAX_TRAINING_ERROR_MM``) are left out of training: nothing can be learnt from them. Then
it scores the classifiers per frame on held-out seeds and handedness on the renderer's two test
sets (every frame counts, missed hands included), and writes the classifier file with its
provenance, a JSON of the numbers and a confusion-matrix picture. Re-run it after the pose
network changes: the defaults (the shipped file's recipe) took 22 minutes on the 2-core CPU
beside a training run; ``--frames 3000 --members 1 --test-frames 0`` a few.

Seeds: training 5,000,000 + i, held-out evaluation 6,000,000 + i (the renderer's own test sets
are 0-1,999 and 10,000-11,999, validation 2,000-2,499, the pose network's training set starts
at 1,000,000; gesture_eval uses 6,100,000 + i and 6,200,000 + i, smoothing_eval 7,000,000 + i and
7,100,000 + i).
"""
import argparse
from dataclasses import dataclass
import json
import pathlib
import sys
import time

from jgr_ros.gestures import gesture_features, NO_GESTURE
from jgr_ros.handedness import chirality_features, LEFT, RIGHT
from jgr_ros.mlp import Classifier, fit_ensemble, FitConfig, save_mlps
from jgr_ros.networks import shipped_model_path
from jgr_ros.pipeline import EstimatorConfig, HandPoseEstimator
from jgr_ros.skeletons import get_skeleton, Skeleton
from jgr_ros.synthetic import GESTURES, get_camera_preset, SyntheticConfig, SyntheticHandGenerator
from jgr_ros.synthetic.scene import WORLDS
from jgr_ros.training.synthetic_eval import TEST_SETS
from jgr_ros.units import MM_PER_M
from matplotlib.figure import Figure
import numpy as np
import torch

TRAIN_SEED_START = 5_000_000
EVAL_SEED_START = 6_000_000
# The cameras of the hard test set, cycled by seed.
CAMERAS = TEST_SETS['hard'].cameras
# Share of frames showing a named gesture; the rest show a natural pose, labelled 'none'.
GESTURE_SHARE = 0.85
MAX_TRAINING_ERROR_MM = 40.0
CLASSIFIER_FILE = 'hand_classifiers_mano21.npz'
# Each classifier averages this many fits (seeds 0, 1, ...): steadier than one.
MEMBERS = 5
GESTURE_LABELS = GESTURES + (NO_GESTURE,)
HANDEDNESS_LABELS = (LEFT, RIGHT)


@dataclass(frozen=True)
class PredictedFrames:
    """The pipeline's joints for rendered frames, with their labels (metres; NaN: missed)."""

    predicted_m: np.ndarray   # (N, J, 3)
    truth_m: np.ndarray       # (N, J, 3)
    gestures: np.ndarray      # (N,) str, 'none' for natural poses
    sides: np.ndarray         # (N,) str, 'left' or 'right'

    @property
    def errors_mm(self) -> np.ndarray:
        """Mean 3-D joint error per frame (inf where the pipeline found no hand)."""
        errors = np.linalg.norm(self.predicted_m - self.truth_m, axis=2).mean(axis=1) * 1000.0
        return np.where(np.isnan(errors), np.inf, errors)


def render_and_predict(seeds: range, estimator: HandPoseEstimator, config: SyntheticConfig,
                       cameras: tuple[str, ...] = CAMERAS) -> PredictedFrames:
    """Render frame ``seed`` (camera ``cameras[seed % len(cameras)]``) and run the pipeline."""
    generators = [SyntheticHandGenerator(get_camera_preset(name), config) for name in cameras]
    joints = estimator.skeleton.num_joints
    predicted, truth, gestures, sides = [], [], [], []
    for seed in seeds:
        frame = generators[seed % len(generators)].frame(seed)
        result = estimator.estimate(frame.depth_mm.astype(np.float32), frame.camera).best
        predicted.append(result.joints_mm / MM_PER_M if result is not None
                         else np.full((joints, 3), np.nan))
        truth.append(frame.joints_mm / MM_PER_M)
        gestures.append(frame.gesture or NO_GESTURE)
        sides.append(frame.handedness)
    return PredictedFrames(np.array(predicted), np.array(truth), np.array(gestures),
                           np.array(sides))


def render_worlds(seed_start: int, count: int, estimator: HandPoseEstimator,
                  worlds: list[str]) -> PredictedFrames:
    """Predict ``count`` frames split evenly between ``worlds``, on consecutive seeds."""
    bounds = np.linspace(seed_start, seed_start + count, len(worlds) + 1).astype(int)
    parts = [render_and_predict(range(first, last), estimator,
                                WORLDS[world](gesture_probability=GESTURE_SHARE))
             for world, first, last in zip(worlds, bounds[:-1], bounds[1:])]
    return PredictedFrames(*(np.concatenate([getattr(part, name) for part in parts])
                             for name in ('predicted_m', 'truth_m', 'gestures', 'sides')))


def feature_matrix(joints_m: np.ndarray, skeleton: Skeleton, features) -> np.ndarray:
    """Stack ``features(joints, skeleton)`` over (N, J, 3) hands."""
    return np.stack([features(hand, skeleton) for hand in joints_m])


def fit_classifiers(frames: PredictedFrames, skeleton: Skeleton, members: int = MEMBERS
                    ) -> dict[str, Classifier]:
    """Fit both classifiers (``members`` seeds each) on the usable predictions and the truth."""
    usable = frames.errors_mm < MAX_TRAINING_ERROR_MM
    hands_m = np.concatenate([frames.predicted_m[usable], frames.truth_m])
    gestures = np.concatenate([frames.gestures[usable], frames.gestures])
    sides = np.concatenate([frames.sides[usable], frames.sides])
    gesture_mlp = fit_ensemble(feature_matrix(hands_m, skeleton, gesture_features),
                               np.array([GESTURE_LABELS.index(label) for label in gestures]),
                               GESTURE_LABELS, FitConfig(hidden_units=64), members)
    side_mlp = fit_ensemble(feature_matrix(hands_m, skeleton, chirality_features),
                            np.array([HANDEDNESS_LABELS.index(side) for side in sides]),
                            HANDEDNESS_LABELS, FitConfig(hidden_units=32), members)
    return {'gesture': gesture_mlp, 'handedness': side_mlp}


def confusion_matrix(truth: np.ndarray, guessed: np.ndarray, labels: tuple[str, ...]
                     ) -> np.ndarray:
    """Count (true label, guessed label) over ``labels``, plus a last column for no hand."""
    matrix = np.zeros((len(labels), len(labels) + 1), dtype=int)
    for true_label, guess in zip(truth, guessed):
        matrix[labels.index(true_label), labels.index(guess) if guess in labels else -1] += 1
    return matrix


def guesses(frames: PredictedFrames, mlp: Classifier, skeleton: Skeleton, features) -> np.ndarray:
    """Per-frame labels of ``mlp`` on the predicted hands ('' where no hand was found)."""
    found = ~np.isnan(frames.predicted_m).any(axis=(1, 2))
    labels = np.full(len(found), '', dtype=object)
    probabilities = mlp.probabilities(feature_matrix(frames.predicted_m[found], skeleton,
                                                     features))
    labels[found] = np.array(mlp.labels)[probabilities.argmax(axis=1)]
    return labels


def handedness_accuracy(frames: PredictedFrames, mlp: Classifier, skeleton: Skeleton) -> dict:
    """Per-frame handedness accuracy, over all frames (missed hands wrong) and found hands."""
    sides = guesses(frames, mlp, skeleton, chirality_features)
    found = sides != ''
    return {'frames': int(len(sides)), 'hands_found': int(found.sum()),
            'accuracy': float(np.mean(sides == frames.sides)),
            'accuracy_found': float(np.mean((sides == frames.sides)[found]))}


def score_frames(frames: PredictedFrames, mlps: dict[str, Classifier], skeleton: Skeleton) -> dict:
    """Per-frame accuracies on held-out frames; a missed hand counts as wrong."""
    gestures = guesses(frames, mlps['gesture'], skeleton, gesture_features)
    found = gestures != ''
    named = frames.gestures != NO_GESTURE
    correct = gestures == frames.gestures
    return {
        'frames': int(len(found)), 'hands_found': int(found.sum()),
        'gesture_accuracy_named': float(correct[named].mean()),
        'gesture_accuracy_named_found': float(correct[named & found].mean()),
        'none_accuracy': float(correct[~named].mean()),
        'per_gesture_accuracy': {label: float(correct[frames.gestures == label].mean())
                                 for label in GESTURE_LABELS},
        'handedness': handedness_accuracy(frames, mlps['handedness'], skeleton),
        'confusion': confusion_matrix(frames.gestures, gestures, GESTURE_LABELS).tolist(),
    }


def per_frame_title(eval_frames: int, world: str) -> str:
    """Title of the per-frame confusion matrix of ``eval_frames`` held-out frames."""
    return (f'per frame through the pipeline, {eval_frames} held-out frames '
            f'(seeds {EVAL_SEED_START}+, {world} world)')


def write_report(folder: pathlib.Path, results: dict, title: str, prefix: str = '') -> None:
    """
    Write ``results`` and its confusion matrix to ``folder``.

    ``<prefix>results.json`` gets ``results`` with the label order, ``<prefix>confusion.png``
    the picture of ``results['confusion']`` (rows and columns: :data:`GESTURE_LABELS`).
    """
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f'{prefix}results.json').write_text(
        json.dumps({**results, 'labels': GESTURE_LABELS}, indent=1) + '\n')
    plot_confusion(np.array(results['confusion']), GESTURE_LABELS,
                   folder / f'{prefix}confusion.png', title)


def plot_confusion(matrix: np.ndarray, labels: tuple[str, ...], path: pathlib.Path,
                   title: str) -> None:
    """Draw a confusion matrix (rows: truth, normalised per row) with its counts."""
    counts = np.asarray(matrix)
    shares = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    columns = labels + ('no hand',) if counts.shape[1] > len(labels) else labels
    figure = Figure(figsize=(8.5, 7.5), layout='constrained')
    axes = figure.add_subplot()
    axes.imshow(shares, cmap='Blues', vmin=0.0, vmax=1.0)
    for (row, column), count in np.ndenumerate(counts):
        if count:
            axes.text(column, row, str(count), ha='center', va='center', fontsize=8,
                      color='white' if shares[row, column] > 0.5 else 'black')
    axes.set_xticks(range(len(columns)), columns, rotation=45, ha='right')
    axes.set_yticks(range(len(labels)), labels)
    axes.set_xlabel('reported')
    axes.set_ylabel('rendered')
    axes.set_title(title)
    figure.savefig(path, dpi=100)


def main(argv: list[str] | None = None) -> int:
    """Render, predict, fit, score, write."""
    parser = argparse.ArgumentParser(prog='python -m jgr_ros.gesture_training',
                                     description=__doc__.split('\n\n')[0].strip())
    parser.add_argument('--frames', type=int, default=18000, help='training frames')
    parser.add_argument('--eval-frames', type=int, default=1200, help='held-out frames')
    parser.add_argument('--test-frames', type=int, default=1000, help='frames of each '
                        'synthetic test set (synthetic, hard) scored for handedness; 0: skip')
    parser.add_argument('--world', choices=sorted(WORLDS), nargs='+', default=['narrow', 'wide'],
                        help='synthetic worlds of the training and held-out frames, split '
                        'evenly (default narrow wide: a user showing a hand, as the synthetic '
                        'camera renders, and any hand orientation)')
    parser.add_argument('--members', type=int, default=MEMBERS, help='fits averaged per '
                        f'classifier, seeds 0, 1, ... (default {MEMBERS})')
    parser.add_argument('--model', help='JGR-P2O model file (default: the shipped one)')
    parser.add_argument('--center-model', help='centre model file (default: the shipped one)')
    parser.add_argument('--output', default=str(shipped_model_path(CLASSIFIER_FILE)),
                        help='classifier file to write (default: the shipped one)')
    parser.add_argument('--report', default='out/gestures', help='folder for results.json and '
                        'confusion.png (default out/gestures)')
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    estimator = HandPoseEstimator.from_files(args.model, args.center_model, 'cpu',
                                             EstimatorConfig(tracking=False, max_hands=1))
    skeleton = get_skeleton(estimator.skeleton.name)
    started_s = time.monotonic()
    train = render_worlds(TRAIN_SEED_START, args.frames, estimator, args.world)
    mlps = fit_classifiers(train, skeleton, args.members)
    held_out = render_worlds(EVAL_SEED_START, args.eval_frames, estimator, args.world)
    results = score_frames(held_out, mlps, skeleton)
    test_sets = {name: handedness_accuracy(render_and_predict(
        test_set.seeds[:args.test_frames], estimator, test_set.config, test_set.cameras),
        mlps['handedness'], skeleton) for name, test_set in TEST_SETS.items()
        if args.test_frames}
    provenance = {
        'pose_model': pathlib.Path(estimator.pose_model.path).name,
        'center_model': pathlib.Path(estimator.refiner.path).name,
        'skeleton': skeleton.name, 'world': ' + '.join(args.world), 'cameras': CAMERAS,
        'gesture_share': GESTURE_SHARE, 'members': args.members,
        'train_seeds': [TRAIN_SEED_START, TRAIN_SEED_START + args.frames],
        'eval_seeds': [EVAL_SEED_START, EVAL_SEED_START + args.eval_frames],
        'train_frames_used': int((train.errors_mm < MAX_TRAINING_ERROR_MM).sum()),
        'held_out': {key: value for key, value in results.items() if key != 'confusion'},
        'handedness_test_sets': test_sets,
        'command': 'python -m jgr_ros.gesture_training ' + ' '.join(
            sys.argv[1:] if argv is None else argv),
    }
    save_mlps(pathlib.Path(args.output), mlps, provenance)
    report = pathlib.Path(args.report)
    write_report(report, {**provenance, 'confusion': results['confusion']},
                 per_frame_title(args.eval_frames, ' + '.join(args.world)))
    print(json.dumps({key: provenance[key] for key in ('held_out', 'handedness_test_sets')},
                     indent=2))
    print(f'wrote {args.output} and {report}/ in {time.monotonic() - started_s:.0f} s')
    return 0


if __name__ == '__main__':
    sys.exit(main())
