# Copyright 2026 jgr_ros contributors. MIT License.
"""
JGR-P2O with int8 convolutions for ONNX Runtime on the CPU: 26-40 % less time a crop.

The backbone's convolutions (stem, hourglasses, heat-map and weight heads) run in int8 (ONNX
QDQ format: weights per channel, activations calibrated by their min / max on rendered hand
crops); the convolutions in :data:`FP32_MODULES` stay fp32. Quantising those too is faster again
but moves the joints about 8 mm: the first convolution sees raw depth, and the joint graph
reasoning, fusion and offset head carry the fine offsets that make the joints' millimetres
(docs/performance.md has the measurements).

The quantised network is made from the model file's ONNX export the first time it is asked for
and cached beside it (:mod:`jgr_ros.onnx_cache`); calibration renders hands from training seeds
of both synthetic worlds the network learns from (wide and narrow, half each, as its training
frames), never a test frame, so the result is the same on every machine with the same ONNX
Runtime. Calibrated on the wide world alone, joints moved 0.78 / 1.14 mm from fp32's on 60
crops of today's / the hard set, on both 0.67 / 1.08 mm (eighteenth session).
"""
import pathlib
import tempfile

from jgr_ros.crop import crop_hand
from jgr_ros.export import INPUT_NAME
from jgr_ros.model_file import ModelInfo
from jgr_ros.skeletons import convert_joints, get_skeleton
from jgr_ros.synthetic.cameras import get_camera_preset
from jgr_ros.synthetic.generator import SyntheticHandGenerator
from jgr_ros.synthetic.scene import SyntheticConfig
import numpy as np

# Modules (ONNX node-name components of the export) whose convolutions stay fp32.
FP32_MODULES = ('stem.0', 'graph_reasoning', 'fuse', 'to_offsets')
# Calibration: hands from the first training seeds of each world, cycling these cameras.
CALIBRATION_WORLDS = (SyntheticConfig(), SyntheticConfig.narrow())
CALIBRATION_SEEDS = range(1_000_000, 1_000_032)   # in each world
CALIBRATION_FRAMES = len(CALIBRATION_WORLDS) * len(CALIBRATION_SEEDS)
CALIBRATION_CAMERAS = ('realsense_d435_640x480', 'kinect_v2', 'azure_kinect_nfov_unbinned')
# Changes whenever the recipe above changes, so cached files of an older recipe are not used.
RECIPE = 'int8 v2'


def calibration_crops(info: ModelInfo) -> np.ndarray:
    """
    Return (CALIBRATION_FRAMES, S, S) crops of rendered hands at their true centres.

    Cropped as the pose network of ``info`` expects (its skeleton, cube and input size).
    """
    skeleton = get_skeleton(info.skeleton)
    crops = []
    for world in CALIBRATION_WORLDS:
        generators = [SyntheticHandGenerator(get_camera_preset(name), world)
                      for name in CALIBRATION_CAMERAS]
        for seed in CALIBRATION_SEEDS:
            frame = generators[seed % len(generators)].frame(seed)
            joints_mm = convert_joints(frame.joints_mm, 'mano21', skeleton.name)
            crops.append(crop_hand(frame.depth_mm, frame.camera, skeleton.hand_center(joints_mm),
                                   (info.cube_mm,) * 3, size=info.input_size).image)
    return np.stack(crops).astype(np.float32)


def fp32_convolutions(onnx_path: pathlib.Path) -> list[str]:
    """Return the names of the convolutions of the export at ``onnx_path`` kept in fp32."""
    import onnx
    graph = onnx.load(str(onnx_path)).graph
    return [node.name for node in graph.node
            if node.op_type == 'Conv' and set(node.name.split('/')) & set(FP32_MODULES)]


def quantize_int8(fp32_onnx: bytes, crops: np.ndarray) -> bytes:
    """Return the ONNX file ``fp32_onnx`` with int8 convolutions, calibrated on (B, S, S) crops."""
    from onnxruntime import quantization

    class Crops(quantization.CalibrationDataReader):
        def __init__(self):
            self._inputs = iter({INPUT_NAME: crop[None, None]} for crop in crops)

        def get_next(self):
            return next(self._inputs, None)

    with tempfile.TemporaryDirectory(prefix='jgr_ros_int8_') as folder:
        source, prepared, quantized = (pathlib.Path(folder) / name for name in
                                       ('fp32.onnx', 'prepared.onnx', 'int8.onnx'))
        source.write_bytes(fp32_onnx)
        # Shape inference and graph clean-up first, as ONNX Runtime recommends; its symbolic
        # shape pass is skipped ("Incomplete symbolic shape inference" on this export).
        quantization.shape_inference.quant_pre_process(str(source), str(prepared),
                                                       skip_symbolic_shape=True)
        quantization.quantize_static(
            str(prepared), str(quantized), Crops(), quant_format=quantization.QuantFormat.QDQ,
            activation_type=quantization.QuantType.QUInt8,
            weight_type=quantization.QuantType.QInt8, per_channel=True,
            op_types_to_quantize=['Conv'], nodes_to_exclude=fp32_convolutions(prepared))
        return quantized.read_bytes()
