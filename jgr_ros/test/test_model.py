# Copyright 2026 jgr_ros contributors. MIT License.
"""JGR-P2O network: exact size, decoding, loss and trainability."""
from jgr_ros.errors import InputError
from jgr_ros.model import (
    CBR,
    decode_joints,
    downsample_depth,
    huber,
    jgr_p2o_loss,
    JGRP2O,
    l2_regularization,
    offset_targets,
    StackOutput,
)
from jgr_ros.skeletons import get_skeleton
import numpy as np
import pytest
import torch
from torch import nn

torch.set_num_threads(2)
GRID = 24


def random_crops(batch: int, seed: int = 0) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return torch.rand(batch, 1, 96, 96, generator=generator) * 2 - 1


def random_weights(batch: int, joints: int, seed: int = 0) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    logits = torch.randn(batch, joints, GRID * GRID, generator=generator)
    return torch.softmax(logits, dim=-1).view(batch, joints, GRID, GRID)


def central_2x2_mean(depth: np.ndarray) -> np.ndarray:
    """Bilinear 96 -> 24 with half-pixel centres, written out: rows/cols 4i+1 and 4i+2."""
    d = depth[:, 0]
    return (d[:, 1::4, 1::4] + d[:, 1::4, 2::4] + d[:, 2::4, 1::4] + d[:, 2::4, 2::4]) / 4


@pytest.mark.parametrize('num_joints, num_stacks, expected', [
    (14, 1, 715_502), (14, 2, 1_365_244), (14, 3, 2_014_986), (16, 2, 1_368_064),
    (21, 2, 1_375_114)])
def test_parameter_count_is_exactly_the_papers(num_joints, num_stacks, expected):
    model = JGRP2O(num_joints, num_stacks)
    assert sum(p.numel() for p in model.parameters()) == expected
    assert 'normalized_adjacency' not in model.state_dict()


def test_forward_shapes_and_voting_weights():
    model = JGRP2O(14, num_stacks=2)
    outputs = model(random_crops(2))
    assert len(outputs) == 2
    for output in outputs:
        assert output.uvz.shape == (2, 14, 3)
        assert output.offsets.shape == (2, 3, 14, GRID, GRID)
        assert output.weights.shape == (2, 14, GRID, GRID)
        assert (output.weights >= 0).all()
        torch.testing.assert_close(output.weights.sum(dim=(-2, -1)), torch.ones(2, 14))


def test_infer_is_the_last_stack_and_forward_decodes_its_own_maps():
    model = JGRP2O(14, num_stacks=2).eval()
    depth = random_crops(3)
    with torch.no_grad():
        outputs = model(depth)
        uvz = model.infer(depth)
    torch.testing.assert_close(uvz, outputs[-1].uvz)
    for output in outputs:
        torch.testing.assert_close(
            output.uvz, decode_joints(output.weights, output.offsets, downsample_depth(depth)))


def test_init_follows_the_authors():
    torch.manual_seed(0)
    model = JGRP2O(14, num_stacks=1)
    conv_weights = torch.cat([m.weight.flatten() for m in model.modules()
                              if isinstance(m, (nn.Conv2d, nn.Linear))])
    gammas = torch.cat([m.weight for m in model.modules() if isinstance(m, nn.BatchNorm2d)])
    assert conv_weights.abs().max() <= 0.02
    assert conv_weights.std().item() == pytest.approx(0.0088, rel=0.05)  # TN(0, 0.01) cut at 2σ
    assert ((gammas - 1).abs() <= 0.02).all()
    assert gammas.std().item() == pytest.approx(0.0088, rel=0.2)
    biases = [m.bias for m in model.modules() if getattr(m, 'bias', None) is not None]
    assert all((b == 0).all() for b in biases)


def test_the_skeleton_graph_changes_the_prediction():
    torch.manual_seed(0)
    skeleton_model = JGRP2O(14, num_stacks=1)
    # At init the voting weights are nearly uniform, so every joint gets the same feature and
    # BatchNorm cancels what the graph does; sharper votes give joints features of their own.
    nn.init.normal_(skeleton_model.stacks[0].graph_reasoning.voting.weight, std=1.0)
    edgeless_model = JGRP2O(14, num_stacks=1, adjacency=np.zeros((14, 14)))
    edgeless_model.load_state_dict(skeleton_model.state_dict())
    torch.testing.assert_close(skeleton_model.normalized_adjacency,
                               torch.from_numpy(get_skeleton('nyu14').normalized_adjacency()))
    torch.testing.assert_close(edgeless_model.normalized_adjacency, torch.eye(14))
    depth = random_crops(2)
    with torch.no_grad():     # train mode: BatchNorm's batch statistics lift tiny activations
        change = skeleton_model.infer(depth) - edgeless_model.infer(depth)
    assert change.abs().max() > 1e-4      # float noise between the two is ~1e-6


def test_decode_with_uniform_weights_and_no_offsets_is_the_crop_centre():
    weights = torch.full((1, 2, GRID, GRID), 1 / GRID**2)
    depth_24 = torch.full((1, 1, GRID, GRID), 0.3)
    uvz = decode_joints(weights, torch.zeros(1, 3, 2, GRID, GRID), depth_24)
    torch.testing.assert_close(uvz, torch.tensor([[[0.5, 0.5, 0.3], [0.5, 0.5, 0.3]]]))


def test_decode_with_one_hot_weights_reads_that_pixel_and_its_offset():
    weights = torch.zeros(1, 2, GRID, GRID)
    weights[0, 0, 5, 17] = 1     # joint 0 votes from row 5, column 17
    weights[0, 1, 20, 2] = 1
    offsets = torch.randn(1, 3, 2, GRID, GRID)
    depth_24 = torch.randn(1, 1, GRID, GRID)
    uvz = decode_joints(weights, offsets, depth_24)[0]
    for joint, (row, col) in enumerate([(5, 17), (20, 2)]):
        expected = torch.stack([col / 23 + offsets[0, 0, joint, row, col],
                                row / 23 + offsets[0, 1, joint, row, col],
                                depth_24[0, 0, row, col] + offsets[0, 2, joint, row, col]])
        torch.testing.assert_close(uvz[joint], expected)


def test_decode_with_constant_offsets_shifts_every_joint_by_them():
    weights = random_weights(2, 3)
    depth_24 = torch.randn(2, 1, GRID, GRID)
    shift = torch.tensor([0.1, -0.05, 0.2])
    offsets = shift.view(1, 3, 1, 1, 1).expand(2, 3, 3, GRID, GRID)
    moved = decode_joints(weights, offsets, depth_24)
    still = decode_joints(weights, torch.zeros_like(offsets), depth_24)
    torch.testing.assert_close(moved - still, shift.expand(2, 3, 3))


def test_decoding_the_offset_targets_gives_back_the_joints():
    uvz = torch.rand(2, 5, 3)
    depth_24 = torch.randn(2, 1, GRID, GRID)
    decoded = decode_joints(random_weights(2, 5), offset_targets(uvz, depth_24), depth_24)
    torch.testing.assert_close(decoded, uvz)


def test_decoding_stays_float32_under_bfloat16_inputs():
    uvz = torch.rand(2, 5, 3)
    depth_24 = torch.randn(2, 1, GRID, GRID)
    weights, offsets = random_weights(2, 5), offset_targets(uvz, depth_24)
    decoded = decode_joints(weights.bfloat16(), offsets.bfloat16(), depth_24.bfloat16())
    assert decoded.dtype == torch.float32
    # Only the inputs' rounding is left: bfloat16 offsets are good to ~1e-2 of the crop.
    torch.testing.assert_close(decoded, uvz, atol=2e-2, rtol=0)


def test_downsample_depth_is_bilinear_with_half_pixel_centres():
    depth = random_crops(2)
    np.testing.assert_allclose(downsample_depth(depth).numpy()[:, 0],
                               central_2x2_mean(depth.numpy()), atol=1e-6)


def test_huber_values():
    assert huber(torch.tensor([0.005])).item() == pytest.approx(0.5 * 0.005**2)
    assert huber(torch.tensor([-0.1])).item() == pytest.approx(0.01 * (0.1 - 0.005))
    assert huber(torch.tensor([0.005, -0.1])).item() == pytest.approx(1.25e-5 + 9.5e-4)


def numpy_huber(x: np.ndarray, delta: float = 0.01) -> float:
    a = np.abs(x)
    return float(np.where(a < delta, 0.5 * a**2, delta * (a - delta / 2)).sum())


def reference_loss(outputs, depth, target, beta):
    """Return the JGR-P2O loss written out in NumPy, stack by stack."""
    batch = len(depth)
    depth_24 = central_2x2_mean(depth)                            # (B, 24, 24)
    grid = np.arange(GRID) / 23
    du = target[:, :, 0, None, None] - grid[None, None, None, :]  # u varies along columns
    dv = target[:, :, 1, None, None] - grid[None, None, :, None]
    dz = target[:, :, 2, None, None] - depth_24[:, None]
    total = 0.0
    for uvz, offsets in outputs:
        total += numpy_huber(uvz[..., :2] - target[..., :2]) / batch
        total += numpy_huber(uvz[..., 2] - target[..., 2]) / batch
        total += beta * sum(numpy_huber(offsets[:, c] - t) for c, t in enumerate((du, dv, dz))
                            ) / batch
    return total


def test_loss_matches_the_formula():
    rng = np.random.default_rng(1)
    depth = random_crops(2)
    target = rng.uniform(0, 1, (2, 4, 3)).astype(np.float32)
    arrays = [(target + rng.normal(0, 0.02, target.shape).astype(np.float32),
               rng.normal(0, 0.3, (2, 3, 4, GRID, GRID)).astype(np.float32)) for _ in range(2)]
    outputs = [StackOutput(torch.from_numpy(uvz), torch.from_numpy(off), random_weights(2, 4))
               for uvz, off in arrays]
    loss, parts = jgr_p2o_loss(outputs, depth, torch.from_numpy(target), beta=0.01)
    expected = reference_loss(arrays, depth.numpy(), target, beta=0.01)
    assert loss.item() == pytest.approx(expected, rel=1e-5)
    assert parts['total'] == pytest.approx(expected, rel=1e-5)
    assert parts['uv'] + parts['z'] + 0.01 * parts['offset'] == pytest.approx(expected, rel=1e-5)


def test_loss_rejects_targets_of_the_wrong_shape():
    model = JGRP2O(14, num_stacks=1)
    depth = random_crops(1)
    with pytest.raises(InputError, match='target_uvz'):
        jgr_p2o_loss(model(depth), depth, torch.zeros(1, 21, 3))


def test_gradients_reach_every_parameter():
    torch.manual_seed(0)
    model = JGRP2O(14, num_stacks=2)
    depth = random_crops(2)
    loss, _ = jgr_p2o_loss(model(depth), depth, torch.rand(2, 14, 3))
    (loss + l2_regularization(model)).backward()
    for name, parameter in model.named_parameters():
        assert parameter.grad is not None, name
        assert parameter.grad.abs().sum() > 0, name


def test_a_few_adam_steps_halve_the_loss_on_a_fixed_batch():
    torch.manual_seed(0)
    model = JGRP2O(14, num_stacks=1)
    depth = random_crops(2, seed=3)
    target = torch.rand(2, 14, 3, generator=torch.Generator().manual_seed(4)) * 0.6 + 0.2
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.5, 0.999))
    losses = []
    for _ in range(15):
        loss, _ = jgr_p2o_loss(model(depth), depth, target)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0], losses


def test_l2_regularization_penalises_weights_and_gammas_only():
    module = nn.Sequential(CBR(2, 3, 3), nn.Linear(3, 2))
    for parameter in module.parameters():
        nn.init.constant_(parameter, 0.5)
    # conv 3*2*3*3 = 54 weights, BN gamma 3, linear 6 weights; biases and BN beta excluded.
    expected = 1e-3 * (54 + 3 + 6) * 0.25
    assert l2_regularization(module, weight=1e-3).item() == pytest.approx(expected)


@pytest.mark.parametrize('depth, message', [
    (torch.zeros(1, 96, 96), r'\(B, 1, 96, 96\)'),
    (torch.zeros(1, 1, 128, 128), r'\(B, 1, 96, 96\)'),
    (torch.zeros(1, 1, 96, 96, dtype=torch.int16), 'floating-point'),
    (np.zeros((1, 1, 96, 96), np.float32), 'torch tensor')])
def test_bad_input_is_an_input_error(depth, message):
    with pytest.raises(InputError, match=message):
        JGRP2O(14, num_stacks=1)(depth)


@pytest.mark.parametrize('kwargs, message', [
    ({'num_joints': 15}, 'no default skeleton has 15 joints'),
    ({'num_joints': 14, 'adjacency': np.zeros((13, 13))}, r'\(14, 14\)'),
    ({'num_joints': 2, 'adjacency': np.array([[0, 1], [0, 0]])}, 'symmetric'),
    ({'num_joints': 2, 'adjacency': np.array([[0, 2], [2, 0]])}, 'zeros and ones'),
    ({'num_joints': 2, 'adjacency': np.eye(2)}, 'self-loops'),
    ({'num_joints': 14, 'num_stacks': 0}, 'num_stacks')])
def test_bad_construction_is_an_input_error(kwargs, message):
    with pytest.raises(InputError, match=message):
        JGRP2O(**kwargs)
