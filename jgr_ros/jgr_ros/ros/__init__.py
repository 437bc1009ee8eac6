# Copyright 2026 jgr_ros contributors. MIT License.
"""
The ROS 2 layer: nodes, message adapters, markers, diagnostics and the demo.

This is the only part of jgr_ros that imports rclpy and ROS messages; the estimation core
(jgr_ros.pipeline and what it uses) stays free of ROS.
"""
