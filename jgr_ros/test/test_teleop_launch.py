# Copyright 2026 jgr_ros contributors. MIT License.
"""teleop.launch.py: checked with ``ast`` always, built for real where ROS 2 launch exists."""
import ast
import importlib.util
import pathlib

import pytest

PACKAGE_ROOT = pathlib.Path(__file__).resolve().parents[1]
LAUNCH_FILE = PACKAGE_ROOT / 'launch' / 'teleop.launch.py'
ARGUMENTS = {'camera', 'params_file', 'model', 'device', 'rviz', 'namespace', 'cmd_vel_topic'}


def argument_names(module: ast.Module, table: str) -> set[str]:
    for node in module.body:
        if isinstance(node, ast.Assign) and node.targets[0].id == table:
            return {ast.literal_eval(row.elts[0]) for row in node.value.elts
                    if isinstance(row, ast.Tuple)}
    raise AssertionError(f'no argument table {table}')


def test_it_forwards_the_camera_to_hand_pose_launch_and_starts_the_teleop_node():
    module = ast.parse(LAUNCH_FILE.read_text())
    forwarded = argument_names(module, 'FORWARDED_ARGUMENTS')
    assert forwarded | {'cmd_vel_topic'} == ARGUMENTS
    source = ast.unparse(module)
    assert 'hand_pose.launch.py' in source and "executable='gesture_teleop_node'" in source
    setup = (PACKAGE_ROOT / 'setup.py').read_text()
    assert "'gesture_teleop_node = jgr_ros.ros.entry_point:gesture_teleop_node'" in setup


def test_the_launch_description_builds_with_ros_launch():
    pytest.importorskip('launch.actions', reason='ROS 2 launch is not installed (no ROS 2 '
                                                 'install; it has no Python wheel)')
    pytest.importorskip('launch_ros.actions', reason='launch_ros is not installed')
    from launch.actions import DeclareLaunchArgument

    spec = importlib.util.spec_from_file_location('teleop_launch', LAUNCH_FILE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    description = module.generate_launch_description()
    declared = {entity.name for entity in description.entities
                if isinstance(entity, DeclareLaunchArgument)}
    assert declared == ARGUMENTS


def test_the_params_file_sets_every_teleop_parameter_to_its_default():
    pytest.importorskip('rclpy', reason='rclpy is not importable: run ./setup.sh')
    yaml = pytest.importorskip('yaml')
    from jgr_ros.ros.gesture_teleop_node import TELEOP_PARAMETERS

    config = yaml.safe_load((PACKAGE_ROOT / 'config' / 'hand_pose.yaml').read_text())
    values = config['gesture_teleop_node']['ros__parameters']
    assert values == {spec.name: spec.default for spec in TELEOP_PARAMETERS}
