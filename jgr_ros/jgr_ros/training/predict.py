# Copyright 2026 jgr_ros contributors. MIT License.
"""
jgr-predict: run the whole pipeline on one depth file, the way a user tries the model.

    jgr-predict frame.png --intrinsics 475.07 475.07 315.94 245.29 --json o.json --overlay o.png

Writes ``{"found", "reason", "center_m", "skeleton", "joint_names", "joints_m", "joints_uvd",
"roi"}``: positions in metres in the camera optical frame (x right, y down, z forward; fy as
given, so a negative fy means y up as in NYU), joints_uvd as pixel u, v and depth in mm.
"""
import argparse
import json
import pathlib
import sys

import cv2
from jgr_ros.camera import CameraModel
from jgr_ros.depth import read_depth_file
from jgr_ros.drawing import colorize_depth, draw_skeleton
from jgr_ros.errors import InputError
from jgr_ros.pipeline import HandPoseEstimator, HandPoseFrame
from jgr_ros.runtime import add_precision_argument
from jgr_ros.units import MM_PER_M
import numpy as np


def result_to_json(frame: HandPoseFrame, estimator: HandPoseEstimator) -> dict:
    """Return the JSON document jgr-predict writes: the best hand (metres, optical frame)."""
    skeleton = estimator.skeleton
    result = frame.best
    if result is None:
        return {'found': False, 'reason': frame.reason, 'center_m': None,
                'skeleton': skeleton.name, 'joint_names': list(skeleton.joint_names),
                'joints_m': [], 'joints_uvd': [], 'roi': None}
    return {'found': True, 'reason': '', 'center_m': (result.center_mm / MM_PER_M).tolist(),
            'skeleton': skeleton.name, 'joint_names': list(skeleton.joint_names),
            'joints_m': (result.joints_mm / MM_PER_M).round(6).tolist(),
            'joints_uvd': result.joints_uvd.round(3).tolist(), 'roi': list(result.roi)}


def overlay(depth_mm: np.ndarray, frame: HandPoseFrame,
            estimator: HandPoseEstimator) -> np.ndarray:
    """Colour-mapped depth with each hand's skeleton and crop box drawn."""
    image = colorize_depth(depth_mm)
    for result in frame.hands:
        x, y, w, h = result.roi
        cv2.rectangle(image, (x, y), (x + w, y + h), (255, 255, 255), 1)
        draw_skeleton(image, result.joints_uvd, estimator.skeleton)
    if not frame.hands:
        cv2.putText(image, f'no hand: {frame.reason}', (8, 24), cv2.FONT_HERSHEY_SIMPLEX, 0.5,
                    (255, 255, 255), 1, cv2.LINE_AA)
    return image


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog='jgr-predict', description=__doc__.split('\n\n')[0])
    parser.add_argument('depth_file', type=pathlib.Path)
    parser.add_argument('--intrinsics', nargs=4, type=float, required=True,
                        metavar=('FX', 'FY', 'CX', 'CY'))
    parser.add_argument('--depth-format', choices=('png16', 'nyu', 'npy'), default='png16')
    parser.add_argument('--model', help='JGR-P2O model file (default: the shipped model)')
    parser.add_argument('--center-model', help='centre-refinement model file (default: shipped)')
    parser.add_argument('--device', default='auto', help='auto, cuda or cpu')
    add_precision_argument(parser)
    parser.add_argument('--json', type=pathlib.Path, help='write the result here')
    parser.add_argument('--overlay', type=pathlib.Path, help='write a PNG of the skeleton here')
    args = parser.parse_args(argv)
    try:
        depth_mm = read_depth_file(args.depth_file, args.depth_format)
        fx, fy, cx, cy = args.intrinsics
        camera = CameraModel(depth_mm.shape[1], depth_mm.shape[0], fx, fy, cx, cy)
        estimator = HandPoseEstimator.from_files(args.model, args.center_model, args.device,
                                                 precision=args.precision)
        frame = estimator.estimate(depth_mm, camera)
    except InputError as error:
        print(f'jgr-predict: {error}', file=sys.stderr)
        return 2
    document = result_to_json(frame, estimator)
    text = json.dumps(document, indent=1)
    if args.json:
        args.json.write_text(text + '\n')
    else:
        print(text)
    if args.overlay:
        cv2.imwrite(str(args.overlay), overlay(depth_mm, frame, estimator))
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
