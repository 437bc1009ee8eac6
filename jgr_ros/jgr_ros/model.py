# Copyright 2026 jgr_ros contributors. MIT License.
"""
JGR-P2O (Fang et al., ECCV 2020) in PyTorch: network, decoding and training loss.

The layout follows the authors' TensorFlow code (``network/dense_offset_graph.py``) layer for
layer, so the parameter counts equal the paper's (0.72 M / 1.37 M / 2.02 M for 1 / 2 / 3 stacks
on NYU). Reading order of this file is the data flow:

1. layers: :class:`CBR`, bottleneck :class:`Residual`, recursive :class:`Hourglass`, :class:`Stem`
   (96x96 depth -> 128x24x24 features);
2. :class:`JointGraphReasoning`: pixel-to-joint voting, GCN over the hand skeleton,
   joint-to-pixel mapping;
3. :class:`PoseStack` (one hourglass with its JGR module and pixel-to-offset heads) and
   :class:`StackLink` (the intermediate-supervision link to the next stack);
4. :func:`decode_joints` (weighted average of every pixel's vote) and :class:`JGRP2O`;
5. the loss: :func:`huber`, :func:`offset_targets`, :func:`jgr_p2o_loss`,
   :func:`l2_regularization`.

Coordinates: the input is a (B, 1, 96, 96) crop with depth normalised to [-1, 1]. A joint is
(u, v, z): u, v in [0, 1] across the crop (pixel / 95), z in the input's normalised depth. Pixel p
of the 24x24 feature grid sits at (x_p / 23, y_p / 23) with depth D̃_p, the input resized to 24x24
by :func:`downsample_depth` (bilinear, see there), which the decoding and the offset targets share.
"""
from typing import NamedTuple, Optional

from jgr_ros.errors import InputError
from jgr_ros.skeletons import get_skeleton, normalize_adjacency
import numpy as np
import torch
from torch import nn, Tensor
import torch.nn.functional as F

INPUT_SIZE = 96         # crop edge in pixels
FEATURE_SIZE = 24       # edge of the feature grid the joints are voted on (INPUT_SIZE / 4)
CHANNELS = 128          # feature channels of the hourglass and the JGR module
HOURGLASS_DEPTH = 3     # 24 -> 12 -> 6 -> 3
# The authors' BatchNorm: epsilon 1e-5, moving-average decay 0.95 (PyTorch momentum = 1 - decay).
BN_EPS = 1e-5
BN_MOMENTUM = 0.05
INIT_STD = 0.01         # truncated normal (cut at 2 std, as TensorFlow) for weights and BN gamma
HUBER_DELTA = 0.01
OFFSET_LOSS_WEIGHT = 1e-4   # beta, the weight of the dense offset loss
L2_WEIGHT = 2.5e-5          # the authors' l2_regularizer(0.5e-4) = 0.5e-4 * sum(w^2) / 2
# Skeleton whose graph a model uses when none is given, by joint count.
DEFAULT_SKELETONS = {14: 'nyu14', 16: 'icvl16', 21: 'mano21'}
# Layers whose weights are initialised and L2-penalised (BatchNorm: its gamma).
WEIGHTED_LAYERS = (nn.Conv2d, nn.Linear, nn.BatchNorm2d)


# --- 1. Layers -------------------------------------------------------------------------------

def conv_bn(in_channels: int, out_channels: int, kernel_size: int = 1,
            stride: int = 1) -> nn.Sequential:
    """Conv2d without bias ('same' padding for odd kernels) followed by BatchNorm."""
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding=kernel_size // 2,
                  bias=False),
        nn.BatchNorm2d(out_channels, eps=BN_EPS, momentum=BN_MOMENTUM))


class CBR(nn.Sequential):
    """Conv (no bias) + BatchNorm + ReLU, the network's basic block."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 1,
                 stride: int = 1):
        super().__init__(*conv_bn(in_channels, out_channels, kernel_size, stride), nn.ReLU())


class Residual(nn.Module):
    """Bottleneck residual: CBR 1x1 -> CBR 3x3 (half width) -> Conv+BN 1x1, plus skip, ReLU."""

    def __init__(self, in_channels: int, out_channels: Optional[int] = None):
        super().__init__()
        out_channels = out_channels or in_channels
        half = out_channels // 2
        self.body = nn.Sequential(CBR(in_channels, half, 1), CBR(half, half, 3),
                                  conv_bn(half, out_channels, 1))
        self.skip = (nn.Identity() if in_channels == out_channels
                     else conv_bn(in_channels, out_channels, 1))

    def forward(self, x: Tensor) -> Tensor:
        return F.relu(self.body(x) + self.skip(x))


class Hourglass(nn.Module):
    """
    Recursive hourglass (Newell et al.) at constant width.

    up = Res(x); low = Res(HG_{n-1}(Res(maxpool 3x3/2 (x)))) with HG_0 the identity;
    return up + nearest-upsample x2 (low).
    """

    def __init__(self, depth: int, channels: int):
        super().__init__()
        self.up = Residual(channels)
        self.pool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.down = Residual(channels)
        self.inner = Hourglass(depth - 1, channels) if depth > 1 else nn.Identity()
        self.low = Residual(channels)

    def forward(self, x: Tensor) -> Tensor:
        low = self.low(self.inner(self.down(self.pool(x))))
        return self.up(x) + F.interpolate(low, scale_factor=2.0, mode='nearest')


class Stem(nn.Sequential):
    """(B, 1, 96, 96) depth -> (B, 128, 24, 24): CBR 7x7/2, Res, maxpool 2, Res, Res."""

    def __init__(self):
        super().__init__(CBR(1, 32, 7, stride=2), Residual(32, 64), nn.MaxPool2d(2),
                         Residual(64, 64), Residual(64, CHANNELS))


# --- 2. Joint graph reasoning -----------------------------------------------------------------

class JointGraphReasoning(nn.Module):
    """
    Enhance pixel features with joint context: pixel-to-joint voting, GCN, joint-to-pixel mapping.

    W = spatial softmax of Conv1x1(ll)                      voting weights, (B, J, H*W)
    F = W X,  X = CBR1x1(ll)                                joint features, (B, J, C)
    Fe = ReLU(Ae F We)                                      one GCN layer over the skeleton
    X̄_p = CBR1x1((1/J) sum_j W_jp Fe_j)                    joint context of each pixel
    """

    def __init__(self, num_joints: int, channels: int):
        super().__init__()
        self.voting = nn.Conv2d(channels, num_joints, kernel_size=1, bias=True)
        self.local_features = CBR(channels, channels)
        self.graph_weight = nn.Linear(channels, channels, bias=False)   # We
        self.to_pixels = CBR(channels, channels)

    def forward(self, ll: Tensor, normalized_adjacency: Tensor) -> tuple[Tensor, Tensor]:
        """Return (joint context X̄ (B, C, H, W), voting weights W (B, J, H, W))."""
        batch, channels, height, width = ll.shape
        weights = torch.softmax(self.voting(ll).flatten(2), dim=2)             # (B, J, HW)
        pixel_features = self.local_features(ll).flatten(2).transpose(1, 2)    # (B, HW, C)
        joint_features = weights @ pixel_features                              # (B, J, C)
        enhanced = F.relu(normalized_adjacency @ self.graph_weight(joint_features))
        context = weights.transpose(1, 2) @ enhanced / weights.shape[1]        # (B, HW, C)
        context = context.transpose(1, 2).reshape(batch, channels, height, width)
        return self.to_pixels(context), weights.view(batch, -1, height, width)


# --- 3. One stack and the link between stacks ------------------------------------------------

class PoseStack(nn.Module):
    """
    One stack: ll = Res(HG(x)); ll1 = CBR1x1(concat[ll, JGR(ll)]); offset maps from ll1.

    The three pixel-to-offset heads (Conv1x1 128 -> J each, no bias) are one Conv1x1 128 -> 3J
    whose output channels are [ΔU_0..ΔU_J-1, ΔV_0.., ΔZ_0..], the same parameters.
    """

    def __init__(self, num_joints: int):
        super().__init__()
        self.hourglass = Hourglass(HOURGLASS_DEPTH, CHANNELS)
        self.residual = Residual(CHANNELS)
        self.graph_reasoning = JointGraphReasoning(num_joints, CHANNELS)
        self.fuse = CBR(2 * CHANNELS, CHANNELS)
        self.to_offsets = nn.Conv2d(CHANNELS, 3 * num_joints, kernel_size=1, bias=False)

    def forward(self, x: Tensor, normalized_adjacency: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """Return (ll1 (B, C, H, W), offsets (B, 3, J, H, W), voting weights (B, J, H, W))."""
        ll = self.residual(self.hourglass(x))
        context, weights = self.graph_reasoning(ll, normalized_adjacency)
        ll1 = self.fuse(torch.cat([ll, context], dim=1))
        offsets = self.to_offsets(ll1)
        return ll1, offsets.unflatten(1, (3, -1)), weights


class StackLink(nn.Module):
    """Input of the next stack: x + CBR1x1(concat[ΔU, ΔV, ΔZ]) + CBR1x1(ll1)."""

    def __init__(self, num_joints: int):
        super().__init__()
        self.from_offsets = CBR(3 * num_joints, CHANNELS)
        self.from_features = CBR(CHANNELS, CHANNELS)

    def forward(self, x: Tensor, ll1: Tensor, offsets: Tensor) -> Tensor:
        return x + self.from_offsets(offsets.flatten(1, 2)) + self.from_features(ll1)


# --- 4. Decoding and the network -------------------------------------------------------------

def downsample_depth(depth: Tensor) -> Tensor:
    """
    Resize the (B, 1, 96, 96) normalised crop to the (B, 1, 24, 24) feature grid: D̃.

    Bilinear with half-pixel centres (``align_corners=False``, no antialias): each output pixel
    is the mean of the central 2x2 of its 4x4 input block. The authors used TF1's bilinear
    ``tf.image.resize_images`` (corner-aligned sampling, i.e. the block's top-left pixel); the
    half-pixel version keeps D̃ centred on the block. Decoding and offset targets both use this.
    """
    return F.interpolate(depth, size=(FEATURE_SIZE, FEATURE_SIZE), mode='bilinear',
                         align_corners=False)


def pixel_uvz(depth_24: Tensor) -> Tensor:
    """Return each feature pixel's own (u, v, z) = (x_p / 23, y_p / 23, D̃_p): (B, 3, 1, H, W)."""
    batch, _, height, width = depth_24.shape
    u = torch.arange(width, dtype=depth_24.dtype, device=depth_24.device) / (width - 1)
    v = torch.arange(height, dtype=depth_24.dtype, device=depth_24.device) / (height - 1)
    u_map = u.expand(batch, 1, height, width)
    v_map = v.unsqueeze(1).expand(batch, 1, height, width)
    return torch.cat([u_map, v_map, depth_24], dim=1).unsqueeze(2)


def decode_joints(weights: Tensor, offsets: Tensor, depth_24: Tensor) -> Tensor:
    """
    Decode joints: every pixel votes for joint j at its own (u, v, z) plus its offset, weight W.

    weights (B, J, H, W) summing to 1 over the pixels, offsets (B, 3, J, H, W) = ΔU, ΔV, ΔZ,
    depth_24 (B, 1, H, W) = D̃. Returns (B, J, 3): u_j = sum_p W_jp (ΔU_jp + x_p / 23), v_j
    likewise, z_j = sum_p W_jp (ΔZ_jp + D̃_p).
    """
    # Float32 even under mixed precision: bfloat16 would round u, v to ~1 mm of the crop.
    votes = offsets.float() + pixel_uvz(depth_24.float())                   # (B, 3, J, H, W)
    return (weights.float().unsqueeze(1) * votes).sum(dim=(-2, -1)).transpose(1, 2)


class StackOutput(NamedTuple):
    """What one stack predicts; every stack is supervised."""

    uvz: Tensor        # (B, J, 3) decoded joints: u, v in [0, 1] of the crop, z normalised
    offsets: Tensor    # (B, 3, J, 24, 24) ΔU, ΔV, ΔZ of every pixel to every joint
    weights: Tensor    # (B, J, 24, 24) voting weights W, each joint's sum to 1


class JGRP2O(nn.Module):
    """
    The JGR-P2O network: stem, ``num_stacks`` x (hourglass, JGR, pixel-to-offset), decoding.

    ``adjacency`` is the skeleton graph A (J x J, 0/1, symmetric, no self-loops); None takes
    the registered skeleton with ``num_joints`` joints (see :data:`DEFAULT_SKELETONS`). Its
    normalised form Ae is a non-persistent buffer: a model file names its skeleton instead.
    """

    input_size = INPUT_SIZE
    input_shape = (INPUT_SIZE, INPUT_SIZE)   # (height, width)

    def __init__(self, num_joints: int, num_stacks: int = 2,
                 adjacency: Optional[np.ndarray] = None):
        super().__init__()
        if num_stacks < 1:
            raise InputError(f'num_stacks must be at least 1, got {num_stacks}')
        if adjacency is None:
            adjacency = default_adjacency(num_joints)
        adjacency = np.asarray(adjacency, dtype=np.float32)
        check_adjacency(adjacency, num_joints)
        self.register_buffer('normalized_adjacency',
                             torch.from_numpy(normalize_adjacency(adjacency)), persistent=False)
        self.num_joints = num_joints
        self.stem = Stem()
        self.stacks = nn.ModuleList(PoseStack(num_joints) for _ in range(num_stacks))
        self.links = nn.ModuleList(StackLink(num_joints) for _ in range(num_stacks - 1))
        init_weights(self)

    def forward(self, depth: Tensor) -> list[StackOutput]:
        """Predict joints from (B, 1, 96, 96) normalised depth crops; one output per stack."""
        check_depth_batch(depth, INPUT_SIZE)
        depth_24 = downsample_depth(depth)
        x = self.stem(depth)
        outputs = []
        for index, stack in enumerate(self.stacks):
            ll1, offsets, weights = stack(x, self.normalized_adjacency)
            uvz = decode_joints(weights, offsets, depth_24)
            outputs.append(StackOutput(uvz, offsets, weights))
            if index < len(self.links):
                x = self.links[index](x, ll1, offsets)
        return outputs

    def infer(self, depth: Tensor) -> Tensor:
        """Return the last stack's joints (B, J, 3): the inference path."""
        return self(depth)[-1].uvz


def default_adjacency(num_joints: int) -> np.ndarray:
    """Return A of the registered skeleton with ``num_joints`` joints."""
    if num_joints not in DEFAULT_SKELETONS:
        raise InputError(f'no default skeleton has {num_joints} joints (known: '
                         f'{sorted(DEFAULT_SKELETONS)}); pass an adjacency matrix')
    return get_skeleton(DEFAULT_SKELETONS[num_joints]).adjacency()


def check_adjacency(adjacency: np.ndarray, num_joints: int) -> None:
    """Raise InputError unless ``adjacency`` is a symmetric 0/1 (J, J) matrix, zero diagonal."""
    if adjacency.shape != (num_joints, num_joints):
        raise InputError(f'adjacency must be ({num_joints}, {num_joints}) for {num_joints} '
                         f'joints, got shape {adjacency.shape}')
    if not np.isin(adjacency, (0, 1)).all() or not np.array_equal(adjacency, adjacency.T):
        raise InputError('adjacency must be a symmetric matrix of zeros and ones')
    if np.diagonal(adjacency).any():
        raise InputError('adjacency must have no self-loops (zero diagonal); Ae adds I itself')


def check_depth_batch(depth: Tensor, size: int) -> None:
    """Raise InputError unless ``depth`` is a float (B, 1, size, size) tensor; skip in tracing."""
    if torch.jit.is_tracing():     # the example input passed this check in eager mode
        return
    if not isinstance(depth, Tensor) or not depth.is_floating_point():
        raise InputError(f'depth must be a floating-point torch tensor, got {type(depth)}'
                         + (f' of {depth.dtype}' if isinstance(depth, Tensor) else ''))
    if depth.dim() != 4 or tuple(depth.shape[1:]) != (1, size, size):
        raise InputError(f'depth must have shape (B, 1, {size}, {size}), got '
                         f'{tuple(depth.shape)}')


def init_weights(model: nn.Module) -> None:
    """Initialise as the authors: conv/linear weights TN(0, 0.01), BN gamma TN(1, 0.01), bias 0."""
    cut = 2 * INIT_STD     # TensorFlow's truncated normal redraws beyond 2 std
    for module in model.modules():
        if isinstance(module, (nn.Conv2d, nn.Linear)):
            nn.init.trunc_normal_(module.weight, std=INIT_STD, a=-cut, b=cut)
        if isinstance(module, nn.BatchNorm2d):
            nn.init.trunc_normal_(module.weight, mean=1.0, std=INIT_STD, a=1 - cut, b=1 + cut)
        if isinstance(module, WEIGHTED_LAYERS) and module.bias is not None:
            nn.init.zeros_(module.bias)


# --- 5. Loss ---------------------------------------------------------------------------------

def huber(x: Tensor, delta: float = HUBER_DELTA) -> Tensor:
    """Return sum over all elements of 0.5 x^2 if |x| < delta else delta (|x| - delta / 2)."""
    return F.huber_loss(x, torch.zeros_like(x), reduction='sum', delta=delta)


def offset_targets(uvz: Tensor, depth_24: Tensor) -> Tensor:
    """
    Return the dense offset targets (B, 3, J, H, W) of joints ``uvz`` (B, J, 3).

    ΔU*_jp = u*_j - x_p / 23, ΔV*_jp = v*_j - y_p / 23, ΔZ*_jp = z*_j - D̃_p, over all pixels.
    """
    return uvz.transpose(1, 2)[..., None, None] - pixel_uvz(depth_24)


def jgr_p2o_loss(outputs: list[StackOutput], depth: Tensor, target_uvz: Tensor,
                 beta: float = OFFSET_LOSS_WEIGHT) -> tuple[Tensor, dict[str, float]]:
    """
    Return the paper's loss: sum over stacks of H(uv) + H(z) + beta (H(ΔU) + H(ΔV) + H(ΔZ)).

    Each H sums the Huber loss over joints, coordinates and (for offsets) pixels; the result is
    averaged over the batch. The authors summed over the batch (of 32) instead, so relative to
    their loss the L2 term was batch-size times weaker: to match their training, pass
    ``weight=L2_WEIGHT / batch_size`` to :func:`l2_regularization`.
    Returns (loss, parts) with parts 'uv', 'z', 'offset' (before beta) and 'total'.
    """
    if target_uvz.shape != outputs[-1].uvz.shape:
        raise InputError(f'target_uvz must have shape {tuple(outputs[-1].uvz.shape)}, '
                         f'got {tuple(target_uvz.shape)}')
    targets = offset_targets(target_uvz, downsample_depth(depth))
    batch = depth.shape[0]
    uv_loss = sum(huber(out.uvz[..., :2] - target_uvz[..., :2]) for out in outputs) / batch
    z_loss = sum(huber(out.uvz[..., 2] - target_uvz[..., 2]) for out in outputs) / batch
    offset_loss = sum(huber(out.offsets - targets) for out in outputs) / batch
    total = uv_loss + z_loss + beta * offset_loss
    parts = {'uv': uv_loss, 'z': z_loss, 'offset': offset_loss, 'total': total}
    return total, {name: value.item() for name, value in parts.items()}


def l2_regularization(model: nn.Module, weight: float = L2_WEIGHT) -> Tensor:
    """Return weight * sum of squares of all conv/linear weights and BN gammas (no biases)."""
    penalised = [module.weight for module in model.modules()
                 if isinstance(module, WEIGHTED_LAYERS)]
    return weight * sum(w.square().sum() for w in penalised)
