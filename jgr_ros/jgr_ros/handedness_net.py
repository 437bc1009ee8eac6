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

Which side a hand is depends on two things at once: which side of the image the thumb is on
and whether the palm or the back faces the camera (a right palm looks like a left back). A
classifier trained on the side alone stays at chance for thousands of steps (it must find both
cues before either helps), so the network also regresses the hand's joints, JGR-P2O's target
(u, v in the crop over its size, z over half the cube): an auxiliary task whose features carry
the palm's direction and the thumb's place. Inference uses the side only.

Layers: six 3x3 convolutions with BatchNorm and ReLU, four of them halving the resolution
(96 -> 48 -> 24 -> 12 -> 6), average pooling to 3x3 (the layout of the hand stays: which side
the thumb is on), one hidden layer of 128 units, one logit plus 3 J joint coordinates. About
19 M multiply-adds.
"""
from jgr_ros.errors import InputError
from jgr_ros.model import check_depth_batch
from torch import nn, Tensor
import torch.nn.functional as F

INPUT_SIZE = 96
# (in channels, out channels, stride) of each convolution.
CONVOLUTIONS = ((1, 16, 2), (16, 32, 2), (32, 32, 1), (32, 64, 2), (64, 64, 1), (64, 128, 2))
POOLED_SIDE = 3
HIDDEN_UNITS = 128
JOINT_LOSS_WEIGHT = 1.0   # the auxiliary joints' squared error next to the side's


def conv_bn_relu(in_channels: int, out_channels: int, stride: int) -> nn.Sequential:
    """Return a 3x3 convolution (padding 1) with BatchNorm and ReLU."""
    return nn.Sequential(nn.Conv2d(in_channels, out_channels, 3, stride, 1, bias=False),
                         nn.BatchNorm2d(out_channels), nn.ReLU(inplace=True))


class HandednessNet(nn.Module):
    """(B, 1, 96, 96) normalised crop -> (B, 1 + 3 J): right-hand log-odds, then (J, 3) uvz."""

    input_size = INPUT_SIZE
    input_shape = (INPUT_SIZE, INPUT_SIZE)   # (height, width)

    def __init__(self, num_joints: int = 21):
        super().__init__()
        self.num_joints = num_joints
        self.features = nn.Sequential(*(conv_bn_relu(*layer) for layer in CONVOLUTIONS))
        self.pool = nn.AdaptiveAvgPool2d(POOLED_SIDE)
        self.head = nn.Sequential(
            nn.Flatten(), nn.Linear(CONVOLUTIONS[-1][1] * POOLED_SIDE ** 2, HIDDEN_UNITS),
            nn.ReLU(inplace=True), nn.Linear(HIDDEN_UNITS, 1 + 3 * num_joints))

    def forward(self, crop: Tensor) -> Tensor:
        check_depth_batch(crop, INPUT_SIZE)
        return self.head(self.pool(self.features(crop)))

    def infer(self, crop: Tensor) -> Tensor:
        """Return the right-hand log-odds (B,): the inference path."""
        return self(crop)[:, 0]


def handedness_loss(outputs: Tensor, targets: Tensor) -> tuple[Tensor, dict]:
    """
    Return the loss of (B, 1 + 3 J) outputs against targets of the same layout, and its parts.

    Binary cross-entropy of the log-odds against 1 (right) or 0 (left), plus
    JOINT_LOSS_WEIGHT x the joints' squared error (summed over u, v, z, mean over joints).
    """
    if outputs.shape != targets.shape or outputs.dim() != 2 or (outputs.shape[1] - 1) % 3:
        raise InputError(f'outputs and targets must both be (B, 1 + 3 J), got '
                         f'{tuple(outputs.shape)} and {tuple(targets.shape)}')
    side = F.binary_cross_entropy_with_logits(outputs[:, 0], targets[:, 0])
    joints = (outputs[:, 1:] - targets[:, 1:]).square().view(len(outputs), -1, 3)
    joints = joints.sum(dim=-1).mean()
    return side + JOINT_LOSS_WEIGHT * joints, {'bce': side.item(), 'joints': joints.item()}
