# Copyright 2026 jgr_ros contributors. MIT License.
"""
Golden outputs of the shipped networks, stored beside their weights (models/golden_outputs.json).

The inputs are fixed: crops at the true hand centre of the first frames of today's synthetic
test set (JGR-P2O and the hand verifier), crops around a displaced centre (the centre
refiner) and the first frames of the detector's two-hand set (the hand detector: its outputs
on every fourth cell), all rendered deterministically. A test recomputes the outputs with the
eager fp32 networks and compares them to 1e-4, so a change anywhere between the weights and
the numbers (a refactor of the model, of its loading, of cropping) cannot pass unnoticed. When
the weights change on purpose, write the file again:

    python -m jgr_ros.training.golden_outputs --write
"""
import argparse
import json
import pathlib

from jgr_ros.detector import HandDetector
from jgr_ros.detector_net import detector_input
from jgr_ros.networks import CenterRefiner, HandVerifier, PoseModel, shipped_model_path
from jgr_ros.training.detection_eval import SETS
from jgr_ros.training.samples import CropTransform, make_center_sample, make_pose_sample
from jgr_ros.training.synthetic_eval import TEST_SETS
import numpy as np

GOLDEN_FILE = 'golden_outputs.json'
FRAMES = 4                     # the first frames of today's test set
CENTER_OFFSET_SIGMA_MM = 30.0  # displacement of the refiner's crops, as in its training
DETECTOR_FRAMES = 2            # the first frames of the detector's two-hand set
DETECTOR_CELL_STEP = 4         # the detector's outputs on every fourth cell of each row, column


def golden_inputs(pose_model: PoseModel, refiner: CenterRefiner,
                  count: int = FRAMES) -> tuple[np.ndarray, np.ndarray]:
    """Return the fixed (count, 96, 96) pose crops and (count, 128, 128) centre crops."""
    frames = TEST_SETS['synthetic'].frames(count, pose_model.skeleton.name)
    pose_crops, center_crops = [], []
    for index in range(count):
        frame = frames[index]
        pose_crops.append(make_pose_sample(frame.depth_mm, frame.camera, frame.joints_mm,
                                           pose_model.skeleton, pose_model.cube_mm,
                                           CropTransform(), pose_model.input_size)[0][0])
        center_crops.append(make_center_sample(
            frame.depth_mm, frame.camera, frame.joints_mm, pose_model.skeleton,
            refiner.cube_mm, np.random.default_rng(index), CENTER_OFFSET_SIGMA_MM,
            refiner.input_size)[0][0])
    return np.stack(pose_crops), np.stack(center_crops)


def detector_inputs() -> np.ndarray:
    """Return the fixed (DETECTOR_FRAMES, 120, 160) detector inputs."""
    return np.stack([detector_input(frame.depth_mm)
                     for frame in SETS['two_hands'](DETECTOR_FRAMES)])


def compute(pose_model: PoseModel, refiner: CenterRefiner, detector: HandDetector,
            verifier: HandVerifier) -> dict:
    """Return the networks' outputs on the golden inputs (lists, for JSON)."""
    pose_crops, center_crops = golden_inputs(pose_model, refiner)
    step = DETECTOR_CELL_STEP
    return {'pose_uvz': pose_model.predict_crops(pose_crops).tolist(),
            'center_offsets': [refiner.predict_offset(crop).tolist() for crop in center_crops],
            'detector_outputs': detector.infer(detector_inputs())[..., ::step, ::step].tolist(),
            'verifier_probabilities': verifier.hand_probabilities(pose_crops).tolist()}


def golden_path() -> pathlib.Path:
    """Where the golden outputs live: beside the shipped weights."""
    return shipped_model_path(GOLDEN_FILE)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--write', action='store_true',
                        help=f'write the outputs of the shipped networks to models/{GOLDEN_FILE}')
    args = parser.parse_args(argv)
    outputs = compute(PoseModel(device='cpu', backend='eager'),
                      CenterRefiner(device='cpu', backend='eager'),
                      HandDetector(device='cpu', backend='eager'),
                      HandVerifier(device='cpu', backend='eager'))
    text = json.dumps(outputs) + '\n'
    if args.write:
        golden_path().write_text(text)
        print(f'wrote {golden_path()}')
        return 0
    stored = json.loads(golden_path().read_text())
    worst = max(float(np.max(np.abs(np.subtract(outputs[key], stored[key])))) for key in stored)
    print(f'largest difference from {golden_path()}: {worst:.2e}')
    return 0 if worst <= 1e-4 else 1


if __name__ == '__main__':
    raise SystemExit(main())
