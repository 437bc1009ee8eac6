# Copyright 2026 jgr_ros contributors. MIT License.
"""
The launch files: structure checked with ``ast`` always, built for real where launch exists.

``launch`` and ``launch_ros`` are not published as Python wheels, so on a machine without a ROS
install only the static checks run; with ROS, the LaunchDescriptions are built and the
camera-dependent part (OpaqueFunction) is executed against a launch context.
"""
import ast
import importlib.util
import pathlib

import pytest

PACKAGE_ROOT = pathlib.Path(__file__).resolve().parents[1]
LAUNCH_DIR = PACKAGE_ROOT / 'launch'
ROS_DOCS = PACKAGE_ROOT.parents[1] / 'shared' / 'docs' / 'ROS.md'

# Default topics of the drivers (realsense-ros 4.x, Azure Kinect ROS driver, kinect2_bridge)
# as documented by the drivers and in ROS.md, and our synthetic camera.
DRIVER_TOPICS = {
    'realsense': ('/camera/camera/depth/image_rect_raw', '/camera/camera/depth/camera_info'),
    'azure_kinect': ('depth/image_raw', 'depth/camera_info'),
    'kinect_v2': ('/kinect2/sd/image_depth_rect', '/kinect2/sd/camera_info'),
    'synthetic': ('depth/image_raw', 'depth/camera_info'),
}
HAND_POSE_ARGUMENTS = {'camera', 'depth_topic', 'camera_info_topic', 'params_file', 'model',
                       'device', 'rviz', 'namespace', 'lifecycle', 'autostart'}
DEMO_ARGUMENTS = {'camera', 'rviz', 'model', 'device', 'namespace'}


def parse(name: str) -> ast.Module:
    return ast.parse((LAUNCH_DIR / name).read_text(), filename=name)


def literal(module: ast.Module, name: str):
    """Return the value of the module-level assignment ``name = <literal>``."""
    for node in module.body:
        if isinstance(node, ast.Assign) and any(
                isinstance(target, ast.Name) and target.id == name for target in node.targets):
            return ast.literal_eval(node.value)
    raise AssertionError(f'no module-level literal {name}')


def declared_arguments(module: ast.Module, table: str) -> set[str]:
    """Names in the (name, default, description) table; defaults may be expressions."""
    for node in module.body:
        if isinstance(node, ast.Assign) and node.targets[0].id == table:
            return {ast.literal_eval(row.elts[0]) for row in node.value.elts}
    raise AssertionError(f'no argument table {table}')


def load_launch_module(name: str):
    spec = importlib.util.spec_from_file_location(name.replace('.', '_'), LAUNCH_DIR / name)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize('name', ['hand_pose.launch.py', 'demo.launch.py'])
def test_launch_file_defines_generate_launch_description(name):
    functions = {node.name for node in parse(name).body if isinstance(node, ast.FunctionDef)}
    assert 'generate_launch_description' in functions


def test_hand_pose_launch_declares_the_required_arguments():
    assert declared_arguments(parse('hand_pose.launch.py'), 'ARGUMENTS') == HAND_POSE_ARGUMENTS


def test_demo_launch_forwards_its_arguments_with_the_synthetic_camera_by_default():
    module = parse('demo.launch.py')
    assert declared_arguments(module, 'FORWARDED_ARGUMENTS') == DEMO_ARGUMENTS
    defaults = {ast.literal_eval(row.elts[0]): ast.literal_eval(row.elts[1])
                for row in next(node.value.elts for node in module.body
                                if isinstance(node, ast.Assign)
                                and node.targets[0].id == 'FORWARDED_ARGUMENTS')}
    assert defaults['camera'] == 'synthetic'
    assert 'hand_pose.launch.py' in ast.unparse(module)


def test_camera_presets_use_the_drivers_topic_names():
    presets = literal(parse('hand_pose.launch.py'), 'CAMERA_PRESETS')
    assert {camera: topics[:2] for camera, topics in presets.items()} == DRIVER_TOPICS
    assert presets['synthetic'][2] == 'camera_depth_optical_frame'


def test_camera_presets_match_the_ros_notes():
    if not ROS_DOCS.is_file():
        pytest.skip(f'{ROS_DOCS} not found (the project notes live outside the repository)')
    notes = ROS_DOCS.read_text()
    presets = literal(parse('hand_pose.launch.py'), 'CAMERA_PRESETS')
    realsense_depth, realsense_info, realsense_frame = presets['realsense']
    assert realsense_depth in notes and realsense_frame in notes
    assert realsense_info.rsplit('/', 1)[0] + '/' in notes  # "...depth/ + .../camera_info"
    assert f'`{presets["azure_kinect"][0]}` + `{presets["azure_kinect"][1]}`' in notes
    assert presets['azure_kinect'][2] in notes


def test_rviz_topics_are_those_of_the_rviz_config():
    rviz_config = (PACKAGE_ROOT / 'config' / 'jgr_ros.rviz').read_text()
    for topic in literal(parse('hand_pose.launch.py'), 'RVIZ_TOPICS'):
        if topic != 'depth/camera_info':   # DepthCloud derives it from the depth topic
            assert f'/{topic}\n' in rviz_config, topic


def test_the_synthetic_camera_gets_the_shipped_large_frames_profile():
    strings = {node.value for node in ast.walk(parse('hand_pose.launch.py'))
               if isinstance(node, ast.Constant) and isinstance(node.value, str)}
    assert {'FASTDDS_DEFAULT_PROFILES_FILE', 'fastdds_large_frames.xml'} <= strings
    profile = (PACKAGE_ROOT / 'config' / 'fastdds_large_frames.xml').read_text()
    assert '<segment_size>16777216</segment_size>' in profile


def test_launch_descriptions_build_with_ros_launch():
    # Submodules: a bare `launch` would import this package's launch/ folder as a namespace.
    pytest.importorskip('launch.actions', reason='ROS 2 launch is not installed (no ROS 2 '
                                                 'install; it has no Python wheel)')
    pytest.importorskip('launch_ros.actions', reason='launch_ros is not installed (no ROS 2 '
                                                     'install)')
    from launch.actions import DeclareLaunchArgument

    from launch import LaunchContext

    hand_pose = load_launch_module('hand_pose.launch.py')
    description = hand_pose.generate_launch_description()
    declared = {entity.name for entity in description.entities
                if isinstance(entity, DeclareLaunchArgument)}
    assert declared == HAND_POSE_ARGUMENTS
    context = LaunchContext()
    for entity in description.entities:
        if isinstance(entity, DeclareLaunchArgument):
            context.launch_configurations[entity.name] = {
                'camera': 'synthetic', 'params_file': 'hand_pose.yaml'}.get(entity.name, '')
    nodes = hand_pose.launch_nodes(context)
    assert [node.node_executable for node in nodes] == ['hand_pose_node', 'synthetic_camera_node']
    assert load_launch_module('demo.launch.py').generate_launch_description().entities
