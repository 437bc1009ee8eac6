# Copyright 2026 jgr_ros contributors. MIT License.
"""Pictures a person can look at: colour-mapped depth with the skeleton drawn over it."""
import cv2
from jgr_ros.skeletons import Skeleton
import numpy as np

# RGB in 0..1 per finger, shared by the overlays and the RViz markers.
FINGER_COLORS_RGB = {
    'thumb': (0.95, 0.25, 0.25), 'index': (1.0, 0.65, 0.1), 'middle': (0.3, 0.85, 0.3),
    'ring': (0.2, 0.6, 1.0), 'pinky': (0.75, 0.35, 0.95), 'palm': (0.95, 0.95, 0.95)}


def finger_color_bgr(skeleton: Skeleton, joint: int) -> tuple[int, int, int]:
    """Return the OpenCV (B, G, R) 0..255 colour of a joint's finger."""
    r, g, b = FINGER_COLORS_RGB[skeleton.finger_of(joint)]
    return int(b * 255), int(g * 255), int(r * 255)


def colorize_depth(depth_mm: np.ndarray, near_mm: float | None = None,
                   far_mm: float | None = None) -> np.ndarray:
    """Map depth to a BGR image (near = warm); invalid (0) pixels are black."""
    valid = depth_mm > 0
    if not valid.any():
        return np.zeros(depth_mm.shape + (3,), np.uint8)
    near = float(depth_mm[valid].min()) if near_mm is None else near_mm
    far = float(np.percentile(depth_mm[valid], 95)) if far_mm is None else far_mm
    scaled = np.clip((depth_mm - near) / max(far - near, 1.0), 0.0, 1.0)
    image = cv2.applyColorMap((255 * (1.0 - scaled)).astype(np.uint8), cv2.COLORMAP_TURBO)
    image[~valid] = 0
    return image


def draw_skeleton(image: np.ndarray, joints_uv: np.ndarray, skeleton: Skeleton,
                  radius: int = 3, thickness: int = 2, color: tuple[int, int, int] | None = None
                  ) -> np.ndarray:
    """Draw bones and joints (per-finger colours, or one ``color``) onto a BGR image in place."""
    shift = 4  # sub-pixel precision for OpenCV drawing
    points = np.round(np.nan_to_num(joints_uv[:, :2], nan=-1e4) * (1 << shift)).astype(np.int32)
    for parent, child in skeleton.bones:
        if np.isfinite(joints_uv[[parent, child], :2]).all():
            cv2.line(image, tuple(points[parent]), tuple(points[child]),
                     color or finger_color_bgr(skeleton, child), thickness, cv2.LINE_AA, shift)
    for joint, point in enumerate(points):
        if np.isfinite(joints_uv[joint, :2]).all():
            cv2.circle(image, tuple(point), radius << shift,
                       color or finger_color_bgr(skeleton, joint), -1, cv2.LINE_AA, shift)
    return image
