# Copyright 2026 jgr_ros contributors. MIT License.
"""
Train the hand verifier (:mod:`jgr_ros.verifier_net`) on the pipeline's own candidates.

Frames of the detector's world (wide: any orientation, egocentric views, held objects,
distractors, a second hand in 35 % of frames, no hand in 15 %; the six cameras of the hard
test set) go through the search of the default pipeline with the detector's threshold down
to :data:`CANDIDATE_SCORE`: up to :data:`MAX_CANDIDATES` detections per frame are cropped,
run through JGR-P2O and recentred on their joints (``HandPoseEstimator.search_candidates``).
Each final crop is labelled by where its joints' centre lies: within ``MATCH_MM`` (30 mm) of
a hand showing itself, a hand (1); more than :data:`NEGATIVE_MM` from every hand, hidden ones
included, no hand (0); in between, or near a hidden hand, not used. A crop the size test
(``pipeline.is_hand_sized``) drops is not used either: the pipeline never asks about it.

Binary cross-entropy, AdamW, the eight flips and quarter turns of each crop (a hand's
surface in any of them is a hand's). Writes the model file with its provenance and prints
the held-out numbers; candidates are cached (``--cache``) as they are the slow part (about
90 ms a frame on a 2-core CPU beside a training run).

Seeds: training 9,000,000 + i, held-out 9,500,000 + i (no other set uses them).

    python -m jgr_ros.training.verifier --frames 8000 --val-frames 1500
"""
import argparse
from dataclasses import dataclass
import json
import pathlib
import sys
import time

from jgr_ros.detector import DetectorConfig, HandDetector
from jgr_ros.model_file import ModelInfo, save_model
from jgr_ros.networks import PoseModel, shipped_model_path
from jgr_ros.pipeline import EstimatorConfig, HandPoseEstimator, is_hand_sized
from jgr_ros.training.detection import detector_world, HandFrames
from jgr_ros.training.detection_eval import (
    _SIX_CAMERAS,
    detection_frame,
    MATCH_MM,
    nearest_mm,
)
from jgr_ros.verifier_net import HandVerifierNet
import numpy as np
import torch
import torch.nn.functional as F

TRAIN_SEED_START = 9_000_000
VAL_SEED_START = 9_500_000
CANDIDATE_SCORE = 0.1
MAX_CANDIDATES = 4
NEGATIVE_MM = 60.0
NO_HAND_SHARE = 0.15
VERIFIER_FILE = 'hand_verifier_mano21.pt'


@dataclass(frozen=True)
class Candidates:
    """Final crops of the search's candidates with labels (1 hand, 0 none, NaN unused)."""

    crops: np.ndarray             # (N, 96, 96) float16, the pose crops
    labels: np.ndarray            # (N,) float32
    detector_scores: np.ndarray   # (N,) the detection each started from
    seeds: np.ndarray             # (N,) the frame's seed

    def save(self, path: pathlib.Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(path, crops=self.crops, labels=self.labels,
                            detector_scores=self.detector_scores, seeds=self.seeds)

    @classmethod
    def load(cls, path: pathlib.Path) -> 'Candidates':
        with np.load(path) as data:
            return cls(data['crops'], data['labels'], data['detector_scores'], data['seeds'])


def label(center_mm: np.ndarray, shown_mm: np.ndarray, others_mm: np.ndarray) -> float:
    """1 within MATCH_MM of a shown hand, 0 beyond NEGATIVE_MM of every hand, else NaN."""
    to_shown_mm, to_other_mm = (nearest_mm(center_mm[None], hands_mm.reshape(-1, 3))[0]
                                for hands_mm in (shown_mm, others_mm))
    if to_shown_mm <= MATCH_MM:
        return 1.0
    return 0.0 if min(to_shown_mm, to_other_mm) > NEGATIVE_MM else np.nan


def collect(estimator: HandPoseEstimator, seeds: range) -> Candidates:
    """Run the search on each frame of ``seeds`` and label its candidates."""
    frames = HandFrames(seeds, _SIX_CAMERAS, detector_world(), NO_HAND_SHARE)
    crops, labels, scores, frame_seeds = [], [], [], []
    for index in range(len(frames)):
        frame = detection_frame(frames[index], np.zeros((0, 3), np.float32))
        detections = estimator.detector.locate_hands(frame.depth_mm, frame.camera,
                                                     MAX_CANDIDATES)
        hands = estimator.search_candidates(frame.depth_mm, frame.camera, detections)
        for hand in hands:
            if not is_hand_sized(hand.joints_mm, estimator.skeleton):
                continue
            crops.append(hand.crop.image.astype(np.float16))
            labels.append(label(estimator.skeleton.hand_center(hand.joints_mm),
                                frame.centers_mm, frame.unlabelled_mm))
            scores.append(hand.detection_score)
            frame_seeds.append(seeds[index])
    return Candidates(np.stack(crops), np.array(labels, np.float32),
                      np.array(scores, np.float32), np.array(frame_seeds))


def candidate_estimator(model: str | None, detector_model: str | None) -> HandPoseEstimator:
    """Return the default pipeline, tracking off, its detector's threshold at CANDIDATE_SCORE."""
    detector = HandDetector(detector_model, 'cpu', config=DetectorConfig(
        min_score=CANDIDATE_SCORE, confirm_score=CANDIDATE_SCORE,
        candidate_score=CANDIDATE_SCORE))
    return HandPoseEstimator(PoseModel(model, 'cpu'), config=EstimatorConfig(tracking=False),
                             detector=detector)


def cached(path: pathlib.Path | None, make) -> Candidates:
    """Load candidates from ``path`` if there, else make (and save them there)."""
    if path is not None and path.is_file():
        return Candidates.load(path)
    candidates = make()
    if path is not None:
        candidates.save(path)
    return candidates


def dihedral(crops: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Apply one of the 8 flips and quarter turns to the (B, 1, S, S) batch, at random."""
    turn, flip = torch.randint(0, 4, (2,), generator=generator).tolist()
    crops = torch.rot90(crops, turn, dims=(2, 3))
    return torch.flip(crops, dims=(3,)) if flip % 2 else crops


def fit(train: Candidates, steps: int, batch_size: int = 128, lr: float = 2e-3,
        seed: int = 0) -> HandVerifierNet:
    """Train a verifier on the labelled candidates (cosine-decayed AdamW)."""
    used = ~np.isnan(train.labels)
    crops = torch.from_numpy(train.crops[used].astype(np.float32))[:, None]
    labels = torch.from_numpy(train.labels[used])
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    model = HandVerifierNet()
    optimiser = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-4)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimiser, steps)
    # Weigh the classes equally: most candidates are hands.
    positive_weight = (labels == 0).sum() / (labels == 1).sum().clamp(min=1)
    model.train()
    for _ in range(steps):
        batch = torch.randint(0, len(labels), (batch_size,), generator=generator)
        logits = model(dihedral(crops[batch], generator))
        loss = F.binary_cross_entropy_with_logits(logits, labels[batch],
                                                  pos_weight=positive_weight)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        schedule.step()
    return model.eval()


@torch.no_grad()
def probabilities(model: HandVerifierNet, crops: np.ndarray, batch_size: int = 256
                  ) -> np.ndarray:
    """(N,) probability that each (N, 96, 96) crop is a hand, centred."""
    return np.concatenate([
        model.infer(torch.from_numpy(crops[first:first + batch_size].astype(np.float32))[:, None]
                    ).numpy() for first in range(0, len(crops), batch_size)])


def scores(candidates: Candidates, hand_probability: np.ndarray,
           thresholds=(0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7)) -> dict:
    """Share of hands kept and of non-hands dropped at each threshold (labelled crops only)."""
    used = ~np.isnan(candidates.labels)
    hand = candidates.labels[used] == 1.0
    probability = hand_probability[used]
    return {'hands': int(hand.sum()), 'non_hands': int((~hand).sum()),
            'by_threshold': {str(threshold): {
                'hands_kept': float(np.mean(probability[hand] >= threshold)),
                'non_hands_dropped': float(np.mean(probability[~hand] < threshold))}
                for threshold in thresholds}}


def main(argv: list[str] | None = None) -> int:
    """Collect (or load) candidates, fit, score, write the model file."""
    parser = argparse.ArgumentParser(prog='python -m jgr_ros.training.verifier',
                                     description=__doc__.split('\n\n')[0].strip())
    parser.add_argument('--frames', type=int, default=8000, help='training frames')
    parser.add_argument('--val-frames', type=int, default=1500, help='held-out frames')
    parser.add_argument('--steps', type=int, default=3000, help='training steps (batch 128)')
    parser.add_argument('--model', help='JGR-P2O model file (default: the shipped one)')
    parser.add_argument('--detector-model', help='detector file (default: the shipped one)')
    parser.add_argument('--cache', type=pathlib.Path, help='folder caching the candidates')
    parser.add_argument('--output', default=str(shipped_model_path(VERIFIER_FILE)),
                        help='model file to write (default: the shipped one)')
    args = parser.parse_args(argv)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)   # rendering and the pipeline, like the node's inference
    estimator = candidate_estimator(args.model, args.detector_model)
    started_s = time.monotonic()
    cache = {name: args.cache / f'{name}_{first}_{count}.npz' if args.cache else None
             for name, first, count in (('train', TRAIN_SEED_START, args.frames),
                                        ('val', VAL_SEED_START, args.val_frames))}
    train = cached(cache['train'], lambda: collect(
        estimator, range(TRAIN_SEED_START, TRAIN_SEED_START + args.frames)))
    val = cached(cache['val'], lambda: collect(
        estimator, range(VAL_SEED_START, VAL_SEED_START + args.val_frames)))
    torch.set_num_threads(threads)
    model = fit(train, args.steps)
    held_out = scores(val, probabilities(model, val.crops))
    provenance = {
        'pose_model': pathlib.Path(estimator.pose_model.path).name,
        'detector_model': pathlib.Path(estimator.detector.path).name,
        'candidate_score': CANDIDATE_SCORE, 'max_candidates': MAX_CANDIDATES,
        'positive_within_mm': MATCH_MM, 'negative_beyond_mm': NEGATIVE_MM,
        'train_seeds': [TRAIN_SEED_START, TRAIN_SEED_START + args.frames],
        'val_seeds': [VAL_SEED_START, VAL_SEED_START + args.val_frames],
        'train_candidates': int(np.count_nonzero(~np.isnan(train.labels))),
        'steps': args.steps, 'held_out': held_out,
        'command': 'python -m jgr_ros.training.verifier ' + ' '.join(
            sys.argv[1:] if argv is None else argv),
    }
    info = ModelInfo(kind='hand_verifier', skeleton=estimator.skeleton.name,
                     num_joints=estimator.skeleton.num_joints,
                     cube_mm=estimator.pose_model.cube_mm,
                     input_size=HandVerifierNet.input_size, provenance=provenance)
    save_model(args.output, model, info, half=True)
    print(json.dumps(held_out, indent=2))
    print(f'wrote {args.output} in {time.monotonic() - started_s:.0f} s')
    return 0


if __name__ == '__main__':
    sys.exit(main())
