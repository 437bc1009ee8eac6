# Copyright 2026 jgr_ros contributors. MIT License.
"""
Gesture teleoperation: depth camera (or the synthetic one) + hand-pose node + teleop node.

    ros2 launch jgr_ros teleop.launch.py camera:=realsense cmd_vel_topic:=/servo/cmd_vel

Includes hand_pose.launch.py (``camera`` and the other forwarded arguments as there) and starts
``gesture_teleop_node`` on its ``hand_poses``, publishing geometry_msgs/Twist on
``cmd_vel_topic``: open palm stops, a fist held and moved translates, pointing moves along the
index finger; no hand for ``timeout_s`` sends one zero Twist, then nothing.
"""
from launch.actions import DeclareLaunchArgument, IncludeLaunchDescription
from launch.launch_description import LaunchDescription
from launch.launch_description_sources import PythonLaunchDescriptionSource
from launch.substitutions import LaunchConfiguration, PathJoinSubstitution
from launch_ros.actions import Node
from launch_ros.substitutions import FindPackageShare

FORWARDED_ARGUMENTS = (
    ('camera', 'synthetic', 'depth camera driver: realsense | azure_kinect | kinect_v2 | '
     'synthetic (started here)'),
    ('params_file',
     PathJoinSubstitution([FindPackageShare('jgr_ros'), 'config', 'hand_pose.yaml']),
     'YAML parameters of the nodes (gesture_teleop_node has a section too)'),
    ('model', '', 'JGR-P2O model file; empty: the shipped model'),
    ('device', '', "auto | cpu | cuda | cuda:N; empty: the params file's"),
    ('rviz', 'false', 'start RViz with the jgr_ros view'),
    ('namespace', '', 'namespace of the started nodes'),
)
ARGUMENTS = FORWARDED_ARGUMENTS + (
    ('cmd_vel_topic', 'cmd_vel', 'topic of the Twist commands'),
)


def generate_launch_description() -> LaunchDescription:
    """Include hand_pose.launch.py and add gesture_teleop_node."""
    hand_pose_launch = PathJoinSubstitution(
        [FindPackageShare('jgr_ros'), 'launch', 'hand_pose.launch.py'])
    forwarded = {name: LaunchConfiguration(name) for name, _, _ in FORWARDED_ARGUMENTS}
    return LaunchDescription([
        *(DeclareLaunchArgument(name, default_value=default, description=description)
          for name, default, description in ARGUMENTS),
        IncludeLaunchDescription(PythonLaunchDescriptionSource(hand_pose_launch),
                                 launch_arguments=forwarded.items()),
        Node(package='jgr_ros', executable='gesture_teleop_node', name='gesture_teleop_node',
             namespace=LaunchConfiguration('namespace'),
             parameters=[LaunchConfiguration('params_file')], output='screen',
             remappings=[('cmd_vel', LaunchConfiguration('cmd_vel_topic'))]),
    ])
