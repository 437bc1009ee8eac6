# Copyright 2026 jgr_ros contributors. MIT License.
"""
The hand detector: a small fully-convolutional network finding every hand in a whole frame.

CenterNet-style (Zhou et al., "Objects as Points", 2019), on depth:

- input: the frame resized (nearest neighbour: no mixing of valid and invalid pixels) to
  120 rows and normalised to [-1, 1] over 0-2 m (:func:`detector_input`); invalid and farther
  pixels are 1, the far plane, as in the pose crops. A 4:3 frame becomes 160 x 120 (and a
  taller one is stretched to it, as in training); a wider one keeps its aspect
  (:func:`input_width`: 848 x 480 becomes 208 x 120), so its hands keep the shape and size the
  network learned (on the hard_16x9 test set the detector alone found 75.55 % of the hands in
  frames squeezed to 160 x 120, 79.31 % at their aspect; models/hand_detector_mano21.md); the
  network is fully convolutional, so only the grid widens;
- an encoder to 1/8 resolution with dilated convolutions for context (a hand next to a head,
  a forearm, a bottle), one skip connection back to 1/4: a 40 x 30 grid of cells
  (``output_stride`` 4); with ``output_stride`` 2 a second skip connection from the first
  layer continues to 1/2, an 80 x 60 grid (finer centres, 64 % more multiply-adds);
- per cell (:data:`OUTPUT_CHANNELS`): the logit of "a hand centre is here" (the heat map),
  the centre's sub-cell offset (u, v, in cells) and its depth. The depth is a residual on the
  nearest surface of the cell's input pixels (4 x 4, or 2 x 2): ``z = nearest + 0.1 * dz``
  (normalised units, 0.1 = 100 mm), so the network only learns how far behind the surface the
  centre lies.

The hand centre is the pose crops' centre (mean of the wrist and the middle-finger root).
:func:`detector_loss` is CenterNet's: a penalty-reduced focal loss on the heat map (Gaussian
around each centre, sized by the hand's image size) and L1 on offset and depth at the centre
cells. :func:`decode_centers` turns outputs into (u, v, depth mm, score) per hand.
"""
import cv2
from jgr_ros.errors import InputError
import numpy as np
import torch
from torch import nn, Tensor
import torch.nn.functional as F

INPUT_WIDTH, INPUT_HEIGHT = 160, 120          # the input of a 4:3 frame (and of training)
MAX_INPUT_WIDTH = 2 * INPUT_WIDTH              # wider frames are squeezed to this
WIDTH_STEP = 8                                # input widths are multiples of the 1/8 grid
OUTPUT_STRIDES = (4, 2)                       # input pixels per output cell, first the default
FAR_MM = 2000.0                               # depth normalised over 0..FAR_MM to -1..1
DEPTH_STEP = 0.1                              # dz unit in normalised depth (100 mm)
HEAT, OFFSET_U, OFFSET_V, DEPTH = range(4)    # output channels
OUTPUT_CHANNELS = 4
# Target channels: the heat map (-1: ignore), offsets and normalised depth, regression mask.
TARGET_CHANNELS = 5
WIDTHS = (16, 32, 64)                         # channels at 1/2, 1/4 and 1/8 resolution
CONTEXT_WIDTH = 128                           # channels of the optional 1/16 context branch
FOCAL_ALPHA, FOCAL_BETA = 2.0, 4.0            # CenterNet's focal loss exponents
OFFSET_WEIGHT, DEPTH_WEIGHT = 1.0, 1.0


def input_width(image_shape: tuple[int, int]) -> int:
    """
    Return the input width for an (H, W) frame: its aspect at INPUT_HEIGHT rows.

    In multiples of WIDTH_STEP, from INPUT_WIDTH (4:3 and taller frames) to MAX_INPUT_WIDTH.
    """
    height, width = image_shape
    steps = round(INPUT_HEIGHT * width / (height * WIDTH_STEP))
    return int(np.clip(steps * WIDTH_STEP, INPUT_WIDTH, MAX_INPUT_WIDTH))


def detector_input(depth_mm: np.ndarray) -> np.ndarray:
    """(H, W) depth in mm (0 = invalid) -> (120, input_width) float32 in [-1, 1], far plane 1."""
    small_mm = cv2.resize(np.asarray(depth_mm, np.float32),
                          (input_width(depth_mm.shape), INPUT_HEIGHT),
                          interpolation=cv2.INTER_NEAREST)
    normalised = small_mm * np.float32(2.0 / FAR_MM) - np.float32(1.0)
    normalised[(small_mm <= 0.0) | (normalised > 1.0)] = 1.0
    return normalised


def output_grid(output_stride: int) -> tuple[int, int]:
    """(rows, columns) of the output grid at ``output_stride`` input pixels per cell."""
    if output_stride not in OUTPUT_STRIDES:
        raise InputError(f'the detector output_stride must be one of {OUTPUT_STRIDES}, got '
                         f'{output_stride}')
    return INPUT_HEIGHT // output_stride, INPUT_WIDTH // output_stride


def depth_to_normalised(depth_mm):
    """Map depth in mm to the input's normalised units (works on floats and arrays)."""
    return depth_mm * (2.0 / FAR_MM) - 1.0


def normalised_to_depth_mm(normalised):
    """Map the input's normalised units back to depth in mm."""
    return (normalised + 1.0) * (FAR_MM / 2.0)


def _conv(in_channels: int, out_channels: int, kernel_size: int = 3, stride: int = 1,
          dilation: int = 1) -> nn.Sequential:
    """Convolution ('same' padding) + BatchNorm + ReLU."""
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel_size, stride,
                  padding=dilation * (kernel_size // 2), dilation=dilation, bias=False),
        nn.BatchNorm2d(out_channels), nn.ReLU(inplace=True))


class HandDetectorNet(nn.Module):
    """
    (B, 1, 120, W) normalised frame -> (B, 4, rows, columns): heat logit, offset u, v, depth.

    W is :func:`input_width` of the frame (160 for 4:3). The grid is (30, W / 4) at
    ``output_stride`` 4, (60, W / 2) at 2 (:func:`output_grid`: the 4:3 grid); ``context`` adds
    the 1/16 branch.
    """

    input_shape = (INPUT_HEIGHT, INPUT_WIDTH)
    input_size = INPUT_WIDTH                  # model files record the width
    dynamic_width = True                      # exports take any input width (export.py)

    def __init__(self, output_stride: int = OUTPUT_STRIDES[0], context: bool = False):
        super().__init__()
        output_grid(output_stride)            # rejects an unknown stride
        self.output_stride, self.context = output_stride, context
        half, quarter, eighth = WIDTHS
        self.stem = _conv(1, half, 5, stride=2)                               # 1/2
        self.down4 = nn.Sequential(_conv(half, quarter, stride=2), _conv(quarter, quarter))
        self.down8 = nn.Sequential(_conv(quarter, eighth, stride=2), _conv(eighth, eighth),
                                   _conv(eighth, eighth, dilation=2),
                                   _conv(eighth, eighth, dilation=4))
        if context:
            self.down16 = nn.Sequential(_conv(eighth, CONTEXT_WIDTH, stride=2),
                                        _conv(CONTEXT_WIDTH, CONTEXT_WIDTH),
                                        _conv(CONTEXT_WIDTH, CONTEXT_WIDTH))
            self.lateral16 = nn.Conv2d(CONTEXT_WIDTH, eighth, 1)
            nn.init.zeros_(self.lateral16.weight)     # starts as the detector without it
            nn.init.zeros_(self.lateral16.bias)
        self.lateral = nn.Conv2d(eighth, quarter, 1)
        self.fuse = _conv(quarter, quarter)
        if output_stride == 2:
            self.lateral_half = nn.Conv2d(half, quarter, 1)
            self.fuse_half = _conv(quarter, quarter)
        self.head = nn.Conv2d(quarter, OUTPUT_CHANNELS, 1)
        # CenterNet's prior: start with a heat map of about 0.01 everywhere.
        nn.init.constant_(self.head.bias, 0.0)
        nn.init.constant_(self.head.bias[HEAT], -4.6)

    def forward(self, frame: Tensor) -> Tensor:
        """Return raw outputs: heat logits, offsets in cells, depth residual in DEPTH_STEPs."""
        if (frame.ndim != 4 or frame.shape[1:3] != (1, INPUT_HEIGHT)
                or not INPUT_WIDTH <= frame.shape[3] <= MAX_INPUT_WIDTH
                or frame.shape[3] % WIDTH_STEP):
            raise InputError(f'frames must have shape (B, 1, {INPUT_HEIGHT}, W), W a multiple '
                             f'of {WIDTH_STEP} from {INPUT_WIDTH} to {MAX_INPUT_WIDTH}, got '
                             f'{tuple(frame.shape)}')
        half = self.stem(frame)
        quarter = self.down4(half)
        eighth = self.down8(quarter)
        if self.context:                      # 1/16 has 8 rows for the 15 at 1/8: resize
            eighth = eighth + F.interpolate(self.lateral16(self.down16(eighth)),
                                            size=eighth.shape[-2:], mode='nearest')
        fused = self.fuse(quarter + _upsample(self.lateral(eighth)))
        if self.output_stride == 2:
            fused = self.fuse_half(self.lateral_half(half) + _upsample(fused))
        return self.head(fused)

    def infer(self, frame: Tensor) -> Tensor:
        """Return (B, 4, rows, cols): heat in 0..1, offsets in cells, depth in normalised units."""
        raw = self(frame)
        nearest = _nearest_surface(frame, self.output_stride)
        return torch.cat([torch.sigmoid(raw[:, HEAT:HEAT + 1]),
                          raw[:, OFFSET_U:OFFSET_V + 1],
                          nearest + DEPTH_STEP * raw[:, DEPTH:DEPTH + 1]], dim=1)


def _upsample(features: Tensor) -> Tensor:
    return F.interpolate(features, scale_factor=2.0, mode='nearest')


def _nearest_surface(frame: Tensor, output_stride: int) -> Tensor:
    """(B, 1, rows, cols): the nearest surface (normalised depth) of each cell's pixels."""
    return -F.max_pool2d(-frame, output_stride)


def detector_loss(raw: Tensor, frame: Tensor, target: Tensor,
                  depth_weight: float = DEPTH_WEIGHT) -> tuple[Tensor, dict]:
    """
    Return CenterNet's loss of raw outputs against (B, 5, rows, cols) :func:`make_target`.

    Focal loss on the heat map, normalised by the number of hands (cells marked -1 are
    ignored); L1 on the offsets and, times ``depth_weight``, on the depth (in DEPTH_STEPs) at
    the hands' centre cells.
    """
    heat_target, mask = target[:, 0], target[:, 4]
    known = heat_target >= 0.0
    log_p = F.logsigmoid(raw[:, HEAT])
    log_not_p = F.logsigmoid(-raw[:, HEAT])
    p = log_p.exp()
    positive = heat_target >= 1.0
    positive_loss = -((1.0 - p) ** FOCAL_ALPHA) * log_p
    negative_loss = -((1.0 - heat_target.clamp(0.0, 1.0)) ** FOCAL_BETA) * p ** FOCAL_ALPHA \
        * log_not_p
    focal = torch.where(positive, positive_loss, negative_loss)
    hands = mask.sum().clamp(min=1.0)
    heat_loss = (focal * known).sum() / hands
    nearest = _nearest_surface(frame, frame.shape[-1] // raw.shape[-1])[:, 0]
    depth = nearest + DEPTH_STEP * raw[:, DEPTH]
    offset_loss = ((raw[:, OFFSET_U] - target[:, 1]).abs()
                   + (raw[:, OFFSET_V] - target[:, 2]).abs()) * mask
    depth_loss = (depth - target[:, 3]).abs() / DEPTH_STEP * mask
    offset_loss, depth_loss = offset_loss.sum() / hands, depth_loss.sum() / hands
    loss = heat_loss + OFFSET_WEIGHT * offset_loss + depth_weight * depth_loss
    return loss, {'heat': heat_loss.item(), 'offset': offset_loss.item(),
                  'depth': depth_loss.item()}


def make_target(centers_uvd: np.ndarray, radii_px: np.ndarray, visible: np.ndarray,
                image_shape: tuple[int, int], output_stride: int = OUTPUT_STRIDES[0]
                ) -> np.ndarray:
    """
    Return the (5, rows, cols) float32 target of hands at ``centers_uvd`` (K, 3: pixels, mm).

    ``radii_px`` (K,) are the hands' radii in image pixels, ``image_shape`` (H, W) the frame's.
    A visible hand gets a Gaussian peak (sigma a third of its radius, at least 0.6 cells) and
    a regression target at its cell; an invisible one, or one whose centre is outside the
    image, an ignore disc (-1) over its radius: the loss neither rewards nor punishes there.
    """
    height, width = image_shape
    grid_rows, grid_cols = output_grid(output_stride)
    target = np.zeros((TARGET_CHANNELS, grid_rows, grid_cols), np.float32)
    ignore = np.zeros((grid_rows, grid_cols), bool)
    rows, cols = np.mgrid[:grid_rows, :grid_cols].astype(np.float32)
    scale = np.array([grid_cols / width, grid_rows / height], np.float32)
    for (u, v, depth_mm), radius_px, shown in zip(centers_uvd, radii_px, visible):
        cell_u, cell_v = np.array([u, v], np.float32) * scale
        radius_cells = float(radius_px * scale.mean())
        if not (shown and 0.0 <= cell_u < grid_cols and 0.0 <= cell_v < grid_rows):
            ignore |= (cols + 0.5 - cell_u) ** 2 + (rows + 0.5 - cell_v) ** 2 \
                <= max(radius_cells, 1.0) ** 2
            continue
        sigma = max(0.6, radius_cells / 3.0)
        column, row = int(cell_u), int(cell_v)
        gaussian = np.exp(-((cols - column) ** 2 + (rows - row) ** 2) / (2.0 * sigma ** 2))
        np.maximum(target[0], gaussian, out=target[0])
        target[1:, row, column] = (cell_u - column, cell_v - row,
                                   depth_to_normalised(depth_mm), 1.0)
    target[0][ignore & (target[0] < 1.0)] = -1.0
    return target


def decode_centers(output: np.ndarray, image_shape: tuple[int, int], max_hands: int,
                   min_score: float) -> np.ndarray:
    """
    Return (K, 4) hands (u, v pixels, depth mm, score) from one (4, rows, cols) inference output.

    Peaks are cells whose heat is the maximum of their 3 x 3 neighbourhood and at least
    ``min_score``, with a depth in front of the camera (the depth residual is unbounded); the
    ``max_hands`` highest are returned, best first.
    """
    heat = np.ascontiguousarray(output[HEAT], dtype=np.float32)
    neighbourhood_max = cv2.dilate(heat, np.ones((3, 3), np.uint8))
    in_front = normalised_to_depth_mm(output[DEPTH]) > 0.0
    rows, cols = np.nonzero((heat >= neighbourhood_max) & (heat >= min_score) & in_front)
    order = np.argsort(-heat[rows, cols])[:max_hands]
    rows, cols = rows[order], cols[order]
    height, width = image_shape
    grid_rows, grid_cols = heat.shape
    u = (cols + output[OFFSET_U, rows, cols]) * (width / grid_cols)
    v = (rows + output[OFFSET_V, rows, cols]) * (height / grid_rows)
    depth_mm = normalised_to_depth_mm(output[DEPTH, rows, cols])
    return np.stack([u, v, depth_mm, heat[rows, cols]], axis=-1).astype(np.float32)
