# Copyright 2026 jgr_ros contributors. MIT License.
"""The handedness network: shapes, cost, loss, and that it can tell a crop from its mirror."""
from jgr_ros.errors import InputError
from jgr_ros.handedness_net import handedness_loss, HandednessNet
import pytest
import torch

torch.set_num_threads(2)


def random_crops(batch: int, seed: int = 0) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return torch.rand(batch, 1, 96, 96, generator=generator) * 2 - 1


def test_one_log_odds_per_crop_and_a_small_network():
    model = HandednessNet().eval()
    assert model.infer(random_crops(3)).shape == (3,)
    assert sum(p.numel() for p in model.parameters()) < 250_000


def test_wrong_crop_sizes_are_input_errors():
    with pytest.raises(InputError):
        HandednessNet()(torch.zeros(1, 1, 128, 128))


def test_loss_is_cross_entropy_and_checks_shapes():
    log_odds = torch.tensor([0.0, 2.0])
    loss = handedness_loss(log_odds, torch.tensor([1.0, 0.0]))
    expected = (torch.log(torch.tensor(2.0)) + torch.log1p(torch.exp(torch.tensor(2.0)))) / 2
    assert loss.item() == pytest.approx(expected.item(), rel=1e-5)
    with pytest.raises(InputError):
        handedness_loss(log_odds[:, None], torch.tensor([1.0, 0.0]))


def test_it_learns_to_tell_a_pattern_from_its_mirror_image():
    # A crop and its left-right flip are a right and a left hand: the network must not be
    # blind to the flip (no pooling away of the layout).
    torch.manual_seed(0)
    ramp = torch.linspace(-1.0, 1.0, 96).expand(1, 1, 96, 96)   # deeper to the right
    crops = torch.cat([ramp, ramp.flip(-1)] * 4) + 0.05 * random_crops(8)
    labels = torch.tensor([1.0, 0.0] * 4)
    model = HandednessNet()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    for _ in range(30):
        optimizer.zero_grad()
        loss = handedness_loss(model(crops), labels)
        loss.backward()
        optimizer.step()
    model.eval()
    assert ((model.infer(crops) > 0).float() == labels).all()
