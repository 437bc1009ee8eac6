# Copyright 2026 jgr_ros contributors. MIT License.
"""
JGR-P2O and the detector in int8: what is quantised, where it is cached, how far results move.

The shipped pose model on crops at the true centre of 40 hands of today's test set; the shipped
detector on the golden frames. The accuracy of whole protocols in int8 (live, true centre, real
frames, detection) is measured by the evaluation tools (docs/performance.md), not here.
"""
from dataclasses import replace

from jgr_ros.detector import HandDetector
from jgr_ros.detector_net import decode_centers, detector_input
from jgr_ros.errors import InputError
from jgr_ros.networks import CenterRefiner, HandVerifier, PoseModel
from jgr_ros.onnx_cache import CACHE_DIR_ENV, int8_onnx_bytes
from jgr_ros.quantization import (
    CALIBRATION_FRAMES,
    CALIBRATION_SEEDS,
    DETECTOR_CALIBRATION_SEEDS,
    RECIPES,
)
from jgr_ros.runtime import resolve_int8
from jgr_ros.training.detection_eval import SETS as DETECTION_SETS
from jgr_ros.training.golden_outputs import golden_inputs
from jgr_ros.training.synthetic_eval import TEST_SETS
import numpy as np
import onnx
import pytest

pytest.importorskip('onnxruntime')
pytestmark = pytest.mark.filterwarnings('ignore::DeprecationWarning')   # legacy ONNX export

TRAINING_SEEDS_START = 1_000_000   # jgr_ros.training.synthetic_eval: training seeds start here
DETECTOR_TRAINING_SEEDS_START = 5_000_000   # jgr_ros.training.detection_eval's docstring


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


def test_int8_detector_peaks_stay_where_fp32_has_them():
    """
    On the first frames of the two-hand set (not a training frame).

    Measured on 40 frames (65 peaks): 54 within 0.3 px, 10 a cell over (5-9 px: two cells'
    heat nearly equal), 1 two cells; scores within 0.033.
    """
    int8_detector, fp32_detector = (HandDetector(None, 'cpu', precision=precision)
                                    for precision in ('auto', 'fp32'))
    assert int8_detector.int8 and not fp32_detector.int8
    distances_px = []
    for frame in DETECTION_SETS['two_hands'](10):
        outputs = [detector.infer(detector_input(frame.depth_mm)[None])[0]
                   for detector in (int8_detector, fp32_detector)]
        assert 0.0 < np.abs(outputs[0] - outputs[1]).max()   # it is another network
        int8_peaks = decode_centers(outputs[0], frame.depth_mm.shape, 4, 0.3)
        for u, v, _, score in decode_centers(outputs[1], frame.depth_mm.shape, 2, 0.4):
            to_int8_px = np.hypot(int8_peaks[:, 0] - u, int8_peaks[:, 1] - v)
            nearest = int(np.argmin(to_int8_px))
            assert abs(int8_peaks[nearest, 3] - score) < 0.05
            distances_px.append(to_int8_px[nearest])
    assert len(distances_px) >= 10
    assert np.median(distances_px) < 1.0 and max(distances_px) < 24.0   # 3 cells: 8 px each


def _convolutions_in_fp32(onnx_bytes: bytes) -> tuple[list[str], int]:
    """Return the names of the convolutions without int8 weights, and how many there are."""
    graph = onnx.load_from_string(onnx_bytes).graph
    dequantized = {node.output[0] for node in graph.node if node.op_type == 'DequantizeLinear'}
    convolutions = [node for node in graph.node if node.op_type == 'Conv']
    return [node.name for node in convolutions if node.input[1] not in dequantized], \
        len(convolutions)


@pytest.mark.parametrize('network, fp32_count, count, calibration_shape', [
    (lambda: PoseModel(None, 'cpu', precision='fp32'), 11, 84, (CALIBRATION_FRAMES, 96, 96)),
    (lambda: HandDetector(None, 'cpu', precision='fp32'), 2, 16,
     (len(DETECTOR_CALIBRATION_SEEDS), 120, 160)),
])
def test_an_int8_network_is_made_once_and_keeps_its_fine_layers_fp32(
        tmp_path, monkeypatch, network, fp32_count, count, calibration_shape):
    monkeypatch.setenv(CACHE_DIR_ENV, str(tmp_path))
    loaded = network()
    recipe = RECIPES[loaded.info.kind]
    calibrations = []

    def calibration(info) -> np.ndarray:
        calibrations.append(recipe.calibration_inputs(info))
        return calibrations[-1]
    monkeypatch.setitem(RECIPES, loaded.info.kind, replace(recipe, calibration_inputs=calibration))
    first = int8_onnx_bytes(loaded.model, loaded.path, loaded.info)
    assert int8_onnx_bytes(loaded.model, loaded.path, loaded.info) == first
    assert len(calibrations) == 1 and calibrations[0].shape == calibration_shape
    assert [path.name.endswith('.int8.onnx') for path in tmp_path.iterdir()].count(True) == 1
    fp32_names, convolutions = _convolutions_in_fp32(first)
    assert len(fp32_names) == fp32_count and convolutions == count
    assert all(set(name.split('/')) & set(recipe.fp32_modules) for name in fp32_names)


def test_calibration_uses_training_seeds_never_a_test_frame():
    test_seeds = set().union(*(test_set.seeds for test_set in TEST_SETS.values()))
    assert min(CALIBRATION_SEEDS) >= TRAINING_SEEDS_START
    assert test_seeds.isdisjoint(CALIBRATION_SEEDS)
    assert min(DETECTOR_CALIBRATION_SEEDS) >= DETECTOR_TRAINING_SEEDS_START
    assert test_seeds.isdisjoint(DETECTOR_CALIBRATION_SEEDS)


def test_only_the_pose_network_and_the_detector_run_int8():
    refiner = CenterRefiner(None, 'cpu', 'onnxruntime')
    verifier = HandVerifier(None, 'cpu', 'onnxruntime')
    assert refiner.backend == verifier.backend == 'onnxruntime'
    assert not refiner.int8 and not verifier.int8
