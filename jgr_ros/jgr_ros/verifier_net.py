# Copyright 2026 jgr_ros contributors. MIT License.
"""
The hand verifier: whether the pose network's final crop is centred on a hand.

The detector's weaker peaks (scores 0.2-0.4) are hands about as often as not: at 0.4 it
misses hands seen end-on, at the image border or small and far, at 0.2 it also picks fists of
clutter, forearms and held objects. The pipeline crops every candidate, runs JGR-P2O and
recentres on its joints; this network then looks at the last crop, the one the joints came
from, and says whether a hand's centre lies within ``MATCH_MM`` (30 mm) of its centre. It sees
what neither the detector (a whole frame at 160 x 120) nor the size test (only the joints)
sees: the hand's own surface at full crop resolution, 96 x 96 over a 250 mm cube.

A plain small CNN, 146 k parameters, about 6 M multiply-adds per crop:

- input: the pose crop (B, 1, 96, 96), normalised to [-1, 1] around the crop centre, background 1
  (:func:`jgr_ros.crop.crop_hand`), exactly what JGR-P2O saw, averaged down to 48 x 48 (5 mm
  pixels: a hand's outline and surface, not its sensor noise);
- four stages of two 3 x 3 convolutions with BatchNorm and ReLU, the first of each with stride
  2 (16, 32, 64, 64 channels at 24, 12, 6, 3 pixels); global average and max pooling (how much
  of the crop is hand-like, and whether some of it is); one linear layer to the logit of "a
  hand, centred".

Trained with binary cross-entropy on the pipeline's own candidates
(:mod:`jgr_ros.training.verifier`).
"""
from jgr_ros.errors import InputError
import torch
from torch import nn, Tensor
import torch.nn.functional as F

INPUT_SIZE = 96
POOL = 2                      # the crop is averaged down POOL x POOL before the first stage
WIDTHS = (16, 32, 64, 64)


def _stage(in_channels: int, out_channels: int) -> nn.Sequential:
    """Halve the resolution: a stride-2 3 x 3 convolution, then a 3 x 3 one (BatchNorm, ReLU)."""
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, 3, 2, padding=1, bias=False),
        nn.BatchNorm2d(out_channels), nn.ReLU(inplace=True),
        nn.Conv2d(out_channels, out_channels, 3, 1, padding=1, bias=False),
        nn.BatchNorm2d(out_channels), nn.ReLU(inplace=True))


class HandVerifierNet(nn.Module):
    """(B, 1, 96, 96) normalised pose crops -> (B,) logits of 'a hand centred in the crop'."""

    input_shape = (INPUT_SIZE, INPUT_SIZE)
    input_size = INPUT_SIZE

    def __init__(self):
        super().__init__()
        channels = (1, *WIDTHS)
        self.stages = nn.Sequential(*[_stage(channels[index], channels[index + 1])
                                      for index in range(len(WIDTHS))])
        self.head = nn.Linear(2 * WIDTHS[-1], 1)

    def forward(self, crops: Tensor) -> Tensor:
        """Return raw logits (B,)."""
        if crops.ndim != 4 or crops.shape[1:] != (1, INPUT_SIZE, INPUT_SIZE):
            raise InputError(f'crops must have shape (B, 1, {INPUT_SIZE}, {INPUT_SIZE}), got '
                             f'{tuple(crops.shape)}')
        features = self.stages(F.avg_pool2d(crops, POOL))
        pooled = torch.cat([features.mean(dim=(2, 3)), features.amax(dim=(2, 3))], dim=1)
        return self.head(pooled)[:, 0]

    def infer(self, crops: Tensor) -> Tensor:
        """Return (B,) probabilities that each crop is centred on a hand."""
        return torch.sigmoid(self(crops))
