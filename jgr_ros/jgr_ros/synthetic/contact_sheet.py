# Copyright 2026 jgr_ros contributors. MIT License.
"""
Contact sheet of synthetic frames: hand neighbourhoods in false colour with their joints.

Each tile shows the depth around the hand centre with the 21 ground-truth joints and the bones
drawn on top. Run
``python -m jgr_ros.synthetic.contact_sheet --output docs/synthetic_contact_sheet.png``.
"""

import argparse
from collections.abc import Sequence
import itertools

import cv2
from jgr_ros.drawing import draw_skeleton
from jgr_ros.skeletons import get_skeleton
from jgr_ros.synthetic.cameras import CAMERA_PRESETS, get_camera_preset
from jgr_ros.synthetic.generator import SyntheticFrame, SyntheticHandGenerator
import numpy as np

_SKELETON = get_skeleton('mano21')
_OUTSIDE_IMAGE = np.iinfo(np.uint16).max  # marks tile pixels beyond the image border
_OUTSIDE_BGR, _OUT_OF_WINDOW_BGR = (60, 40, 40), (96, 96, 96)


def draw_frame(frame: SyntheticFrame, tile_px: int = 256, cube_mm: float = 350.0,
               window_mm: float = 200.0) -> np.ndarray:
    """
    Return a (tile_px, tile_px, 3) BGR tile: the ``cube_mm`` box around the hand centre.

    Depth within ``window_mm`` of the hand centre runs red (near) to blue (far); other depths
    are grey, invalid pixels black, pixels beyond the image border dark blue. Joints and
    bones are coloured per finger.
    """
    center_u, center_v, center_mm = frame.joints_uvd[list(_SKELETON.center_joints)].mean(axis=0)
    scale = tile_px / (frame.camera.fx * cube_mm / center_mm)  # tile pixels per image pixel
    to_tile = np.array([[scale, 0.0, tile_px / 2 - center_u * scale],
                        [0.0, scale, tile_px / 2 - center_v * scale]])
    depth_mm = cv2.warpAffine(frame.depth_mm, to_tile, (tile_px, tile_px),
                              flags=cv2.INTER_NEAREST, borderValue=_OUTSIDE_IMAGE)
    near_mm = center_mm - window_mm / 2.0
    offset = (depth_mm.astype(np.float32) - near_mm) / window_mm
    tile = cv2.applyColorMap(np.clip(255.0 - offset * 255.0, 0, 255).astype(np.uint8),
                             cv2.COLORMAP_JET)
    tile[(offset < 0.0) | (offset > 1.0)] = _OUT_OF_WINDOW_BGR
    tile[depth_mm == 0] = 0
    tile[depth_mm == _OUTSIDE_IMAGE] = _OUTSIDE_BGR
    draw_skeleton(tile, frame.joints_uvd[:, :2] @ to_tile[:, :2].T + to_tile[:, 2], _SKELETON,
                  radius=3, thickness=1)
    label = f'{frame.gesture or "natural"} {frame.handedness[0].upper()} {center_mm:.0f}mm'
    cv2.putText(tile, label, (4, 16), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (255, 255, 255), 1,
                cv2.LINE_AA)
    return tile


def contact_sheet(frames: Sequence[SyntheticFrame], columns: int = 4, tile_px: int = 256
                  ) -> np.ndarray:
    """Tile ``frames`` row by row into one BGR image (empty tiles are black)."""
    tiles = [draw_frame(frame, tile_px) for frame in frames]
    tiles += [np.zeros_like(tiles[0])] * (-len(tiles) % columns)
    rows = [np.hstack(tiles[i:i + columns]) for i in range(0, len(tiles), columns)]
    return np.vstack(rows)


def varied_frames(generator: SyntheticHandGenerator, count: int) -> list[SyntheticFrame]:
    """
    Return frames in seed order that show the gestures evenly, a third natural random poses.

    A gesture is taken only when no other gesture has been shown fewer times.
    """
    frames = []
    shown = dict.fromkeys(generator.config.gestures, 0)
    for seed in itertools.count():
        if len(frames) == count:
            return frames
        frame = generator.frame(seed)
        if frame.gesture:
            wanted = shown[frame.gesture] == min(shown.values())
            shown[frame.gesture] += wanted
        else:
            wanted = sum(not f.gesture for f in frames) < count // 3
        if wanted:
            frames.append(frame)


def main(argv: Sequence[str] | None = None) -> None:
    """Write a contact sheet of varied synthetic frames."""
    parser = argparse.ArgumentParser(description='Write a contact sheet of synthetic frames.')
    parser.add_argument('--output', default='docs/synthetic_contact_sheet.png')
    parser.add_argument('--camera', default='kinect_v1_nyu', choices=sorted(CAMERA_PRESETS))
    parser.add_argument('--count', type=int, default=16)
    parser.add_argument('--columns', type=int, default=4)
    args = parser.parse_args(argv)
    generator = SyntheticHandGenerator(get_camera_preset(args.camera))
    sheet = contact_sheet(varied_frames(generator, args.count), args.columns)
    if not cv2.imwrite(args.output, sheet):
        raise SystemExit(f'could not write {args.output}')
    print(f'wrote {args.output}')


if __name__ == '__main__':
    main()
