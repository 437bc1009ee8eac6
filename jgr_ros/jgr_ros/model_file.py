# Copyright 2026 jgr_ros contributors. MIT License.
"""
Model files that carry everything needed to run them: weights plus how they were made.

A file is ``torch.save`` of ``{'format': 'jgr_ros.model', 'format_version': 1, 'info': {...},
'state_dict': {...}}``; ``info`` is a :class:`ModelInfo` as plain data (JSON types only), so the
file loads with ``torch.load(weights_only=True)``: no code runs when a model is opened. The
network is rebuilt from ``info`` (kind, skeleton, stacks) and the weights must fit it exactly.
"""
import copy
from dataclasses import asdict, dataclass, field
import json
import os
from pathlib import Path
from typing import Optional, Union

from jgr_ros.center_net import CenterRefineNet
from jgr_ros.detector_net import HandDetectorNet, OUTPUT_STRIDES
from jgr_ros.errors import InputError
from jgr_ros.model import JGRP2O
from jgr_ros.skeletons import get_skeleton
from jgr_ros.verifier_net import HandVerifierNet
import torch
from torch import nn

FORMAT = 'jgr_ros.model'
FORMAT_VERSION = 1
# The detector's input is a 160 x 120 frame (wider frames: wider inputs): its size is the width.
INPUT_SIZES = {'jgr_p2o': JGRP2O.input_size, 'center_refine': CenterRefineNet.input_size,
               'hand_detector': HandDetectorNet.input_size,
               'hand_verifier': HandVerifierNet.input_size}
MODEL_KINDS = tuple(INPUT_SIZES)
# How the crops the shipped models expect are made (see jgr_ros.model.downsample_depth).
DEFAULT_NORMALISATION = {'background': 'far_plane', 'range': [-1, 1],
                         'depth_resize_24': 'bilinear'}

PathLike = Union[str, os.PathLike]


class ModelFileError(InputError):
    """A model file that cannot be used; the message names the file and what is wrong."""


@dataclass
class ModelInfo:
    """
    What a model is and how to feed it; stored next to the weights.

    ``skeleton`` names the joint layout (for 'center_refine': the layout whose centre joints
    define the target centre). ``provenance`` is free-form JSON-able data: training data,
    steps, command, metrics, git commit, date.
    """

    kind: str
    skeleton: str
    num_joints: int
    cube_mm: float
    input_size: int
    num_stacks: int = 2     # JGR-P2O only
    output_stride: int = OUTPUT_STRIDES[0]  # hand detector only: input pixels per output cell
    context: bool = False   # hand detector only: its 1/16 context branch
    normalisation: dict = field(default_factory=lambda: copy.deepcopy(DEFAULT_NORMALISATION))
    provenance: dict = field(default_factory=dict)
    format_version: int = FORMAT_VERSION


def build_model(info: ModelInfo) -> nn.Module:
    """Return a freshly initialised network of the kind and shape ``info`` describes."""
    if info.kind not in MODEL_KINDS:
        raise InputError(f'unknown model kind {info.kind!r}; known: {", ".join(MODEL_KINDS)}')
    if info.input_size != INPUT_SIZES[info.kind]:
        raise InputError(f'a {info.kind} model takes {INPUT_SIZES[info.kind]}x'
                         f'{INPUT_SIZES[info.kind]} crops, info says {info.input_size}')
    try:
        skeleton = get_skeleton(info.skeleton)
    except KeyError as error:
        raise InputError(error.args[0]) from None
    if info.num_joints != skeleton.num_joints:
        raise InputError(f'skeleton {skeleton.name} has {skeleton.num_joints} joints, '
                         f'info says {info.num_joints}')
    if info.kind == 'center_refine':
        return CenterRefineNet()
    if info.kind == 'hand_detector':
        return HandDetectorNet(info.output_stride, info.context)
    if info.kind == 'hand_verifier':
        return HandVerifierNet()
    return JGRP2O(info.num_joints, info.num_stacks, adjacency=skeleton.adjacency())


def save_model(path: PathLike, model: nn.Module, info: ModelInfo, half: bool = False) -> None:
    """
    Write ``model`` and ``info`` to ``path`` (atomically); ``half`` stores fp16 weights.

    Refuses (ModelFileError) a model that the file could not rebuild: one whose weights or
    skeleton graph do not match ``info``, or info that is not plain JSON data.
    """
    path = Path(path)
    info_data = _plain_info(info, path)
    _fit_weights(_build_for_file(info, path), model.state_dict(), info, path)
    _check_graph(model, info, path)
    state = {name: _stored(tensor, half) for name, tensor in model.state_dict().items()}
    payload = {'format': FORMAT, 'format_version': FORMAT_VERSION, 'info': info_data,
               'state_dict': state}
    partial = path.with_name(path.name + '.partial')
    torch.save(payload, partial)
    partial.replace(path)


def load_model(path: PathLike, expected_kind: Optional[str] = None,
               device: Union[str, torch.device] = 'cpu') -> tuple[nn.Module, ModelInfo]:
    """Return (model in eval mode on ``device``, info) from a file :func:`save_model` wrote."""
    path = Path(path)
    payload = _read_payload(path)
    info = _parse_info(payload['info'], path)
    if expected_kind is not None and info.kind != expected_kind:
        raise ModelFileError(f'{path}: holds a {info.kind!r} model, expected {expected_kind!r}')
    model = _build_for_file(info, path)
    _fit_weights(model, payload['state_dict'], info, path)
    return model.to(device).eval(), info


def _build_for_file(info: ModelInfo, path: Path) -> nn.Module:
    """Return build_model(info), turning bad info into a ModelFileError naming path."""
    try:
        return build_model(info)
    except InputError as error:
        raise ModelFileError(f'{path}: {error}') from None


def _read_payload(path: Path) -> dict:
    """Read the file on the CPU: a failing device then shows as such, not as a bad file."""
    if not path.is_file():
        raise ModelFileError(f'{path}: no such model file')
    try:
        payload = torch.load(path, map_location='cpu', weights_only=True)
    except Exception as error:   # foreign bytes make torch.load raise any of many types
        raise ModelFileError(f'{path}: not a jgr_ros model file ({error})') from None
    if not isinstance(payload, dict) or payload.get('format') != FORMAT:
        raise ModelFileError(f'{path}: not a jgr_ros model file (no {FORMAT!r} header)')
    if not all(isinstance(payload.get(key), dict) for key in ('info', 'state_dict')):
        raise ModelFileError(f'{path}: damaged jgr_ros model file (no info or state_dict)')
    if payload.get('format_version') != FORMAT_VERSION:
        raise ModelFileError(f'{path}: unsupported format_version '
                             f'{payload.get("format_version")!r}; this jgr_ros reads '
                             f'{FORMAT_VERSION}')
    return payload


def _parse_info(info_data: dict, path: Path) -> ModelInfo:
    try:
        return ModelInfo(**info_data)
    except TypeError as error:
        raise ModelFileError(f'{path}: malformed model info ({error})') from None


def _plain_info(info: ModelInfo, path: Path) -> dict:
    """Return info as a dict of JSON types (which weights_only loading accepts)."""
    try:
        plain = json.loads(json.dumps(asdict(info)))
    except (TypeError, ValueError) as error:
        raise ModelFileError(f'{path}: model info must be plain JSON data ({error})') from None
    plain['format_version'] = FORMAT_VERSION    # the version of the file it is written to
    return plain


def _fit_weights(model: nn.Module, state_dict: dict, info: ModelInfo, path: Path) -> None:
    """Load ``state_dict`` into ``model`` strictly; a mismatch names path and the info."""
    try:
        model.load_state_dict(state_dict, strict=True)
    except RuntimeError as error:
        raise ModelFileError(
            f'{path}: weights do not fit a {info.kind} model for skeleton {info.skeleton} '
            f'({info.num_joints} joints, num_stacks={info.num_stacks}): {error}') from None


def _check_graph(model: nn.Module, info: ModelInfo, path: Path) -> None:
    """Refuse a JGR-P2O whose graph is not its skeleton's (the file stores only the name)."""
    if info.kind != 'jgr_p2o':
        return
    expected = torch.from_numpy(get_skeleton(info.skeleton).normalized_adjacency())
    if not torch.equal(model.normalized_adjacency.cpu(), expected):
        raise ModelFileError(f"{path}: the model's joint graph is not that of skeleton "
                             f'{info.skeleton}, which is all the file can record')


def _stored(tensor: torch.Tensor, half: bool) -> torch.Tensor:
    stored = tensor.detach().cpu()
    return stored.half() if half and stored.is_floating_point() else stored
