# Copyright 2026 jgr_ros contributors. MIT License.
"""DeepPrior++-style centre refinement network: shapes, scales, loss and trainability."""
from jgr_ros.center_net import center_refine_loss, CenterRefineNet, centre_crop
from jgr_ros.errors import InputError
import pytest
import torch
from torch import nn

torch.set_num_threads(2)
# 3 x (conv 5x5 1->8, 5x5 8->8, 3x3 8->8) + FC (968 + 968 + 512) -> 1024 -> 1024 -> 3.
EXPECTED_PARAMETERS = (3 * (8 * 25 + 8 + 8 * 8 * 25 + 8 + 8 * 8 * 9 + 8)
                       + 2448 * 1024 + 1024 + 1024 * 1024 + 1024 + 1024 * 3 + 3)


def random_crops(batch: int, seed: int = 0) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return torch.rand(batch, 1, 128, 128, generator=generator) * 2 - 1


def test_output_shape_and_parameter_count():
    model = CenterRefineNet()
    assert model(random_crops(2)).shape == (2, 3)
    assert sum(p.numel() for p in model.parameters()) == EXPECTED_PARAMETERS == 3_567_651


def test_scales_are_centred_sub_crops():
    crops = torch.arange(128.0).expand(1, 1, 128, 128)    # value = column index
    assert centre_crop(crops, 64)[0, 0, 0, [0, -1]].tolist() == [32.0, 95.0]
    assert centre_crop(crops, 32)[0, 0, 0, [0, -1]].tolist() == [48.0, 79.0]
    assert centre_crop(crops, 32).shape == (1, 1, 32, 32)


def test_the_border_only_reaches_the_full_scale_branch():
    model = CenterRefineNet().eval()
    crops = random_crops(1)
    border_changed = crops.clone()
    border_changed[..., :16, :] = 0.9
    with torch.no_grad():
        features = [branch(centre_crop(x, size)) for x in (crops, border_changed)
                    for branch, size in zip(model.branches, (128, 64, 32))]
    assert not torch.equal(features[0], features[3])       # 128 branch sees the border
    assert torch.equal(features[1], features[4])           # 64 and 32 do not
    assert torch.equal(features[2], features[5])


def test_dropout_is_active_in_training_only():
    model = CenterRefineNet()
    crops = random_crops(2)
    with torch.no_grad():
        assert not torch.equal(model(crops), model(crops))
        model.eval()
        torch.testing.assert_close(model.infer(crops), model(crops))


def test_loss_is_the_mean_squared_distance():
    pred = torch.tensor([[0.1, 0.2, -0.3], [0.0, 0.0, 0.0]])
    target = torch.tensor([[0.0, 0.0, 0.0], [0.3, -0.4, 0.0]])
    expected = ((0.01 + 0.04 + 0.09) + (0.09 + 0.16)) / 2
    assert center_refine_loss(pred, target).item() == pytest.approx(expected)


def test_a_few_steps_reduce_the_loss():
    torch.manual_seed(0)
    model = CenterRefineNet()
    crops = random_crops(4, seed=1)
    target = torch.rand(4, 3, generator=torch.Generator().manual_seed(2)) - 0.5

    def eval_loss() -> float:
        with torch.no_grad():
            return center_refine_loss(model.eval()(crops), target).item()

    initial = eval_loss()
    optimiser = torch.optim.Adam(model.train().parameters(), lr=5e-4)
    for _ in range(15):
        loss = center_refine_loss(model(crops), target)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    assert eval_loss() < 0.5 * initial


def test_bad_input_is_an_input_error():
    model = CenterRefineNet()
    with pytest.raises(InputError, match=r'\(B, 1, 128, 128\)'):
        model(torch.zeros(1, 1, 96, 96))
    with pytest.raises(InputError, match=r'\(B, 3\)'):
        center_refine_loss(torch.zeros(2, 3), torch.zeros(2, 2))


def test_no_batch_norm_so_batch_size_one_trains():
    model = CenterRefineNet()
    assert not any(isinstance(m, nn.BatchNorm2d) for m in model.modules())
    center_refine_loss(model(random_crops(1)), torch.zeros(1, 3)).backward()
