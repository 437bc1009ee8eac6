# Copyright 2026 jgr_ros contributors. MIT License.
"""
jgr_ros: real-time 3-D hand pose estimation from a single depth image (JGR-P2O).

The core (model, preprocessing, geometry, data, training) imports no ROS; the ROS 2 node in
``jgr_ros.ros`` is a thin adapter over it.
"""

__version__ = '0.1.0'
