# Copyright 2026 jgr_ros contributors. MIT License.
"""
The latest camera model per frame_id, from camera_info messages, in bounded memory.

CameraInfo is static for a camera, so caching the latest one by frame_id is accepted practice.
A camera_info that fails validation replaces the camera's model with the reason, so its depth
frames are skipped with that reason. Only the ``max_cameras`` most recently heard frame_ids are
kept: a stream of made-up frame_ids cannot grow the node's memory.
"""
from collections import OrderedDict

from jgr_ros.camera import CameraModel
from jgr_ros.errors import InputError
from jgr_ros.ros.conversions import camera_from_info_msg
from sensor_msgs.msg import CameraInfo

# Longer frame_ids are shortened in messages (the full one is no help in a log line).
MAX_FRAME_ID_CHARS = 64


class CameraInfoCache:
    """Camera model (or why there is none) of the ``max_cameras`` latest frame_ids."""

    def __init__(self, max_cameras: int = 16):
        self.max_cameras = max_cameras
        self._cameras: OrderedDict[str, CameraModel | str] = OrderedDict()

    def __len__(self) -> int:
        return len(self._cameras)

    def update(self, msg: CameraInfo) -> str:
        """Take a camera_info message; return why it is invalid ('' when it is valid)."""
        frame_id = msg.header.frame_id
        try:
            camera: CameraModel | str = camera_from_info_msg(msg)
        except InputError as error:
            camera = f'camera_info of frame {short_frame_id(frame_id)} is invalid: {error}'
        self._cameras[frame_id] = camera
        self._cameras.move_to_end(frame_id)
        while len(self._cameras) > self.max_cameras:
            self._cameras.popitem(last=False)
        return '' if isinstance(camera, CameraModel) else camera

    def camera(self, frame_id: str, info_topic: str) -> CameraModel:
        """Return the camera of ``frame_id``; InputError says why there is none."""
        camera = self._cameras.get(frame_id)
        if isinstance(camera, CameraModel):
            return camera
        raise InputError(camera or f'no camera_info for frame {short_frame_id(frame_id)} yet '
                         f'on {info_topic}')


def short_frame_id(frame_id: str) -> str:
    """Return ``frame_id`` quoted, shortened to MAX_FRAME_ID_CHARS characters."""
    if len(frame_id) <= MAX_FRAME_ID_CHARS:
        return repr(frame_id)
    return repr(frame_id[:MAX_FRAME_ID_CHARS]) + f'... ({len(frame_id)} characters)'
