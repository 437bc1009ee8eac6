# Copyright 2026 jgr_ros contributors. MIT License.
"""
Left or right hand from the depth crop: a small classifier on JGR-P2O's own input.

The skeleton's chirality (:mod:`jgr_ros.handedness`) is only as good as the joints: where the
pose network is lost (a hand seen edge-on, from behind, fingers towards the camera) it often
returns the mirrored skeleton, and the side follows it. The depth crop itself shows which way
the fingers curl. This network reads the same 96x96 crop in [-1, 1] that JGR-P2O reads and
returns the log-odds that the hand is a right one.

A left hand is the mirror image of a right one, and so is a crop flipped left-right (about its
vertical axis), so training flips half the crops and their labels: the data is exactly
balanced and the network cannot lean on a side.

Layers: five 3x3 convolutions with BatchNorm and ReLU, four of them halving the resolution
(96 -> 48 -> 24 -> 12 -> 6), average pooling to 3x3 (the layout of the hand stays: which side
the thumb is on), one hidden layer of 64 units, one logit. About 19 M multiply-adds.
"""
from jgr_ros.errors import InputError
from jgr_ros.model import check_depth_batch
from torch import nn, Tensor
import torch.nn.functional as F

INPUT_SIZE = 96
# (in channels, out channels, stride) of each convolution.
CONVOLUTIONS = ((1, 16, 2), (16, 32, 2), (32, 32, 1), (32, 64, 2), (64, 64, 1), (64, 128, 2))
POOLED_SIDE = 3
HIDDEN_UNITS = 64


def conv_bn_relu(in_channels: int, out_channels: int, stride: int) -> nn.Sequential:
    """Return a 3x3 convolution (padding 1) with BatchNorm and ReLU."""
    return nn.Sequential(nn.Conv2d(in_channels, out_channels, 3, stride, 1, bias=False),
                         nn.BatchNorm2d(out_channels), nn.ReLU(inplace=True))


class HandednessNet(nn.Module):
    """(B, 1, 96, 96) normalised crop -> (B,) log(p(right) / p(left))."""

    input_size = INPUT_SIZE
    input_shape = (INPUT_SIZE, INPUT_SIZE)   # (height, width)

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(*(conv_bn_relu(*layer) for layer in CONVOLUTIONS))
        self.pool = nn.AdaptiveAvgPool2d(POOLED_SIDE)
        self.head = nn.Sequential(
            nn.Flatten(), nn.Linear(CONVOLUTIONS[-1][1] * POOLED_SIDE ** 2, HIDDEN_UNITS),
            nn.ReLU(inplace=True), nn.Linear(HIDDEN_UNITS, 1))

    def forward(self, crop: Tensor) -> Tensor:
        check_depth_batch(crop, INPUT_SIZE)
        return self.head(self.pool(self.features(crop)))[:, 0]

    def infer(self, crop: Tensor) -> Tensor:
        """Return the right-hand log-odds (B,): the inference path."""
        return self(crop)


def handedness_loss(right_log_odds: Tensor, is_right: Tensor) -> Tensor:
    """Binary cross-entropy of the log-odds against labels 1 (right) and 0 (left)."""
    if right_log_odds.shape != is_right.shape or right_log_odds.dim() != 1:
        raise InputError(f'log-odds and labels must both be (B,), got '
                         f'{tuple(right_log_odds.shape)} and {tuple(is_right.shape)}')
    return F.binary_cross_entropy_with_logits(right_log_odds, is_right.float())
