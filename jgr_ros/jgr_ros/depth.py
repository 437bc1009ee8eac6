# Copyright 2026 jgr_ros contributors. MIT License.
"""
Depth images in and out (REP-118), always as float32 millimetres with 0.0 = invalid.

ROS depth images come as ``16UC1``/``mono16`` (millimetres, 0 = invalid) or ``32FC1`` (metres,
NaN/Inf/<= 0 = invalid), with any row ``step`` (padding) and either byte order.
"""

import os

import cv2
from jgr_ros.camera import CameraModel
from jgr_ros.errors import InputError
from jgr_ros.units import MM_PER_M
import numpy as np

_UINT16_MAX = np.iinfo(np.uint16).max
# Pixel type (little-endian) and depth unit in millimetres of each encoding.
_PIXEL_DTYPE = {'16UC1': np.dtype('<u2'), 'mono16': np.dtype('<u2'), '32FC1': np.dtype('<f4')}
_MM_PER_UNIT = {'16UC1': 1.0, 'mono16': 1.0, '32FC1': MM_PER_M}
SUPPORTED_ENCODINGS = tuple(_PIXEL_DTYPE)
DEPTH_FILE_FORMATS = ('png16', 'nyu', 'npy')

Buffer = bytes | bytearray | memoryview | np.ndarray
PathLike = str | os.PathLike


def decode_depth(data: Buffer, width: int, height: int, encoding: str, step: int,
                 is_bigendian: bool) -> np.ndarray:
    """Decode sensor_msgs/Image fields to (height, width) float32 millimetres, 0 = invalid."""
    pixel_dtype = _pixel_dtype(encoding)
    if width <= 0 or height <= 0:
        raise InputError(f'depth image has zero size ({width}x{height})')
    row_bytes = width * pixel_dtype.itemsize
    if step < row_bytes:
        raise InputError(f'step {step} is smaller than width * bytes per pixel = {row_bytes} '
                         f'for a {width}-pixel-wide {encoding} image')
    buffer = _as_byte_array(data)
    if buffer.size < step * height:
        raise InputError(f'depth data truncated: {buffer.size} bytes < step * height = '
                         f'{step} * {height} = {step * height}')
    rows = buffer[:step * height].reshape(height, step)[:, :row_bytes]
    byte_order = '>' if is_bigendian else '<'
    pixels = rows.view(pixel_dtype.newbyteorder(byte_order))
    if pixels.dtype.kind == 'u':   # whole millimetres: 0 is invalid, nothing else can be
        return pixels.astype(np.float32)
    return _zero_invalid(pixels.astype(np.float32) * np.float32(_MM_PER_UNIT[encoding]))


def encode_depth(depth_mm: np.ndarray, encoding: str) -> tuple[bytes, int]:
    """
    Encode (H, W) millimetres (<= 0 or non-finite = invalid) as little-endian image data.

    Returns ``(data, step)``: ``16UC1``/``mono16`` rounds to whole millimetres with 0 for invalid
    (and for depths beyond 65535 mm); ``32FC1`` stores metres with NaN for invalid.
    """
    pixel_dtype = _pixel_dtype(encoding)
    depth_mm = check_depth_image(depth_mm)
    valid = valid_mask(depth_mm)
    if encoding == '32FC1':
        pixels = np.where(valid, depth_mm / MM_PER_M, np.nan)
    else:
        pixels = np.where(valid & (depth_mm <= _UINT16_MAX), np.rint(depth_mm), 0.0)
    pixels = np.ascontiguousarray(pixels, dtype=pixel_dtype)
    return pixels.tobytes(), pixels.strides[0]


def read_depth_file(path: PathLike, depth_format: str = 'png16') -> np.ndarray:
    """
    Read a depth image file as (H, W) float32 millimetres, 0 = invalid.

    Formats: ``'png16'`` (single-channel uint16 millimetres), ``'nyu'`` (the NYU hand dataset's
    RGB PNG, mm = (G << 8) | B) and ``'npy'`` (a 2-D array of millimetres).
    """
    if depth_format not in DEPTH_FILE_FORMATS:
        raise InputError(f'unknown depth file format {depth_format!r}; '
                         f'supported: {", ".join(DEPTH_FILE_FORMATS)}')
    if depth_format == 'npy':
        return _read_npy(path)
    image = cv2.imread(os.fspath(path), cv2.IMREAD_UNCHANGED)
    if image is None:
        raise InputError(f'cannot read depth image {path}')
    if depth_format == 'nyu':
        return _decode_nyu(image, path)
    if image.dtype != np.uint16 or image.ndim != 2:
        raise InputError(f'{path} is not a single-channel 16-bit PNG '
                         f'(dtype {image.dtype}, shape {image.shape})')
    return image.astype(np.float32)


def write_depth_png16(path: PathLike, depth_mm: np.ndarray) -> None:
    """Write millimetres as a uint16 PNG (rounded; invalid and > 65535 mm become 0)."""
    data, _ = encode_depth(depth_mm, '16UC1')
    pixels = np.frombuffer(data, dtype='<u2').reshape(np.shape(depth_mm))
    if not cv2.imwrite(os.fspath(path), pixels):
        raise InputError(f'cannot write depth image {path}')


def check_depth_image(depth_mm: np.ndarray, camera: CameraModel | None = None) -> np.ndarray:
    """Return ``depth_mm`` as a float32 2-D array (no copy if it is one), sized for ``camera``."""
    depth_mm = np.asarray(depth_mm, dtype=np.float32)
    if depth_mm.ndim != 2 or depth_mm.size == 0:
        raise InputError(f'depth image must be a non-empty 2-D array, got shape {depth_mm.shape}')
    if camera is not None:
        camera.check_image_size(*depth_mm.shape)
    return depth_mm


def valid_mask(depth_mm: np.ndarray) -> np.ndarray:
    """Boolean mask of valid depths (finite and > 0)."""
    return np.isfinite(depth_mm) & (depth_mm > 0.0)


def count_valid(depth_mm: np.ndarray) -> int:
    """Count the valid pixels (finite and > 0) of a depth image."""
    return int(np.count_nonzero(valid_mask(depth_mm)))


def _zero_invalid(depth_mm: np.ndarray) -> np.ndarray:
    depth_mm[~valid_mask(depth_mm)] = 0.0
    return depth_mm


def _pixel_dtype(encoding: str) -> np.dtype:
    if encoding not in _PIXEL_DTYPE:
        raise InputError(f'unsupported depth encoding {encoding!r}; supported: '
                         f'{", ".join(SUPPORTED_ENCODINGS)}')
    return _PIXEL_DTYPE[encoding]


def _as_byte_array(data: Buffer) -> np.ndarray:
    if isinstance(data, np.ndarray):
        return np.ascontiguousarray(data).reshape(-1).view(np.uint8)
    try:
        return np.frombuffer(data, dtype=np.uint8)
    except TypeError as error:
        raise InputError(f'depth data must be a byte buffer, got {type(data).__name__}') from error


def _decode_nyu(image: np.ndarray, path: PathLike) -> np.ndarray:
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] < 3:
        raise InputError(f'{path} is not an 8-bit colour PNG as NYU stores depth '
                         f'(dtype {image.dtype}, shape {image.shape})')
    blue, green = image[..., 0].astype(np.uint16), image[..., 1].astype(np.uint16)
    return ((green << 8) | blue).astype(np.float32)


def _read_npy(path: PathLike) -> np.ndarray:
    try:
        depth_mm = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as error:
        raise InputError(f'cannot read depth array {path}: {error}') from error
    return _zero_invalid(check_depth_image(depth_mm))
