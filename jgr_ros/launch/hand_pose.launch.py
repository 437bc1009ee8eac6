# Copyright 2026 jgr_ros contributors. MIT License.
"""
Start the hand-pose node for a depth camera, optionally with RViz.

    ros2 launch jgr_ros hand_pose.launch.py camera:=realsense rviz:=true

``camera`` picks the driver whose depth topics the node's ``depth/image_raw`` and
``depth/camera_info`` are remapped to (start the driver yourself); ``camera:=synthetic`` also
starts the synthetic depth camera. ``depth_topic`` / ``camera_info_topic`` override the preset.
``lifecycle:=true`` starts the managed (lifecycle) node instead, configured and activated at
once with ``autostart:=true`` (the default) or left unconfigured for a lifecycle manager.

When a node of this file stops, the whole launch stops with it (a node that could not start,
e.g. for a missing model file, makes the launch fail). RViz is optional: without rviz2
installed, ``rviz:=true`` only logs a warning.
"""
import os

from ament_index_python.packages import get_package_share_directory, PackageNotFoundError
from launch.action import Action
from launch.actions import (
    DeclareLaunchArgument,
    EmitEvent,
    LogInfo,
    OpaqueFunction,
    RegisterEventHandler,
    Shutdown,
)
from launch.events import matches_action
from launch.events.process import ProcessExited
from launch.launch_context import LaunchContext
from launch.launch_description import LaunchDescription
from launch.substitutions import LaunchConfiguration, PathJoinSubstitution
from launch_ros.actions import LifecycleNode, Node
from launch_ros.event_handlers import OnStateTransition
from launch_ros.events.lifecycle import ChangeState
from launch_ros.substitutions import FindPackageShare
from lifecycle_msgs.msg import Transition

# Per supported driver: depth image topic, camera_info topic and the depth frame_id, as the
# drivers publish them by default (relative names resolve in the launch namespace).
CAMERA_PRESETS = {
    # realsense-ros 4.x (camera_namespace and camera_name both 'camera').
    'realsense': ('/camera/camera/depth/image_rect_raw', '/camera/camera/depth/camera_info',
                  'camera_depth_optical_frame'),
    # Azure Kinect ROS driver.
    'azure_kinect': ('depth/image_raw', 'depth/camera_info', 'depth_camera_link'),
    # kinect2_bridge (iai_kinect2), the small-resolution rectified depth.
    'kinect_v2': ('/kinect2/sd/image_depth_rect', '/kinect2/sd/camera_info',
                  'kinect2_ir_optical_frame'),
    # jgr_ros synthetic_camera_node, started by this file.
    'synthetic': ('depth/image_raw', 'depth/camera_info', 'camera_depth_optical_frame'),
}
# Topics config/jgr_ros.rviz shows (absolute names there); RViz is remapped to the node's,
# and its fixed frame set to the camera's.
RVIZ_TOPICS = ('depth/image_raw', 'depth/camera_info', 'hand_markers', 'wrist_pose', 'debug/crop')

ARGUMENTS = (
    ('camera', 'realsense', f'depth camera driver: {" | ".join(CAMERA_PRESETS)}'),
    ('depth_topic', '', "depth image topic; empty: the camera preset's"),
    ('camera_info_topic', '', "camera_info topic; empty: the camera preset's"),
    ('params_file',
     PathJoinSubstitution([FindPackageShare('jgr_ros'), 'config', 'hand_pose.yaml']),
     'YAML parameters of hand_pose_node (and synthetic_camera_node)'),
    ('model', '', "JGR-P2O model file; empty: the params file's, else the shipped model"),
    ('device', '', "auto | cpu | cuda | cuda:N; empty: the params file's"),
    ('rviz', 'false', 'start RViz with the jgr_ros view (a warning where rviz2 is missing)'),
    ('namespace', '', 'namespace of the started nodes'),
    ('lifecycle', 'false', 'start the managed (lifecycle) hand-pose node'),
    ('autostart', 'true', 'lifecycle:=true only: configure and activate it at once'),
)
TRUE_WORDS = ('true', '1', 'yes', 'on')


def launch_nodes(context: LaunchContext) -> list[Action]:
    """Build the nodes and RViz once the arguments are known (remappings depend on them)."""
    def argument(name: str) -> str:
        return LaunchConfiguration(name).perform(context)

    camera = argument('camera')
    if camera not in CAMERA_PRESETS:
        raise ValueError(f'unknown camera {camera!r}; choose one of {", ".join(CAMERA_PRESETS)}')
    preset_depth, preset_info, frame_id = CAMERA_PRESETS[camera]
    remappings = {'depth/image_raw': argument('depth_topic') or preset_depth,
                  'depth/camera_info': argument('camera_info_topic') or preset_info}
    overrides = {name: argument(name) for name in ('model', 'device') if argument(name)}
    params_file, namespace = argument('params_file'), argument('namespace')
    node_options = {
        'package': 'jgr_ros', 'name': 'hand_pose_node', 'namespace': namespace,
        'additional_env': {'OMP_WAIT_POLICY': 'PASSIVE'},  # see docs/performance.md
        'parameters': [params_file, overrides], 'output': 'screen',
        'remappings': list(remappings.items()), 'on_exit': stop_launch}
    if argument('lifecycle').lower() in TRUE_WORDS:
        actions = managed_node(LifecycleNode(executable='managed_hand_pose_node', **node_options),
                               argument('autostart').lower() in TRUE_WORDS)
    else:
        actions = [Node(executable='hand_pose_node', **node_options)]
    if camera == 'synthetic':
        actions.append(Node(package='jgr_ros', executable='synthetic_camera_node',
                            name='synthetic_camera_node', namespace=namespace,
                            additional_env=large_frames_env(), parameters=[params_file],
                            output='screen', on_exit=stop_launch))
    if argument('rviz').lower() in TRUE_WORDS:
        actions.append(rviz(namespace, frame_id, remappings))
    return actions


def managed_node(node: LifecycleNode, autostart: bool) -> list[Action]:
    """Return the lifecycle node and, with ``autostart``, its configure and activate steps."""
    if not autostart:
        return [node]
    activate = EmitEvent(event=ChangeState(lifecycle_node_matcher=matches_action(node),
                                           transition_id=Transition.TRANSITION_ACTIVATE))
    configure = EmitEvent(event=ChangeState(lifecycle_node_matcher=matches_action(node),
                                            transition_id=Transition.TRANSITION_CONFIGURE))
    return [RegisterEventHandler(OnStateTransition(target_lifecycle_node=node,
                                                   goal_state='inactive', entities=[activate],
                                                   handle_once=True)),
            node, configure]


def rviz(namespace: str, frame_id: str, remappings: dict[str, str]) -> Action:
    """Return RViz with the jgr_ros view, or a warning where rviz2 is not installed."""
    try:
        get_package_share_directory('rviz2')
    except PackageNotFoundError:
        return LogInfo(msg='WARNING: rviz:=true but rviz2 is not installed; running without '
                       'RViz (install ros-$ROS_DISTRO-rviz2 to see the skeletons)')
    return Node(package='rviz2', executable='rviz2', name='rviz2', namespace=namespace,
                arguments=['-d', PathJoinSubstitution([FindPackageShare('jgr_ros'), 'config',
                                                       'jgr_ros.rviz']), '-f', frame_id],
                remappings=[(f'/{topic}', remappings.get(topic, topic)) for topic in RVIZ_TOPICS])


_STOPPING = '_jgr_ros_stopping'   # launch configuration set once a node's exit stopped the launch


def stop_launch(event: ProcessExited, context: LaunchContext) -> list[Action]:
    """
    on_exit of every node: the launch ends with it, and fails when the node failed.

    A node that exits with a non-zero status outside a shutdown (it could not start: its FATAL
    line says why) raises, which makes ``ros2 launch`` stop everything and exit with 1.
    """
    # Already stopping: a second Shutdown would fail in launch_ros. Nodes stopped by a SIGINT
    # to the process group exit together, before the first Shutdown is processed: remember it.
    if context.is_shutdown or context.launch_configurations.get(_STOPPING) == 'true':
        return []
    if event.returncode != 0:
        raise RuntimeError(f'{event.process_name} exited with status {event.returncode}; its '
                           'messages above say why')
    context.launch_configurations[_STOPPING] = 'true'
    return [Shutdown(reason=f'{event.process_name} exited')]


def large_frames_env() -> dict[str, str]:
    """
    Environment for a process that publishes depth frames: the Fast DDS large-frame profile.

    Best-effort frames larger than Fast DDS's 512 KB shared-memory segment are mostly lost
    between processes (config/fastdds_large_frames.xml). A profile the user set is kept.
    """
    if 'FASTDDS_DEFAULT_PROFILES_FILE' in os.environ:
        return {}
    profile = os.path.join(get_package_share_directory('jgr_ros'), 'config',
                           'fastdds_large_frames.xml')
    return {'FASTDDS_DEFAULT_PROFILES_FILE': profile}


def generate_launch_description() -> LaunchDescription:
    """Declare the arguments; the nodes follow once they are known."""
    return LaunchDescription([
        *(DeclareLaunchArgument(name, default_value=default, description=description)
          for name, default, description in ARGUMENTS),
        OpaqueFunction(function=launch_nodes),
    ])
