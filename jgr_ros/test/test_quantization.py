# Copyright 2026 jgr_ros contributors. MIT License.
"""
JGR-P2O with int8 convolutions: what is quantised, where it is cached, how far it moves joints.

The shipped model on crops at the true centre of 40 hands of today's test set. The accuracy of
whole protocols in int8 (live, true centre, real frames) is measured by the evaluation tools
(docs/performance.md), not here.
"""
from jgr_ros.errors import InputError
from jgr_ros.networks import CenterRefiner, PoseModel
from jgr_ros.onnx_cache import CACHE_DIR_ENV, int8_onnx_bytes
from jgr_ros.quantization import (
    calibration_crops,
    CALIBRATION_FRAMES,
    CALIBRATION_SEEDS,
    FP32_MODULES,
)
from jgr_ros.runtime import resolve_int8
from jgr_ros.training.golden_outputs import golden_inputs
from jgr_ros.training.synthetic_eval import TEST_SETS
import numpy as np
import onnx
import pytest

pytest.importorskip('onnxruntime')
pytestmark = pytest.mark.filterwarnings('ignore::DeprecationWarning')   # legacy ONNX export

TRAINING_SEEDS_START = 1_000_000   # jgr_ros.training.synthetic_eval: training seeds start here


def joint_differences_mm(uvz: np.ndarray, reference_uvz: np.ndarray, cube_mm: float):
    """(B, J) distances of normalised joints, mm (u, v span the cube's side, z half of it)."""
    scale_mm = np.array([cube_mm, cube_mm, cube_mm / 2.0])
    return np.linalg.norm((uvz - reference_uvz) * scale_mm, axis=-1)


@pytest.fixture(scope='module')
def fp32_model():
    return PoseModel(None, 'cpu', backend='onnxruntime', precision='fp32')


def test_auto_means_int8_on_onnxruntime_and_fp32_elsewhere():
    assert resolve_int8('auto', 'onnxruntime') and resolve_int8('int8', 'onnxruntime')
    assert not resolve_int8('fp32', 'onnxruntime')
    assert not any(resolve_int8('auto', backend)
                   for backend in ('eager', 'torchscript', 'cuda_graph'))
    with pytest.raises(InputError, match='onnxruntime backend only'):
        resolve_int8('int8', 'torchscript')
    with pytest.raises(InputError, match='unknown precision'):
        resolve_int8('int4', 'onnxruntime')


def test_int8_joints_stay_within_one_and_a_half_millimetres_of_fp32(fp32_model):
    """Measured: 0.67 mm mean, JGR-P2O version 15; a broken quantisation moves centimetres."""
    int8_model = PoseModel(None, 'cpu')
    assert int8_model.int8 and not fp32_model.int8
    crops, _ = golden_inputs(fp32_model, CenterRefiner(None, 'cpu'), 40)
    differences_mm = joint_differences_mm(int8_model.predict_crops(crops),
                                          fp32_model.predict_crops(crops), fp32_model.cube_mm)
    assert 0.0 < differences_mm.mean() < 1.5, differences_mm.mean()


def test_the_int8_network_is_made_once_and_keeps_the_fine_layers_fp32(tmp_path, monkeypatch,
                                                                      fp32_model):
    monkeypatch.setenv(CACHE_DIR_ENV, str(tmp_path))
    calibrations = []

    def calibration() -> np.ndarray:
        calibrations.append(calibration_crops(fp32_model.info))
        return calibrations[-1]
    first = int8_onnx_bytes(fp32_model.model, fp32_model.path, calibration)
    assert int8_onnx_bytes(fp32_model.model, fp32_model.path, calibration) == first
    assert len(calibrations) == 1 and calibrations[0].shape == (CALIBRATION_FRAMES, 96, 96)
    assert [path.name.endswith('.int8.onnx') for path in tmp_path.iterdir()].count(True) == 1
    graph = onnx.load_from_string(first).graph
    dequantized = {node.output[0] for node in graph.node if node.op_type == 'DequantizeLinear'}
    convolutions = [node for node in graph.node if node.op_type == 'Conv']
    fp32_names = [node.name for node in convolutions if node.input[1] not in dequantized]
    assert len(fp32_names) == 11 and len(convolutions) == 84
    assert all(set(name.split('/')) & set(FP32_MODULES) for name in fp32_names)


def test_calibration_uses_training_seeds_never_a_test_frame():
    test_seeds = set().union(*(test_set.seeds for test_set in TEST_SETS.values()))
    assert min(CALIBRATION_SEEDS) >= TRAINING_SEEDS_START
    assert test_seeds.isdisjoint(CALIBRATION_SEEDS)


def test_only_the_pose_network_runs_int8():
    refiner = CenterRefiner(None, 'cpu', 'onnxruntime')
    assert refiner.backend == 'onnxruntime' and not refiner.int8
