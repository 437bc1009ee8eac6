# Copyright 2026 jgr_ros contributors. MIT License.
"""Shared fixtures: the reference data in ../shared/data and its real depth frames."""

from dataclasses import dataclass
import pathlib

from jgr_ros.camera import CameraModel
from jgr_ros.depth import read_depth_file
from jgr_ros.onnx_cache import CACHE_DIR_ENV
from jgr_ros.training.metrics import DATASET_CAMERAS
import numpy as np
import pytest

SHARED_DATA = pathlib.Path(__file__).resolve().parents[2] / '..' / 'shared' / 'data'


@dataclass(frozen=True)
class DepthFrame:
    """A real depth frame with its camera and, where labelled, its joints (J, 3) u, v, d_mm."""

    depth_mm: np.ndarray
    camera: CameraModel
    joints_uvd: np.ndarray | None = None


@pytest.fixture(scope='session', autouse=True)
def onnx_cache(tmp_path_factory):
    """Cache the ONNX exports of this session's models in a temporary folder, not ~/.cache."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(CACHE_DIR_ENV, str(tmp_path_factory.mktemp('onnx_cache')))
        yield


@pytest.fixture(scope='session')
def shared_data() -> pathlib.Path:
    """Return the reference data directory, or skip when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f'reference data not found at {SHARED_DATA.resolve()} (../shared/data from '
                    'the repository root)')
    return SHARED_DATA.resolve()


def _existing(path: pathlib.Path) -> pathlib.Path:
    if not path.is_file():
        pytest.skip(f'reference file missing: {path}')
    return path


@pytest.fixture(scope='session')
def nyu_frame(shared_data: pathlib.Path) -> DepthFrame:
    """NYU test frame 1 with its 14 ground-truth joints (NYU intrinsics, y up)."""
    depth_mm = read_depth_file(_existing(shared_data / 'frames' / 'nyu_test_depth_1_0000001.png'),
                               'nyu')
    depth_mm.setflags(write=False)
    labels = _existing(shared_data / 'eval' / 'nyu' / 'nyu_test_groundtruth_label.txt')
    joints_uvd = np.loadtxt(labels, max_rows=1).reshape(-1, 3)
    return DepthFrame(depth_mm, DATASET_CAMERAS['nyu'], joints_uvd)


@pytest.fixture(scope='session')
def hands2017_frame(shared_data: pathlib.Path) -> DepthFrame:
    """HANDS2017 (BigHand) frame D00000030: uint16 millimetres, background 0, no label."""
    path = _existing(shared_data / 'frames' / 'hands2017_image_D00000030.png')
    depth_mm = read_depth_file(path, 'png16')
    depth_mm.setflags(write=False)
    return DepthFrame(depth_mm, DATASET_CAMERAS['hands2017'])
