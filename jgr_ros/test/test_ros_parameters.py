# Copyright 2026 jgr_ros contributors. MIT License.
"""
Parameter defaults are written once: in the core's dataclasses or the parameter tables.

Run-time parameters take the dataclasses' defaults; config/hand_pose.yaml repeats only the
start-up choices of the tables.
"""
import pathlib

import pytest
import yaml

pytest.importorskip('rclpy', reason='rclpy is not importable: run ./setup.sh and source '
                                    'tools/env.sh')
pytest.importorskip('jgr_msgs.msg', reason='jgr_msgs is not built: run ./setup.sh')
from jgr_ros.errors import InputError  # noqa: E402, I100
from jgr_ros.pipeline import EstimatorConfig  # noqa: E402
from jgr_ros.ros.parameters import HAND_POSE_PARAMETERS, RuntimeSettings  # noqa: E402
from jgr_ros.ros.synthetic_camera_node import SYNTHETIC_CAMERA_PARAMETERS  # noqa: E402

CONFIG = pathlib.Path(__file__).resolve().parents[1] / 'config' / 'hand_pose.yaml'


def yaml_parameters(node: str) -> dict:
    return yaml.safe_load(CONFIG.read_text())[node]['ros__parameters']


@pytest.mark.parametrize('node, specs', [('hand_pose_node', HAND_POSE_PARAMETERS),
                                         ('synthetic_camera_node', SYNTHETIC_CAMERA_PARAMETERS)])
def test_yaml_sets_every_start_up_parameter_to_its_default_with_its_type(node, specs):
    values = yaml_parameters(node)
    assert list(values) == [spec.name for spec in specs if spec.read_only]
    for spec in specs:
        if spec.read_only:
            assert values[spec.name] == spec.default, spec.name
            assert type(values[spec.name]) is type(spec.default), spec.name  # 1 is not 1.0


def test_runtime_parameter_defaults_are_the_pipelines_own():
    defaults = {spec.name: spec.default for spec in HAND_POSE_PARAMETERS}
    assert RuntimeSettings.from_parameters(defaults).estimator == EstimatorConfig()


def test_runtime_settings_map_parameters_onto_the_pipeline():
    values = {spec.name: spec.default for spec in HAND_POSE_PARAMETERS}
    settings = RuntimeSettings.from_parameters({**values, 'max_depth_mm': 900.0,
                                                'tracking': False, 'marker_scale_m': 0.02,
                                                'average_mirrored': True})
    assert settings.estimator.localizer.max_depth_mm == 900.0
    assert settings.estimator.tracking is False and settings.estimator.average_mirrored
    assert settings.markers.bone_width_m == 0.01
    with pytest.raises(InputError, match='min_depth_mm'):
        RuntimeSettings.from_parameters({**values, 'min_depth_mm': 1000.0, 'max_depth_mm': 900.0})
