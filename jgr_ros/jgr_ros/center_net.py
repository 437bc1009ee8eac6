# Copyright 2026 jgr_ros contributors. MIT License.
"""
Hand-centre refinement: DeepPrior++'s multi-scale "ScaleNet" (Oberweger & Lepetit, ICCVW 2017).

A live camera gives no hand centre, and the first guess (the centroid of the nearest depth band)
is pulled towards the visible surface and the forearm. This network looks at a 128x128 crop
around the current centre, normalised like the JGR-P2O crop (metric cube around the current
centre, depth in [-1, 1]), at three scales: the whole crop and its centred 64x64 and 32x32
parts. It regresses the offset of the true centre from the crop centre, (x, y, z) in the camera
frame in units of cube / 2, so the refined centre is ``centre_mm + offset * cube_mm / 2``.
Applying it two or three times, re-cropping each time, is common.

Layers use PyTorch's default initialisation (the authors' truncated normal is JGR-P2O's, which
relies on BatchNorm; this network has none).
"""
from jgr_ros.errors import InputError
from jgr_ros.model import check_depth_batch
import torch
from torch import nn, Tensor

INPUT_SIZE = 128
FILTERS = 8
HIDDEN_UNITS = 1024
DROPOUT = 0.3
# Crop edge of each scale -> max-pool sizes after its first and second conv (1 = no pooling).
SCALE_POOLS = {128: (4, 2), 64: (2, 2), 32: (2, 1)}


def _max_pool(size: int) -> nn.Module:
    return nn.MaxPool2d(size) if size > 1 else nn.Identity()


def scale_branch(first_pool: int, second_pool: int) -> nn.Sequential:
    """Three 'valid' convolutions with 8 filters and ReLU: 5x5 + pool, 5x5 + pool, 3x3."""
    return nn.Sequential(
        nn.Conv2d(1, FILTERS, 5), nn.ReLU(), _max_pool(first_pool),
        nn.Conv2d(FILTERS, FILTERS, 5), nn.ReLU(), _max_pool(second_pool),
        nn.Conv2d(FILTERS, FILTERS, 3), nn.ReLU(), nn.Flatten())


def scale_branch_features(crop_size: int, first_pool: int, second_pool: int) -> int:
    """Return the number of features :func:`scale_branch` makes from a crop_size^2 input."""
    side = ((crop_size - 4) // first_pool - 4) // second_pool - 2
    return FILTERS * side * side


def centre_crop(images: Tensor, size: int) -> Tensor:
    """Return the centred size x size part of (B, C, H, W) images."""
    top = (images.shape[-2] - size) // 2
    left = (images.shape[-1] - size) // 2
    return images[..., top:top + size, left:left + size]


class CenterRefineNet(nn.Module):
    """(B, 1, 128, 128) normalised crop -> (B, 3) offset of the hand centre in cube / 2 units."""

    input_size = INPUT_SIZE
    input_shape = (INPUT_SIZE, INPUT_SIZE)   # (height, width)

    def __init__(self):
        super().__init__()
        self.branches = nn.ModuleList(scale_branch(*pools) for pools in SCALE_POOLS.values())
        num_features = sum(scale_branch_features(size, *pools)
                           for size, pools in SCALE_POOLS.items())
        self.head = nn.Sequential(
            nn.Linear(num_features, HIDDEN_UNITS), nn.ReLU(), nn.Dropout(DROPOUT),
            nn.Linear(HIDDEN_UNITS, HIDDEN_UNITS), nn.ReLU(), nn.Dropout(DROPOUT),
            nn.Linear(HIDDEN_UNITS, 3))

    def forward(self, crop: Tensor) -> Tensor:
        check_depth_batch(crop, INPUT_SIZE)
        features = [branch(centre_crop(crop, size))
                    for branch, size in zip(self.branches, SCALE_POOLS)]
        return self.head(torch.cat(features, dim=1))

    def infer(self, crop: Tensor) -> Tensor:
        """Return the centre offsets (B, 3): the inference path (dropout off in eval mode)."""
        return self(crop)


def center_refine_loss(pred: Tensor, target: Tensor) -> Tensor:
    """Return the squared error summed over x, y, z, averaged over the batch."""
    if pred.shape != target.shape or pred.shape[-1:] != (3,):
        raise InputError(f'pred and target must both be (B, 3), got {tuple(pred.shape)} and '
                         f'{tuple(target.shape)}')
    return (pred - target).square().sum(dim=-1).mean()
