# Copyright 2026 jgr_ros contributors. MIT License.
"""
Depth-camera presets with real intrinsics (pinhole part; synthetic frames are rectified).

Sources: NYU hand dataset (Kinect v1); BigHand2.2M / HANDS2017 (SR300); factory calibrations
that RealSense D435 and Kinect v2 users published (``rs-enumerate-devices -c``, libfreenect2);
the Azure Kinect SDK's NFOV
unbinned crop (offset 192, 180 of the 1024x1024 sensor) applied to a published factory
calibration; the D415's nominal 1.88 mm lens on 1.4 um pixels. A RealSense's 848x480 mode is its
1280x720 image scaled by 0.6625, so the two modes of one unit share their intrinsics up to that
scale. Every unit differs by a few pixels, so treat these as typical values, not as a calibration.
"""

from jgr_ros.camera import CameraModel
from jgr_ros.errors import InputError

CAMERA_PRESETS: dict[str, CameraModel] = {
    'kinect_v1_nyu': CameraModel(640, 480, fx=588.03, fy=587.07, cx=320.0, cy=240.0),
    'realsense_d415_640x480': CameraModel(640, 480, fx=596.0, fy=596.0, cx=320.0, cy=240.0),
    'realsense_d415_848x480': CameraModel(848, 480, fx=593.0, fy=593.0, cx=424.0, cy=240.0),
    'realsense_d415_1280x720': CameraModel(1280, 720, fx=895.1, fy=895.1, cx=640.0, cy=360.0),
    'realsense_d435_640x480': CameraModel(640, 480, fx=384.2, fy=384.2, cx=319.5, cy=236.4),
    'realsense_d435_848x480': CameraModel(848, 480, fx=424.2, fy=424.2, cx=423.4, cy=236.4),
    'realsense_d435_1280x720': CameraModel(1280, 720, fx=640.3, fy=640.3, cx=639.1, cy=356.8),
    'realsense_sr300_640x480': CameraModel(640, 480, fx=475.07, fy=475.07, cx=315.94,
                                           cy=245.29),
    'kinect_v2': CameraModel(512, 424, fx=365.4, fy=365.4, cx=260.9, cy=205.6),
    'azure_kinect_nfov_unbinned': CameraModel(640, 576, fx=503.9, fy=503.7, cx=321.0,
                                              cy=328.5),
}


def get_camera_preset(name: str) -> CameraModel:
    """Return the preset camera called ``name``; InputError naming the known presets otherwise."""
    try:
        return CAMERA_PRESETS[name]
    except KeyError:
        raise InputError(f'unknown camera preset {name!r}; known: '
                         f'{", ".join(CAMERA_PRESETS)}') from None
