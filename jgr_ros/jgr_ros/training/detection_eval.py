# Copyright 2026 jgr_ros contributors. MIT License.
"""
How well the hand detector finds hands: recall, precision and centre error on fixed sets.

Sets (none ever trained on; the detector trains on seeds from 5,000,000, validates on
2,500-2,999):

- ``synthetic``, ``hard`` and ``hard_16x9``: the pose test sets
  (:data:`synthetic_eval.TEST_SETS`), one labelled hand per frame. The hard sets' 'hand'
  negatives are real hands without labels: a detection on one (within
  :data:`UNLABELLED_RADIUS_MM` of its centre) is neither right nor wrong;
- ``two_hands``: seeds 20,000-20,999, the hard world with a second labelled hand in every frame
  where one fits, six cameras;
- ``no_hands``: seeds 30,000-30,499, the same world with the hands taken out (clutter only).

A labelled hand that shows fewer than ``MIN_VISIBLE_JOINTS`` (6) of its 21 joints (hidden behind
something nearer, or mostly outside the image) is treated like an unlabelled one, as in the
detector's training: neither a hand to find nor, when detected, a false detection. The JSON
counts them (``hidden_hands``); "both hands found" is over the frames showing both hands.
Recall is also broken down by the view of each shown hand (``recall_by_view``) and by how
many of its joints it shows (``recall_by_seen_joints``, :data:`SEEN_JOINT_BINS`).

A detected centre (back-projected from the detector's u, v and depth) matches a hand within
:data:`MATCH_MM` (each detection one hand, nearest pairs first). Recall = matched hands / hands,
precision = matched detections / detections; the centre error of a hand is the distance to
its nearest detection (a missed hand: infinite). The same numbers are measured for the hands
the whole pipeline reports (default settings, tracking off, two hands at most: the detector,
then JGR-P2O, recentred once on its own joints; a hand's centre is that of its joints). The
PNG shows the fraction of hands found within each distance.

    python -m jgr_ros.training.detection_eval --out-dir docs
    python -m jgr_ros.training.detection_eval --frames 200 \
        --detector-model runs/hand_detector/model.pt
"""
import argparse
from dataclasses import dataclass, field
import functools
import json
import pathlib

from jgr_ros.camera import CameraModel
from jgr_ros.detector import DetectorConfig, HandDetector
from jgr_ros.detector_net import decode_centers, detector_input
from jgr_ros.networks import CenterRefiner, PoseModel
from jgr_ros.pipeline import EstimatorConfig, HandPoseEstimator, load_verifier, MAX_HANDS_LIMIT
from jgr_ros.runtime import add_precision_argument
from jgr_ros.skeletons import get_skeleton
from jgr_ros.synthetic.cameras import get_camera_preset
from jgr_ros.synthetic.generator import SyntheticHandGenerator
from jgr_ros.training.detection import (
    detector_world,
    HandFrames,
    HandsFrame,
    MIN_VISIBLE_JOINTS,
    seen_joints,
)
from jgr_ros.training.synthetic_eval import TEST_SETS
from jgr_ros.training.views import FINGER_VIEWS, PALM_VIEWS, View, view_of
from matplotlib import colormaps
from matplotlib.figure import Figure
import numpy as np

MATCH_MM = 30.0
MISS_CAUSES = ('no_peak', 'peak_depth_off', 'reported_off', 'dropped')
UNLABELLED_RADIUS_MM = 60.0
MAX_HANDS = 2
# Shown hands by how many of their 21 joints are seen (from MIN_VISIBLE_JOINTS): the misses
# gather where little of the hand shows.
SEEN_JOINT_BINS = ((MIN_VISIBLE_JOINTS, 8), (9, 11), (12, 15), (16, 21))
CURVE_MM = np.arange(0.0, 101.0, 1.0)
SCORE_SWEEP = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7)
_MANO = get_skeleton('mano21')
_SIX_CAMERAS = TEST_SETS['hard'].cameras


@dataclass(frozen=True)
class DetectionFrame:
    """
    A frame with the centres (mm) of its shown hands (K, 3), of unlabelled and hidden ones (M, 3).

    ``hidden`` counts the labelled hands that show too little of themselves to be found;
    ``views`` are the shown hands' views (:mod:`jgr_ros.training.views`), ``seen_joints``
    how many of their joints they show.
    """

    depth_mm: np.ndarray
    camera: CameraModel
    centers_mm: np.ndarray
    unlabelled_mm: np.ndarray
    hidden: int = 0
    views: tuple[View, ...] = ()
    seen_joints: tuple[int, ...] = ()


def detection_frame(hands: HandsFrame, unlabelled_mm: np.ndarray) -> DetectionFrame:
    """Split a frame's labelled hands into shown ones and hidden ones (with the unlabelled)."""
    seen = seen_joints(hands.depth_mm, hands.camera, hands.joints_mm)
    shown = seen >= MIN_VISIBLE_JOINTS
    centers_mm = hands.centers_mm
    return DetectionFrame(hands.depth_mm, hands.camera, centers_mm[shown],
                          np.concatenate([unlabelled_mm.reshape(-1, 3), centers_mm[~shown]]),
                          int(np.count_nonzero(~shown)),
                          tuple(view_of(joints_mm, _MANO) for joints_mm in hands.joints_mm[shown]),
                          tuple(int(count) for count in seen[shown]))


def pose_set_frames(name: str, count: int | None):
    """Yield the frames of a pose test set with all their hand centres."""
    test_set = TEST_SETS[name]
    generators = [SyntheticHandGenerator(get_camera_preset(camera), test_set.config)
                  for camera in test_set.cameras]
    for seed in test_set.seeds[:count]:
        frame = generators[seed % len(generators)].frame(seed)
        hands = HandsFrame(frame.depth_mm.astype(np.float32), frame.camera, frame.all_joints_mm)
        yield detection_frame(hands, frame.unlabelled_hand_centers_mm)


def hand_set_frames(seeds: range, no_hand_probability: float):
    """Return a function yielding the frames of a detector set (every hand labelled)."""
    def frames(count: int | None):
        source = HandFrames(seeds[:count], _SIX_CAMERAS, detector_world(1.0),
                            no_hand_probability)
        for index in range(len(source)):
            yield detection_frame(source[index], np.zeros((0, 3), np.float32))
    return frames


SETS = {
    **{name: functools.partial(pose_set_frames, name) for name in TEST_SETS},
    'two_hands': hand_set_frames(range(20_000, 21_000), 0.0),
    'no_hands': hand_set_frames(range(30_000, 30_500), 1.0),
}


def match(centers_mm: np.ndarray, found_mm: np.ndarray) -> list[tuple[int, int]]:
    """Pair hands and detections within MATCH_MM, nearest pairs first, each used once."""
    distances = np.linalg.norm(centers_mm[:, None] - found_mm[None], axis=-1)
    pairs, used_hands, used_found = [], set(), set()
    for flat in np.argsort(distances, axis=None):
        hand, found = np.unravel_index(flat, distances.shape)
        if distances[hand, found] > MATCH_MM:
            break
        if hand not in used_hands and found not in used_found:
            pairs.append((int(hand), int(found)))
            used_hands.add(hand)
            used_found.add(found)
    return pairs


def nearest_mm(centers_mm: np.ndarray, found_mm: np.ndarray) -> np.ndarray:
    """(K,) distance of each hand to its nearest detection (inf without any)."""
    if len(found_mm) == 0:
        return np.full(len(centers_mm), np.inf)
    return np.linalg.norm(centers_mm[:, None] - found_mm[None], axis=-1).min(axis=1)


@dataclass
class SetTally:
    """Per-set counts and errors, at every score threshold of the sweep."""

    hands: int = 0
    hidden_hands: int = 0      # labelled but hidden: neither found nor missed
    frames: int = 0
    two_hand_frames: int = 0
    both_found: int = 0
    empty_frames: int = 0
    errors_mm: list[float] = field(default_factory=list)   # per hand: nearest detection
    sweep: dict = field(default_factory=lambda: {
        score: {'matched': 0, 'detections': 0} for score in SCORE_SWEEP})
    by_group: dict = field(default_factory=lambda: {   # at the set's threshold
        name: {'matched': 0, 'hands': 0} for name in
        [f'fingers={view}' for view in FINGER_VIEWS] + [f'palm={view}' for view in PALM_VIEWS]
        + [_seen_group(high) for _, high in SEEN_JOINT_BINS]})
    missed_by_cause: dict | None = None   # the pipeline's: MISS_CAUSES -> hands


def tally_frame(tally: SetTally, frame: DetectionFrame, detections: np.ndarray,
                min_score: float) -> None:
    """Add one frame's detections (K, 4: u, v, depth, score; best first) to ``tally``."""
    found_mm = frame.camera.back_project_uvd(detections[:, :3]).reshape(-1, 3)
    labelled = _labelled(frame, found_mm)
    for score, counts in tally.sweep.items():
        kept = labelled & (detections[:, 3] >= score)
        counts['matched'] += len(match(frame.centers_mm, found_mm[kept]))
        counts['detections'] += int(kept.sum())
    kept = labelled & (detections[:, 3] >= min_score)
    matched_hands = {hand for hand, _ in match(frame.centers_mm, found_mm[kept])}
    for hand, (view, seen) in enumerate(zip(frame.views, frame.seen_joints, strict=True)):
        for name in (f'fingers={view.fingers}', f'palm={view.palm}', _seen_group(seen)):
            tally.by_group[name]['hands'] += 1
            tally.by_group[name]['matched'] += int(hand in matched_hands)
    tally.frames += 1
    tally.hands += len(frame.centers_mm)
    tally.hidden_hands += frame.hidden
    tally.errors_mm += nearest_mm(frame.centers_mm, found_mm[kept]).tolist()
    tally.empty_frames += int(not kept.any())
    if len(frame.centers_mm) == 2:
        tally.two_hand_frames += 1
        tally.both_found += int(len(match(frame.centers_mm, found_mm[kept])) == 2)


def _seen_group(joints: int) -> str:
    """Return the name of the SEEN_JOINT_BINS group of a hand that shows ``joints`` joints."""
    low, high = next(bin_ for bin_ in SEEN_JOINT_BINS if joints <= bin_[1])
    return f'seen_joints={low}-{high}'


def miss_causes(frame: DetectionFrame, peaks: np.ndarray, reported: np.ndarray,
                min_score: float) -> list[str]:
    """
    Return why each hand the pipeline missed was missed (MISS_CAUSES; see the module's docstring).

    ``peaks`` (K, 4) are the detector's down to the lowest score the pipeline tries, ``reported``
    (R, 4) the pipeline's hands, both u, v, depth, score; a reported hand counts from
    ``min_score``, as in :func:`tally_frame`.
    """
    reported_mm = frame.camera.back_project_uvd(reported[:, :3]).reshape(-1, 3)
    reported_mm = reported_mm[_labelled(frame, reported_mm) & (reported[:, 3] >= min_score)]
    found = {hand for hand, _ in match(frame.centers_mm, reported_mm)}
    peaks_mm = frame.camera.back_project_uvd(peaks[:, :3]).reshape(-1, 3)
    causes = []
    for hand, center_mm in enumerate(frame.centers_mm):
        if hand in found:
            continue
        at_hand_depth = np.column_stack([peaks[:, :2], np.full(len(peaks), center_mm[2])])
        beside_mm = frame.camera.back_project_uvd(at_hand_depth).reshape(-1, 3)
        if nearest_mm(center_mm[None], beside_mm)[0] > MATCH_MM:
            causes.append('no_peak')
        elif nearest_mm(center_mm[None], peaks_mm)[0] > MATCH_MM:
            causes.append('peak_depth_off')
        elif nearest_mm(center_mm[None], reported_mm)[0] <= 2 * MATCH_MM:
            causes.append('reported_off')
        else:
            causes.append('dropped')
    return causes


def _labelled(frame: DetectionFrame, found_mm: np.ndarray) -> np.ndarray:
    """Which detections count: those not on an unlabelled or hidden hand."""
    return ~_near_any(found_mm, frame.unlabelled_mm, UNLABELLED_RADIUS_MM)


def _near_any(points_mm: np.ndarray, others_mm: np.ndarray, radius_mm: float) -> np.ndarray:
    if len(others_mm) == 0 or len(points_mm) == 0:
        return np.zeros(len(points_mm), bool)
    return np.linalg.norm(points_mm[:, None] - others_mm[None], axis=-1).min(axis=1) <= radius_mm


def summary(tally: SetTally, min_score: float) -> dict:
    """Return the set's numbers at ``min_score`` and the precision/recall sweep."""
    def rates(counts: dict) -> dict:
        return {'recall': counts['matched'] / tally.hands if tally.hands else None,
                'precision': (counts['matched'] / counts['detections']
                              if counts['detections'] else None),
                'detections': counts['detections']}
    errors = np.array(tally.errors_mm)
    at_threshold = tally.sweep.get(min_score)
    return {
        'frames': tally.frames, 'hands': tally.hands, 'hidden_hands': tally.hidden_hands,
        'min_score': min_score,
        **(rates(at_threshold) if at_threshold else {}),
        'median_center_error_mm': float(np.median(errors)) if len(errors) else None,
        'within_30mm': float(np.mean(errors <= MATCH_MM)) if len(errors) else None,
        'two_hand_frames': tally.two_hand_frames,
        'both_hands_found': (tally.both_found / tally.two_hand_frames
                             if tally.two_hand_frames else None),
        'frames_without_detection': tally.empty_frames / tally.frames if tally.frames else None,
        'sweep': {str(score): rates(counts) for score, counts in tally.sweep.items()},
        'recall_by_view': _group_recalls(tally, ('fingers=', 'palm=')),
        'recall_by_seen_joints': _group_recalls(tally, ('seen_joints=',)),
        **({'missed_by_cause': tally.missed_by_cause}
           if tally.missed_by_cause is not None else {}),
    }


def _group_recalls(tally: SetTally, prefixes: tuple[str, ...]) -> dict:
    """Hands and recall of the tally's groups whose names start with one of ``prefixes``."""
    return {name: {'hands': counts['hands'],
                   'recall': counts['matched'] / counts['hands'] if counts['hands'] else None}
            for name, counts in tally.by_group.items() if name.startswith(prefixes)}


def evaluate_set(detector: HandDetector, estimator: HandPoseEstimator,
                 frames) -> dict[str, SetTally]:
    """Tally the detector (every peak down to the sweep's lowest score) and the pipeline."""
    tallies = {'detector': SetTally(),
               'pipeline': SetTally(missed_by_cause=dict.fromkeys(MISS_CAUSES, 0))}
    for frame in frames:
        output = detector.infer(detector_input(frame.depth_mm)[None])[0]
        peaks = decode_centers(output, frame.depth_mm.shape, MAX_HANDS_LIMIT, min(SCORE_SWEEP))
        tally_frame(tallies['detector'], frame, peaks[:MAX_HANDS], detector.config.min_score)
        reported = pipeline_hands(estimator, frame)
        tally_frame(tallies['pipeline'], frame, reported, min(SCORE_SWEEP))
        tried = peaks[peaks[:, 3] >= detector.config.candidate_score]   # the searches' peaks
        for cause in miss_causes(frame, tried, reported, min(SCORE_SWEEP)):
            tallies['pipeline'].missed_by_cause[cause] += 1
    return tallies


def pipeline_hands(estimator: HandPoseEstimator, frame: DetectionFrame) -> np.ndarray:
    """(K, 4) hands the pipeline reports: u, v, depth of their joints' centre, and score."""
    hands = estimator.estimate(frame.depth_mm, frame.camera).hands
    centers_mm = np.array([_MANO.hand_center(hand.joints_mm) for hand in hands]).reshape(-1, 3)
    uvd = frame.camera.project_uvd(centers_mm).reshape(-1, 3)
    return np.column_stack([uvd, [hand.score for hand in hands]]).astype(np.float32)


def plot_curves(tallies: dict, path: pathlib.Path, title: str) -> None:
    """Fraction of hands whose nearest detection is within each distance: detector, pipeline."""
    figure = Figure(figsize=(9.0, 6.5), dpi=120, layout='constrained')
    axes = figure.add_subplot()
    colors = colormaps['tab10'].colors
    for index, (name, by_stage) in enumerate(tallies.items()):
        if not by_stage['detector'].hands:
            continue
        for stage, style in (('detector', '-'), ('pipeline', '--')):
            errors = np.asarray(by_stage[stage].errors_mm)
            axes.plot(CURVE_MM, 100.0 * np.mean(errors[:, None] <= CURVE_MM, axis=0),
                      color=colors[index], linestyle=style, linewidth=1.8,
                      label=f'{name}, {stage} (median {np.median(errors):.1f} mm)')
    axes.axvline(MATCH_MM, color='grey', linewidth=0.8)
    axes.set(title=title, xlim=(0, CURVE_MM[-1]), ylim=(0, 100),
             xlabel='distance from the true hand centre t (mm)',
             ylabel='hands with a detection within t (%)')
    axes.grid(True, alpha=0.3)
    axes.legend(loc='lower right', fontsize='small')
    figure.savefig(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--detector-model', help='hand-detector model file (default: shipped)')
    parser.add_argument('--model', help='JGR-P2O model file (default: shipped)')
    parser.add_argument('--center-model', help='centre-refinement model file (default: shipped)')
    parser.add_argument('--verifier-model', help='hand-verifier model file (default: shipped)')
    parser.add_argument('--no-verify', dest='verify', action='store_false',
                        help="don't judge the pipeline's hands with the verifier")
    parser.add_argument('--sets', default=','.join(SETS),
                        help=f'comma-separated sets: {", ".join(SETS)} (default: all)')
    parser.add_argument('--frames', type=int, help='only the first frames of each set')
    parser.add_argument('--min-score', type=float, help='detection threshold (default: '
                        "the detector's); must be one of the sweep's")
    parser.add_argument('--out-dir', type=pathlib.Path,
                        help='write detector_results.json and detector_curves.png here')
    add_precision_argument(parser)
    args = parser.parse_args(argv)
    names = args.sets.split(',')
    if set(names) - set(SETS):
        parser.error(f'unknown sets {sorted(set(names) - set(SETS))}; known: {", ".join(SETS)}')
    config = DetectorConfig() if args.min_score is None else DetectorConfig(args.min_score)
    detector = HandDetector(args.detector_model, device='cpu', config=config,
                            precision=args.precision)
    pipeline_config = EstimatorConfig(tracking=False, max_hands=MAX_HANDS, verify=args.verify)
    estimator = HandPoseEstimator(PoseModel(args.model, device='cpu', precision=args.precision),
                                  CenterRefiner(args.center_model, device='cpu'),
                                  pipeline_config, detector, verifier=load_verifier(
                                      pipeline_config, args.verifier_model, device='cpu'))
    tallies = {name: evaluate_set(detector, estimator, SETS[name](args.frames)) for name in names}
    results = {'model': str(detector.path), 'match_mm': MATCH_MM, 'sets': {
        name: {'detector': summary(by_stage['detector'], config.min_score),
               'pipeline': summary(by_stage['pipeline'], min(SCORE_SWEEP))}
        for name, by_stage in tallies.items()}}
    text = json.dumps(results, indent=1)
    print(text)
    if args.out_dir:
        args.out_dir.mkdir(parents=True, exist_ok=True)
        (args.out_dir / 'detector_results.json').write_text(text + '\n')
        plot_curves(tallies, args.out_dir / 'detector_curves.png',
                    'Hands found within t of their centre: detector alone (solid), pipeline '
                    '(dashed)')
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
