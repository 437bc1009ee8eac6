# Copyright 2026 jgr_ros contributors. MIT License.
"""The hand detector network: input normalisation, targets, loss, decoding."""
from jgr_ros.detector_net import (
    decode_centers,
    DEPTH,
    detector_input,
    detector_loss,
    FAR_MM,
    HandDetectorNet,
    HEAT,
    input_width,
    make_target,
    MAX_INPUT_WIDTH,
    normalised_to_depth_mm,
    OFFSET_U,
    OFFSET_V,
    output_grid,
    OUTPUT_STRIDES,
)
from jgr_ros.errors import InputError
import numpy as np
import pytest
import torch

IMAGE_SHAPE = (480, 640)


def test_input_is_the_frame_at_160_by_120_with_invalid_and_far_depth_on_the_far_plane():
    depth_mm = np.full(IMAGE_SHAPE, 500.0, np.float32)
    depth_mm[:240] = 0.0               # invalid
    depth_mm[:, :320] = 2.5 * FAR_MM   # beyond the range
    frame = detector_input(depth_mm)
    assert frame.shape == (120, 160) and frame.dtype == np.float32
    assert np.allclose(frame[60:, 80:], 500.0 * 2.0 / FAR_MM - 1.0)
    assert np.all(frame[:60] == 1.0) and np.all(frame[:, :80] == 1.0)
    assert np.allclose(normalised_to_depth_mm(frame[60:, 80:]), 500.0)


def test_a_wider_frame_keeps_its_aspect_and_a_taller_one_is_stretched_to_4_by_3():
    assert input_width((480, 640)) == input_width((576, 640)) == input_width((424, 512)) == 160
    assert input_width((480, 848)) == 208 and input_width((720, 1280)) == 216
    assert input_width((240, 1920)) == MAX_INPUT_WIDTH
    depth_mm = np.full((480, 848), 700.0, np.float32)
    depth_mm[:, 424:] = 0.0
    frame = detector_input(depth_mm)
    assert frame.shape == (120, 208)
    assert np.all(frame[:, 104:] == 1.0)
    assert np.allclose(normalised_to_depth_mm(frame[:, :104]), 700.0)
    with torch.no_grad():
        output = HandDetectorNet(2, context=True).eval()(torch.from_numpy(frame)[None, None])
    assert output.shape == (1, 4, 60, 104)


def _target_of(u, v, depth_mm, radius_px=40.0, visible=True, output_stride=4):
    return make_target(np.array([[u, v, depth_mm]]), np.array([radius_px]), np.array([visible]),
                       IMAGE_SHAPE, output_stride)


def test_output_grids_of_each_stride_and_an_unknown_stride_is_an_input_error():
    assert output_grid(4) == (30, 40) and output_grid(2) == (60, 80)
    with pytest.raises(InputError, match='output_stride'):
        HandDetectorNet(output_stride=8)


@pytest.mark.parametrize('output_stride', OUTPUT_STRIDES)
def test_a_visible_hand_is_a_peak_with_its_offset_and_depth_at_its_cell(output_stride):
    target = _target_of(100.0, 250.0, 600.0, output_stride=output_stride)
    grid_rows, grid_cols = output_grid(output_stride)
    assert target.shape == (5, grid_rows, grid_cols)
    row, column = 250.0 * grid_rows / 480, 100.0 * grid_cols / 640
    assert target[0, int(row), int(column)] == 1.0 and np.sum(target[0] == 1.0) == 1
    assert target[4].sum() == 1.0 and target[4, int(row), int(column)] == 1.0
    assert np.allclose(target[1:3, int(row), int(column)],
                       [column - int(column), row - int(row)], atol=1e-6)
    assert np.isclose(normalised_to_depth_mm(target[3, int(row), int(column)]), 600.0)
    assert 0.0 < target[0, int(row), int(column) + 2] < 1.0   # the Gaussian around it


def test_a_hidden_hand_or_one_outside_the_image_is_ignored_not_negative():
    for target in (_target_of(320.0, 240.0, 600.0, visible=False),
                   _target_of(-20.0, 240.0, 600.0)):
        assert target[4].sum() == 0.0 and (target[0] == -1.0).any()
        assert target[0].max() < 1.0


def _output_from_target(target):
    output = np.zeros((4, *target.shape[1:]), np.float32)
    output[HEAT] = np.clip(target[0], 0.0, 1.0)
    output[OFFSET_U:OFFSET_V + 1] = target[1:3]
    output[DEPTH] = target[3]
    return output


@pytest.mark.parametrize('output_stride', OUTPUT_STRIDES)
def test_decoding_a_perfect_output_returns_the_hands_best_first(output_stride):
    target = make_target(np.array([[100.0, 250.0, 600.0], [500.0, 100.0, 900.0]]),
                         np.array([40.0, 40.0]), np.array([True, True]), IMAGE_SHAPE,
                         output_stride)
    output = _output_from_target(target)
    left_half = np.arange(output.shape[-1]) < output.shape[-1] // 2
    output[HEAT] *= np.where(left_half, 0.9, 1.0)   # the right one wins
    hands = decode_centers(output, IMAGE_SHAPE, max_hands=2, min_score=0.3)
    assert hands.shape == (2, 4)
    assert np.allclose(hands[0, :3], [500.0, 100.0, 900.0], atol=1e-3)
    assert np.allclose(hands[1, :3], [100.0, 250.0, 600.0], atol=1e-3)
    assert decode_centers(output, IMAGE_SHAPE, max_hands=1, min_score=0.3).shape == (1, 4)
    assert decode_centers(output, IMAGE_SHAPE, max_hands=2, min_score=0.95).shape == (1, 4)
    assert decode_centers(np.zeros_like(output), IMAGE_SHAPE, 2, 0.3).shape == (0, 4)
    output[DEPTH] = -1.4   # behind the camera (-400 mm): no hand, however strong the peak
    assert decode_centers(output, IMAGE_SHAPE, 2, 0.3).shape == (0, 4)


@pytest.mark.parametrize('output_stride, context', [(4, False), (2, False), (2, True)])
def test_network_shapes_and_a_loss_that_learns_one_frame(output_stride, context):
    torch.manual_seed(0)
    net = HandDetectorNet(output_stride, context)
    depth_mm = np.full(IMAGE_SHAPE, 1500.0, np.float32)
    depth_mm[200:300, 300:380] = 600.0
    frame = torch.from_numpy(detector_input(depth_mm))[None, None]
    target = torch.from_numpy(_target_of(340.0, 250.0, 615.0, output_stride=output_stride))[None]
    assert net(frame).shape == (1, 4, *output_grid(output_stride))
    optimizer = torch.optim.Adam(net.parameters(), lr=3e-3)
    losses = []
    for _ in range(60):
        loss, parts = detector_loss(net(frame), frame, target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert set(parts) == {'heat', 'offset', 'depth'}
    assert losses[-1] < 0.2 * losses[0]
    hands = decode_centers(net.eval().infer(frame)[0].detach().numpy(), IMAGE_SHAPE, 2, 0.3)
    assert len(hands) >= 1 and np.linalg.norm(hands[0, :2] - [340.0, 250.0]) < 16.0


def test_the_context_branch_starts_as_the_detector_without_it_and_then_learns():
    torch.manual_seed(0)
    plain = HandDetectorNet(2).eval()
    with_context = HandDetectorNet(2, context=True).eval()
    missing, unexpected = with_context.load_state_dict(plain.state_dict(), strict=False)
    assert not unexpected and {name.split('.')[0] for name in missing} == {'down16', 'lateral16'}
    frames = torch.rand(2, 1, 120, 160) * 2.0 - 1.0
    with torch.no_grad():
        assert torch.equal(with_context(frames), plain(frames))
    loss = with_context.train()(frames).square().mean()
    loss.backward()
    assert with_context.lateral16.weight.grad.abs().sum() > 0.0   # the join opens as it trains


def test_the_depth_weight_scales_the_depth_term_only():
    torch.manual_seed(0)
    net = HandDetectorNet()
    depth_mm = np.full(IMAGE_SHAPE, 1500.0, np.float32)
    depth_mm[200:300, 300:380] = 600.0
    frame = torch.from_numpy(detector_input(depth_mm))[None, None]
    target = torch.from_numpy(_target_of(340.0, 250.0, 615.0))[None]
    raw = net(frame)
    plain, parts = detector_loss(raw, frame, target)
    heavier, _ = detector_loss(raw, frame, target, depth_weight=3.0)
    assert parts['depth'] > 0.0
    assert heavier.item() == pytest.approx(plain.item() + 2.0 * parts['depth'], rel=1e-5)


def test_wrong_input_shapes_are_input_errors():
    for shape in ((1, 1, 96, 96), (1, 1, 120, 204), (1, 1, 120, 152), (1, 1, 120, 328),
                  (1, 120, 160)):
        with pytest.raises(InputError, match='120, W'):
            HandDetectorNet()(torch.zeros(shape))
