# Copyright 2026 jgr_ros contributors. MIT License.
"""
JGR-P2O and the hand detector with int8 convolutions for ONNX Runtime on the CPU.

Most convolutions run in int8 (ONNX QDQ format: weights per channel, activations calibrated by
their min / max on rendered training frames); each network's :class:`Int8Recipe` names the
modules whose convolutions stay fp32 and what it is calibrated on:

- JGR-P2O (26-40 % less time a crop): the backbone (stem, hourglasses, heat-map and weight
  heads) in int8; the first convolution, which sees raw depth, and the joint graph reasoning,
  fusion and offset head, which carry the fine offsets that make the joints' millimetres, stay
  fp32 (quantising those too is faster again but moves the joints about 8 mm). Calibrated on
  hand crops at their true centres from both worlds it learns from (wide and narrow, half
  each): on the wide world alone joints moved 0.78 / 1.14 mm from fp32's on 60 crops of today's
  / the hard set, on both 0.67 / 1.08 mm (eighteenth session).
- The hand detector (about half the time a frame): all but its first convolution and its
  output head (the heat map's logits and the sub-cell offsets) in int8, calibrated on whole
  frames of its training world (0, 1 or 2 hands, clutter).

The quantised network is made from the model file's ONNX export the first time it is asked for
and cached beside it (:mod:`jgr_ros.onnx_cache`); calibration renders training seeds, never a
test frame, so the result is the same on every machine with the same ONNX Runtime.
docs/performance.md has the measurements.
"""
from dataclasses import dataclass
import pathlib
import tempfile
from typing import Callable

from jgr_ros.crop import crop_hand
from jgr_ros.detector_net import detector_input
from jgr_ros.export import INPUT_NAME
from jgr_ros.model_file import ModelInfo
from jgr_ros.skeletons import convert_joints, get_skeleton
from jgr_ros.synthetic.cameras import get_camera_preset
from jgr_ros.synthetic.generator import SyntheticHandGenerator
from jgr_ros.synthetic.scene import SyntheticConfig
from jgr_ros.training.detection import detector_world, HandFrames
import numpy as np

# Calibration: the first training seeds, cycling these cameras. JGR-P2O: hands of each world.
CALIBRATION_CAMERAS = ('realsense_d435_640x480', 'kinect_v2', 'azure_kinect_nfov_unbinned')
CALIBRATION_WORLDS = (SyntheticConfig(), SyntheticConfig.narrow())
CALIBRATION_SEEDS = range(1_000_000, 1_000_032)   # in each world
CALIBRATION_FRAMES = len(CALIBRATION_WORLDS) * len(CALIBRATION_SEEDS)
# The hand detector: whole frames of its training world (its training seeds start here).
DETECTOR_CALIBRATION_SEEDS = range(5_000_000, 5_000_064)


@dataclass(frozen=True)
class Int8Recipe:
    """How one kind of network is quantised."""

    name: str                     # part of the cached file's name: change it with the recipe
    fp32_modules: tuple[str, ...]  # ONNX node-name components whose convolutions stay fp32
    calibration_inputs: Callable[[ModelInfo], np.ndarray]   # (N, H, W) inputs of the network


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


def calibration_frames(info: ModelInfo) -> np.ndarray:
    """Return (N, 120, 160) detector inputs of whole rendered frames (``info``: a detector's)."""
    frames = HandFrames(DETECTOR_CALIBRATION_SEEDS, CALIBRATION_CAMERAS, detector_world())
    return np.stack([detector_input(frame.depth_mm) for frame in frames])


RECIPES = {
    'jgr_p2o': Int8Recipe('int8 v2', ('stem.0', 'graph_reasoning', 'fuse', 'to_offsets'),
                          calibration_crops),
    'hand_detector': Int8Recipe('detector int8 v1', ('stem.0', 'head'), calibration_frames),
}


def fp32_convolutions(onnx_path: pathlib.Path, recipe: Int8Recipe) -> list[str]:
    """Return the names of the convolutions of the export at ``onnx_path`` kept in fp32."""
    import onnx
    graph = onnx.load(str(onnx_path)).graph
    return [node.name for node in graph.node
            if node.op_type == 'Conv' and set(node.name.split('/')) & set(recipe.fp32_modules)]


def quantize_int8(fp32_onnx: bytes, recipe: Int8Recipe, inputs: np.ndarray) -> bytes:
    """Return the ONNX file ``fp32_onnx`` in int8 by ``recipe``, calibrated on (N, H, W) inputs."""
    from onnxruntime import quantization

    class Inputs(quantization.CalibrationDataReader):
        def __init__(self):
            self._inputs = iter({INPUT_NAME: image[None, None]} for image in inputs)

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
            str(prepared), str(quantized), Inputs(), quant_format=quantization.QuantFormat.QDQ,
            activation_type=quantization.QuantType.QUInt8,
            weight_type=quantization.QuantType.QInt8, per_channel=True,
            op_types_to_quantize=['Conv'], nodes_to_exclude=fp32_convolutions(prepared, recipe))
        return quantized.read_bytes()
