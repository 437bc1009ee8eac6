# Copyright 2026 jgr_ros contributors. MIT License.
"""Units: the core works in millimetres (depth, joints, cubes); ROS messages carry metres."""

MM_PER_M = 1000.0
