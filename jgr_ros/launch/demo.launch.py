# Copyright 2026 jgr_ros contributors. MIT License.
"""
The demo with a full ROS install: synthetic depth camera + hand-pose node + RViz.

    ros2 launch jgr_ros demo.launch.py

Without ROS installed, ``./demo.sh`` runs the same two nodes in one process and reports
accuracy against the synthetic ground truth.
"""
from launch.actions import DeclareLaunchArgument, IncludeLaunchDescription
from launch.launch_description import LaunchDescription
from launch.launch_description_sources import PythonLaunchDescriptionSource
from launch.substitutions import LaunchConfiguration, PathJoinSubstitution
from launch_ros.substitutions import FindPackageShare

FORWARDED_ARGUMENTS = (
    ('camera', 'synthetic', 'depth camera: synthetic (started here), or a driver preset of '
     'hand_pose.launch.py whose driver you start yourself'),
    ('rviz', 'true', 'start RViz with the jgr_ros view (a warning where rviz2 is missing)'),
    ('model', '', 'JGR-P2O model file; empty: the shipped model'),
    ('device', '', "auto | cpu | cuda | cuda:N; empty: the params file's"),
    ('namespace', '', 'namespace of the started nodes'),
)


def generate_launch_description() -> LaunchDescription:
    """Include hand_pose.launch.py, by default with camera:=synthetic."""
    hand_pose_launch = PathJoinSubstitution(
        [FindPackageShare('jgr_ros'), 'launch', 'hand_pose.launch.py'])
    forwarded = {name: LaunchConfiguration(name) for name, _, _ in FORWARDED_ARGUMENTS}
    return LaunchDescription([
        *(DeclareLaunchArgument(name, default_value=default, description=description)
          for name, default, description in FORWARDED_ARGUMENTS),
        IncludeLaunchDescription(PythonLaunchDescriptionSource(hand_pose_launch),
                                 launch_arguments=forwarded.items()),
    ])
