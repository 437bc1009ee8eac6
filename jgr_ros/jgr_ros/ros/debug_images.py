# Copyright 2026 jgr_ros contributors. MIT License.
"""
Pictures for people: the network's crop with its skeleton, and estimate-vs-truth overlays.

Both build on :mod:`jgr_ros.drawing` (colour maps, per-finger skeletons).
"""
import cv2
from jgr_ros.camera import CameraModel
from jgr_ros.crop import crop_preview, HandCrop, image_to_crop
from jgr_ros.drawing import colorize_depth, draw_skeleton
from jgr_ros.skeletons import Skeleton
import numpy as np

TRUTH_COLOR_BGR = (255, 255, 255)
# The zoomed panel shows the joints' bounding box grown by this factor.
_ZOOM_MARGIN = 1.6
_CAPTION_HEIGHT_PX = 30


def crop_debug_image(crop: HandCrop, joints_uvd: np.ndarray, skeleton: Skeleton,
                     upscale: int = 4) -> np.ndarray:
    """Return the network input (far = white) with the estimated skeleton, as RGB uint8."""
    joints_crop_px = image_to_crop(joints_uvd, crop)[:, :2] * (crop.size - 1)
    image = cv2.cvtColor(crop_preview(crop, upscale), cv2.COLOR_GRAY2BGR)
    draw_skeleton(image, _upscaled(joints_crop_px, upscale), skeleton)
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def comparison_image(depth_mm: np.ndarray, camera: CameraModel, estimate_mm: np.ndarray,
                     truth_mm: np.ndarray, skeleton: Skeleton, caption: str) -> np.ndarray:
    """
    Return a BGR picture: the colour-mapped frame and a zoom on the hand, captioned below.

    The estimated skeleton is drawn per finger, the ground-truth joints as white crosses.
    """
    estimate_uv, truth_uv = camera.project(estimate_mm), camera.project(truth_mm)
    x0, y0, side = _zoom_box(np.vstack([estimate_uv, truth_uv]), depth_mm.shape)
    near_mm = float(truth_mm[:, 2].min()) - 50.0
    full = colorize_depth(depth_mm, near_mm, near_mm + 400.0)
    height = full.shape[0]
    scale = height / side
    zoom = cv2.resize(full[y0:y0 + side, x0:x0 + side], (height, height),
                      interpolation=cv2.INTER_NEAREST)
    to_zoom = np.array([x0, y0])
    draw_skeleton(zoom, _upscaled(estimate_uv - to_zoom, scale), skeleton, radius=5,
                  thickness=3)
    _draw_crosses(zoom, _upscaled(truth_uv - to_zoom, scale), size=14)
    draw_skeleton(full, estimate_uv, skeleton, radius=2, thickness=1)
    cv2.rectangle(full, (x0, y0), (x0 + side, y0 + side), TRUTH_COLOR_BGR, 1)
    band = np.zeros((_CAPTION_HEIGHT_PX, full.shape[1] + height, 3), np.uint8)
    cv2.putText(band, caption, (10, _CAPTION_HEIGHT_PX - 10), cv2.FONT_HERSHEY_SIMPLEX, 0.55,
                TRUTH_COLOR_BGR, 1, cv2.LINE_AA)
    return np.vstack([np.hstack([full, zoom]), band])


def _zoom_box(uv: np.ndarray, image_shape: tuple[int, int]) -> tuple[int, int, int]:
    """Square (x0, y0, side) around the points, grown by a margin, inside the image."""
    height, width = image_shape
    low, high = uv.min(axis=0), uv.max(axis=0)
    side = int(np.clip(_ZOOM_MARGIN * (high - low).max(), 32, min(height, width)))
    x0, y0 = np.clip(np.round((low + high) / 2.0 - side / 2.0), 0, (width - side, height - side))
    return int(x0), int(y0), side


def _draw_crosses(image: np.ndarray, uv: np.ndarray, size: int) -> None:
    for u, v in np.round(uv).astype(int):
        cv2.drawMarker(image, (int(u), int(v)), TRUTH_COLOR_BGR, cv2.MARKER_TILTED_CROSS, size, 2,
                       cv2.LINE_AA)


def _upscaled(uv: np.ndarray, scale: float) -> np.ndarray:
    """Map pixel centres of an image to those of the image resized by ``scale``."""
    return (uv + 0.5) * scale - 0.5
