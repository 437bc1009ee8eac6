# Copyright 2026 jgr_ros contributors. MIT License.
"""The one error type for bad input anywhere in the pipeline."""


class InputError(ValueError):
    """
    Raised for malformed or unusable input (depth images, camera intrinsics, files).

    The message says what is wrong in terms a user can act on; callers such as the ROS node
    catch this type, log the message (throttled) and skip the frame.
    """
