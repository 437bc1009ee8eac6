# Copyright 2026 jgr_ros contributors. MIT License.
"""REP-118 depth decoding and encoding, and depth files."""

import array

import cv2
from jgr_ros.depth import (
    count_valid,
    decode_depth,
    encode_depth,
    read_depth_file,
    SUPPORTED_ENCODINGS,
    write_depth_png16,
)
from jgr_ros.errors import InputError
import numpy as np
import pytest

WIDTH, HEIGHT = 7, 5


@pytest.fixture
def depth_mm() -> np.ndarray:
    """Whole millimetres with a few invalid pixels."""
    depth = np.arange(WIDTH * HEIGHT, dtype=np.float32).reshape(HEIGHT, WIDTH) * 37.0 + 300.0
    depth[0, 0] = depth[2, 3] = 0.0
    return depth


def _image_bytes(depth_mm: np.ndarray, dtype: str, scale: float,
                 padding: int) -> tuple[bytes, int]:
    """Build image data by hand: any byte order, ``padding`` bytes after every row."""
    pixels = (depth_mm * scale).astype(dtype)
    rows = pixels.view(np.uint8).reshape(HEIGHT, -1)
    padded = np.pad(rows, ((0, 0), (0, padding)), constant_values=0xAB)
    return padded.tobytes(), padded.shape[1]


@pytest.mark.parametrize('encoding, dtype, scale', [
    ('16UC1', '<u2', 1.0), ('16UC1', '>u2', 1.0), ('mono16', '<u2', 1.0),
    ('32FC1', '<f4', 1e-3), ('32FC1', '>f4', 1e-3)])
@pytest.mark.parametrize('padding', [0, 3, 6])
def test_every_layout_decodes_to_the_same_millimetres(depth_mm, encoding, dtype, scale, padding):
    data, step = _image_bytes(depth_mm, dtype, scale, padding)
    decoded = decode_depth(data, WIDTH, HEIGHT, encoding, step, is_bigendian=dtype[0] == '>')
    assert decoded.dtype == np.float32 and decoded.shape == (HEIGHT, WIDTH)
    np.testing.assert_allclose(decoded, depth_mm, rtol=1e-6)


@pytest.mark.parametrize('encoding', SUPPORTED_ENCODINGS)
def test_encode_decode_round_trip(depth_mm, encoding):
    fractional_mm = depth_mm + 0.3 * (depth_mm > 0)
    data, step = encode_depth(fractional_mm, encoding)
    decoded = decode_depth(data, WIDTH, HEIGHT, encoding, step, is_bigendian=False)
    tolerance_mm = 0.5 if encoding != '32FC1' else 1e-3
    np.testing.assert_allclose(decoded, fractional_mm, atol=tolerance_mm)
    assert count_valid(decoded) == WIDTH * HEIGHT - 2


def test_32fc1_invalid_values_become_zero():
    metres = np.array([[np.nan, np.inf, -np.inf, -0.5, 0.0, 0.75]], dtype='<f4')
    decoded = decode_depth(metres.tobytes(), 6, 1, '32FC1', 24, is_bigendian=False)
    np.testing.assert_array_equal(decoded, [[0, 0, 0, 0, 0, 750]])


def test_encode_marks_invalid_as_rep118_says(depth_mm):
    depth_mm[1, 1] = np.nan
    depth_mm[1, 2] = 70000.0  # beyond uint16 millimetres
    metres = np.frombuffer(encode_depth(depth_mm, '32FC1')[0], '<f4').reshape(HEIGHT, WIDTH)
    assert np.isnan(metres[0, 0]) and np.isnan(metres[1, 1]) and metres[1, 2] == 70.0
    millimetres = np.frombuffer(encode_depth(depth_mm, '16UC1')[0], '<u2').reshape(HEIGHT, WIDTH)
    assert millimetres[0, 0] == millimetres[1, 1] == millimetres[1, 2] == 0


@pytest.mark.parametrize('wrap', [bytes, bytearray, memoryview, lambda b: array.array('B', b),
                                  lambda b: np.frombuffer(b, np.uint16)])
def test_accepts_every_buffer_type(depth_mm, wrap):
    data, step = encode_depth(depth_mm, '16UC1')
    decoded = decode_depth(wrap(data), WIDTH, HEIGHT, '16UC1', step, is_bigendian=False)
    np.testing.assert_array_equal(decoded, depth_mm)


@pytest.mark.parametrize('width, height, encoding, step, size, message', [
    (0, 5, '16UC1', 0, 10, 'zero size'),
    (7, 0, '16UC1', 14, 10, 'zero size'),
    (7, 5, 'rgb8', 21, 105, "unsupported depth encoding 'rgb8'"),
    (7, 5, '16UC1', 13, 70, 'step 13 is smaller'),
    (7, 5, '16UC1', 14, 69, 'truncated: 69 bytes'),
    (7, 5, '32FC1', 28, 28 * 4, 'truncated'),
])
def test_malformed_images_raise(width, height, encoding, step, size, message):
    with pytest.raises(InputError, match=message):
        decode_depth(bytes(size), width, height, encoding, step, is_bigendian=False)


def test_non_buffer_data_raises():
    with pytest.raises(InputError, match='byte buffer'):
        decode_depth([1, 2, 3, 4], 2, 1, '16UC1', 4, is_bigendian=False)


@pytest.mark.parametrize('bad', [np.zeros((0, 4)), np.zeros(5), np.zeros((2, 2, 2))])
def test_encode_rejects_non_images(bad):
    with pytest.raises(InputError, match='non-empty 2-D'):
        encode_depth(bad, '16UC1')


def test_png16_and_npy_files_round_trip(tmp_path, depth_mm):
    write_depth_png16(tmp_path / 'depth.png', depth_mm)
    np.testing.assert_array_equal(read_depth_file(tmp_path / 'depth.png'), depth_mm)
    depth_mm[0, 1] = np.nan
    np.save(tmp_path / 'depth.npy', depth_mm)
    loaded = read_depth_file(tmp_path / 'depth.npy', 'npy')
    assert loaded.dtype == np.float32 and loaded[0, 1] == 0.0


def test_nyu_png_packs_millimetres_in_green_and_blue(tmp_path, depth_mm):
    whole_mm = depth_mm.astype(np.uint16)
    bgr = np.stack([whole_mm & 0xFF, whole_mm >> 8, np.full_like(whole_mm, 99)], axis=-1)
    cv2.imwrite(str(tmp_path / 'nyu.png'), bgr.astype(np.uint8))
    np.testing.assert_array_equal(read_depth_file(tmp_path / 'nyu.png', 'nyu'), depth_mm)


def test_unreadable_files_raise(tmp_path):
    (tmp_path / 'notes.png').write_text('not an image')
    cv2.imwrite(str(tmp_path / 'gray8.png'), np.zeros((4, 4), np.uint8))
    with pytest.raises(InputError, match='cannot read'):
        read_depth_file(tmp_path / 'missing.png')
    with pytest.raises(InputError, match='cannot read'):
        read_depth_file(tmp_path / 'notes.png')
    with pytest.raises(InputError, match='not a single-channel 16-bit'):
        read_depth_file(tmp_path / 'gray8.png')
    with pytest.raises(InputError, match='8-bit colour'):
        read_depth_file(tmp_path / 'gray8.png', 'nyu')
    with pytest.raises(InputError, match='cannot read depth array'):
        read_depth_file(tmp_path / 'notes.png', 'npy')
    with pytest.raises(InputError, match="unknown depth file format 'jpg'"):
        read_depth_file(tmp_path / 'gray8.png', 'jpg')


@pytest.mark.data
def test_real_frames_decode_to_plausible_millimetres(nyu_frame, hands2017_frame):
    nyu_mm = nyu_frame.depth_mm
    assert nyu_mm.shape == (480, 640)
    assert 700 < nyu_mm.min() < 760 and abs(np.median(nyu_mm) - 2001) < 2  # hand; background
    hands_mm = hands2017_frame.depth_mm
    assert count_valid(hands_mm) < hands_mm.size and 550 < hands_mm[hands_mm > 0].min() < 570
