# Copyright 2026 jgr_ros contributors. MIT License.
r"""
jgr-eval: score per-frame hand-pose results on a benchmark, or run a model to write them.

    jgr-eval --dataset nyu --gt nyu_test_groundtruth_label.txt --pred A.txt --pred B.txt \
             [--json scores.json] [--plot curves.png]
    jgr-eval --dataset nyu --model model.pt --data-root /data/nyu [--centers nyu_center.txt] \
             --write-pred ours.txt

Scoring prints, for each prediction file (named by its stem), the mean 3-D error and the
success rates at 10/20/30/40 mm of the protocol in :mod:`jgr_ros.training.metrics`.

Writing runs a model on the dataset's test frames (NYU ``test/``, ICVL ``Testing/``, MSRA
``--subjects``, all nine by default) at the given hand centres ("u v d" per line, or A2J's
.mat with ``centre_pixel``) and writes the standard "u v d" file that scoring reads. Without
``--centers`` the crops are centred on the ground truth: an optimistic oracle, not comparable
with published numbers. The model's joint layout must be the dataset's; a model of another
layout cannot predict every scored joint, so it is refused rather than written with gaps.

Bad input (unreadable files, mismatched frame or joint counts) exits with status 2.
"""
import argparse
from dataclasses import dataclass
import json
import os
from pathlib import Path
import sys
from typing import Optional, Sequence, Union

from jgr_ros.camera import CameraModel
from jgr_ros.errors import InputError
from jgr_ros.networks import PoseModel
from jgr_ros.runtime import add_precision_argument, BACKENDS
from jgr_ros.skeletons import get_skeleton
from jgr_ros.training.datasets import FrameSource
from jgr_ros.training.metrics import (
    DATASET_CAMERAS,
    DATASET_SKELETONS,
    mean_error_mm,
    per_joint_error_mm,
    read_uvd_file,
    success_rate,
    uvd_to_xyz,
    write_uvd_file,
)
from jgr_ros.training.real_datasets import ICVLFrames, MSRA_SUBJECTS, MSRAFrames, NYUFrames
from matplotlib import colormaps
from matplotlib.figure import Figure
import numpy as np
import scipy.io
from tqdm import tqdm

PathLike = Union[str, os.PathLike]
TABLE_THRESHOLDS_MM = (10, 20, 30, 40)
CURVE_THRESHOLDS_MM = np.arange(0.0, 81.0)
LINE_STYLES = ('-', '--', ':')   # after every 10 curves (tab10 colours)


@dataclass(frozen=True)
class Score:
    """The protocol's numbers for one prediction file."""

    name: str
    mean_error_mm: float
    per_joint_mm: np.ndarray   # (J,)
    success_rate: np.ndarray   # at TABLE_THRESHOLDS_MM
    curve: np.ndarray          # success rate at CURVE_THRESHOLDS_MM

    def to_json(self) -> dict:
        """Return the JSON record: mean, success rate per threshold, per-joint errors."""
        return {'mean_error_mm': self.mean_error_mm,
                'success_rate': {str(t): float(rate)
                                 for t, rate in zip(TABLE_THRESHOLDS_MM, self.success_rate)},
                'per_joint_mm': [None if np.isnan(e) else float(e) for e in self.per_joint_mm]}


def score_predictions(name: str, pred_uvd: np.ndarray, gt_uvd: np.ndarray,
                      camera: CameraModel) -> Score:
    """Score (N, J, 3) predicted "u v d" against the ground truth's with ``camera``."""
    if pred_uvd.shape != gt_uvd.shape:
        raise InputError(f'{name}: {pred_uvd.shape[0]} frames x {pred_uvd.shape[1]} joints, '
                         f'but the ground truth has {gt_uvd.shape[0]} x {gt_uvd.shape[1]}')
    pred_xyz, gt_xyz = uvd_to_xyz(pred_uvd, camera), uvd_to_xyz(gt_uvd, camera)
    return Score(name, mean_error_mm(pred_xyz, gt_xyz), per_joint_error_mm(pred_xyz, gt_xyz),
                 success_rate(pred_xyz, gt_xyz, TABLE_THRESHOLDS_MM),
                 success_rate(pred_xyz, gt_xyz, CURVE_THRESHOLDS_MM))


def score_files(dataset: str, gt_path: PathLike, pred_paths: Sequence[PathLike]) -> list[Score]:
    """Score each prediction file, named by its stem, against the ground-truth file."""
    stems = [Path(path).stem for path in pred_paths]
    repeated = sorted({stem for stem in stems if stems.count(stem) > 1})
    if repeated:
        raise InputError(f'prediction files must have distinct names; repeated: {repeated}')
    num_joints = get_skeleton(DATASET_SKELETONS[dataset]).num_joints
    gt_uvd = read_uvd_file(gt_path, num_joints)
    return [score_predictions(stem, read_uvd_file(path, num_joints), gt_uvd,
                              DATASET_CAMERAS[dataset])
            for stem, path in zip(stems, pred_paths)]


def format_table(scores: Sequence[Score]) -> str:
    """Return a text table: name, mean error (mm), success rates (%) at the table thresholds."""
    width = max(len('method'), *(len(score.name) for score in scores))
    header = f'{"method":<{width}}  mean (mm)' + ''.join(
        f'  <={t:2d} mm' for t in TABLE_THRESHOLDS_MM)
    rows = [f'{score.name:<{width}}  {score.mean_error_mm:9.3f}' + ''.join(
        f'  {100.0 * rate:6.1f}%' for rate in score.success_rate) for score in scores]
    return '\n'.join([header, '-' * len(header), *rows])


def plot_success_curves(scores: Sequence[Score], path: PathLike, title: str) -> None:
    """Draw every file's success-rate curve (t = 0..80 mm) into one PNG, best first."""
    figure = Figure(figsize=(9.0, 6.5), dpi=120, layout='constrained')
    axes = figure.add_subplot()
    colors = colormaps['tab10'].colors
    for index, score in enumerate(sorted(scores, key=lambda score: score.mean_error_mm)):
        line_style = LINE_STYLES[index // len(colors) % len(LINE_STYLES)]
        axes.plot(CURVE_THRESHOLDS_MM, 100.0 * score.curve, color=colors[index % len(colors)],
                  linestyle=line_style, linewidth=1.8,
                  label=f'{score.name} ({score.mean_error_mm:.2f} mm)')
    axes.set(title=title, xlim=(0, CURVE_THRESHOLDS_MM[-1]), ylim=(0, 100),
             xlabel='error threshold t (mm)',
             ylabel='frames with every joint within t (%)')
    axes.grid(True, alpha=0.3)
    axes.legend(title='method (mean 3-D error)', loc='lower right', fontsize='small')
    figure.savefig(path)


def read_centers_mm(path: PathLike, camera: CameraModel) -> np.ndarray:
    """Read hand centres as (N, 3) camera-frame mm from "u v d" lines or A2J's .mat."""
    path = Path(path)
    try:
        uvd = (scipy.io.loadmat(path, variable_names=['centre_pixel']).get('centre_pixel')
               if path.suffix == '.mat' else np.loadtxt(path, dtype=np.float64, ndmin=2))
    except (OSError, ValueError) as error:
        raise InputError(f'cannot read hand centres from {path}: {error}') from None
    if uvd is None or uvd.size == 0 or uvd.size % 3:
        raise InputError(f'{path}: expected "u v d" per frame (a .mat: in centre_pixel)')
    return camera.back_project_uvd(uvd.reshape(-1, 3))


def open_test_frames(dataset: str, data_root: PathLike,
                     subjects: Sequence[int] = MSRA_SUBJECTS) -> FrameSource:
    """Return the benchmark's test frames in the order of its published result files."""
    if dataset == 'nyu':
        return NYUFrames(data_root, 'test')
    if dataset == 'icvl':
        return ICVLFrames(data_root, 'test')
    return MSRAFrames(data_root, subjects)


def predict_frames(model: PoseModel, frames: FrameSource,
                   centers_mm: Optional[np.ndarray] = None) -> np.ndarray:
    """
    Run ``model`` on every frame at its hand centre; return (N, J, 3) "u v d".

    ``centers_mm`` (N, 3): camera-frame centres; None centres each crop on the ground truth.
    """
    if model.skeleton.name != frames.skeleton:
        raise InputError(f'the model predicts layout {model.skeleton.name} but the dataset is '
                         f'scored in {frames.skeleton}; use a model trained on that layout')
    if centers_mm is not None and len(centers_mm) != len(frames):
        raise InputError(f'{len(centers_mm)} hand centres for {len(frames)} frames')
    uvd = []
    for index in tqdm(range(len(frames)), desc='predicting', unit='frame'):
        frame = frames[index]
        center_mm = (model.skeleton.hand_center(frame.joints_mm) if centers_mm is None
                     else centers_mm[index])
        joints_mm = model.predict_at_centers(frame.depth_mm, frame.camera, center_mm[None])[0]
        uvd.append(frame.camera.project_uvd(joints_mm))
    return np.stack(uvd)


def _parse_args(argv: Optional[Sequence[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog='jgr-eval', description=__doc__.split('\n\n')[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--dataset', required=True, choices=sorted(DATASET_SKELETONS))
    score = parser.add_argument_group('score prediction files')
    score.add_argument('--gt', help='ground-truth "u v d" file')
    score.add_argument('--pred', action='append', default=[],
                       help='prediction "u v d" file (repeatable)')
    score.add_argument('--json', help='write the scores to this JSON file')
    score.add_argument('--plot', help='draw the success-rate curves into this PNG')
    predict = parser.add_argument_group('run a model and write its predictions')
    predict.add_argument('--model', help='jgr_ros pose model file (.pt)')
    predict.add_argument('--data-root', help='dataset folder in its original layout')
    predict.add_argument('--centers', help='hand centres: "u v d" per frame, or a .mat')
    predict.add_argument('--write-pred', help='output "u v d" file')
    predict.add_argument('--subjects', type=int, nargs='+', default=list(MSRA_SUBJECTS),
                         help='MSRA test subjects (default: all, as msra_center.txt)')
    predict.add_argument('--device', default='auto', help='auto, cpu, cuda or cuda:N')
    predict.add_argument('--backend', default='auto', choices=BACKENDS,
                         help='how the network runs (jgr_ros.runtime.BACKENDS)')
    add_precision_argument(predict)
    args = parser.parse_args(argv)
    if args.write_pred:
        if not (args.model and args.data_root):
            parser.error('--write-pred needs --model and --data-root')
    elif not (args.gt and args.pred):
        parser.error('give --gt and --pred to score, or --model, --data-root and '
                     '--write-pred to predict')
    return args


def _score(args: argparse.Namespace) -> None:
    scores = score_files(args.dataset, args.gt, args.pred)
    print(format_table(scores))
    if args.json:
        Path(args.json).write_text(
            json.dumps({score.name: score.to_json() for score in scores}, indent=2) + '\n')
    if args.plot:
        plot_success_curves(scores, args.plot, f'{args.dataset.upper()} test set: '
                            'frames whose worst joint error is within t')


def _predict(args: argparse.Namespace) -> None:
    frames = open_test_frames(args.dataset, args.data_root, args.subjects)
    centers_mm = (read_centers_mm(args.centers, DATASET_CAMERAS[args.dataset])
                  if args.centers else None)
    model = PoseModel(args.model, args.device, backend=args.backend, precision=args.precision)
    uvd = predict_frames(model, frames, centers_mm)
    write_uvd_file(args.write_pred, uvd)
    print(f'wrote {len(uvd)} frames to {args.write_pred}')


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run jgr-eval; return the exit status (2 for bad input)."""
    args = _parse_args(argv)
    try:
        if args.write_pred:
            _predict(args)
        else:
            _score(args)
    except (InputError, OSError) as error:
        print(f'jgr-eval: error: {error}', file=sys.stderr)
        return 2
    return 0


if __name__ == '__main__':
    sys.exit(main())
