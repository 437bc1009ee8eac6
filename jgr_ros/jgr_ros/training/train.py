# Copyright 2026 jgr_ros contributors. MIT License.
"""
jgr-train: train JGR-P2O, the centre-refinement network or the hand detector from one YAML config.

    jgr-train --config config/train/synthetic_mano21.yaml --output runs/pose
    jgr-train --config ... --output runs/pose --resume          # continue from the checkpoint
    torchrun --nproc_per_node=4 -m jgr_ros.training.train ...    # DistributedDataParallel

The authors' recipe (JGR-P2O.md): Adam(betas=(0.5, 0.999)), lr x 0.96 every epoch after a
100-iteration warm-up from lr / 3, batch 32, L2 2.5e-5 on weights, every stack supervised.
A checkpoint (model, optimiser, schedule, step) is written every ``checkpoint_every`` steps;
``metrics.jsonl`` logs losses, learning rate, throughput and validation errors.
"""
import argparse
from dataclasses import asdict, dataclass, field, fields
import datetime
import json
import math
import os
import pathlib
import subprocess
import sys
import time

from jgr_ros.center_net import center_refine_loss, CenterRefineNet
from jgr_ros.crop import crop_to_camera
from jgr_ros.detector_net import (
    decode_centers,
    DEPTH_WEIGHT,
    detector_input,
    detector_loss,
    HandDetectorNet,
    OUTPUT_STRIDES,
)
from jgr_ros.model import jgr_p2o_loss, JGRP2O, l2_regularization
from jgr_ros.model_file import INPUT_SIZES, load_model, ModelInfo, save_model
from jgr_ros.skeletons import get_skeleton
from jgr_ros.training import sources
from jgr_ros.training.datasets import CenterSamples, LabelledFrame, PoseSamples
from jgr_ros.training.detection import DetectorSamples, HandsFrame
from jgr_ros.training.samples import (
    AugmentationConfig,
    CropTransform,
    make_center_sample,
    make_pose_sample,
)
import numpy as np
import torch
from torch import nn
import torch.distributed as dist
from tqdm import tqdm
import yaml


@dataclass
class TrainConfig:
    """Everything one experiment needs; loaded from YAML (unknown keys are an error)."""

    kind: str = 'jgr_p2o'                 # or 'center_refine', 'hand_detector'
    skeleton: str = 'mano21'
    num_stacks: int = 2
    output_stride: int = OUTPUT_STRIDES[0]  # hand detector: input pixels per output cell
    context: bool = False                 # hand detector: its 1/16 context branch
    cube_mm: float = 250.0
    data: dict | list = field(default_factory=lambda: {'type': 'synthetic'})  # list: pooled
    val_data: dict | None = None
    batch_size: int = 32
    lr: float = 2e-4
    betas: tuple[float, float] = (0.5, 0.999)
    lr_decay_per_epoch: float = 0.96
    lr_drops: list = field(default_factory=list)  # [[step, factor], ...]: x factor from step on
    warmup_iters: int = 100
    weight_decay: float = 2.5e-5
    epochs: int = 58
    offset_loss_beta: float = 1e-4
    augmentation: dict = field(default_factory=dict)
    center_offset_sigma_mm: float = 30.0  # centre-refinement: error of the initial centre
    detector_depth_weight: float = DEPTH_WEIGHT   # hand detector: weight of its depth loss
    num_workers: int = 2
    threads: int = 0                      # torch CPU threads (0: PyTorch's default)
    device: str = 'auto'
    checkpoint_every: int = 500
    channels_last: bool = True            # NHWC: about 25% faster training on CPU
    autocast: str | None = None           # 'bfloat16': mixed precision (CPU with AVX512-BF16, GPU)
    seed: int = 0

    @classmethod
    def from_yaml(cls, path: str) -> 'TrainConfig':
        """
        Load a run file; ``base: other.yaml`` (beside it) names the run it continues.

        A run with a base states only what it changes: its keys are merged over the base's
        (see ``merge_config``), so a continuation on fresh seeds is a header and two seed ranges.
        """
        raw = _read_run_file(pathlib.Path(path))
        known = {f.name for f in fields(cls)}
        unknown = set(raw) - known
        if unknown:
            raise ValueError(f'{path}: unknown keys {sorted(unknown)}; known: {sorted(known)}')
        return cls(**raw)


def _read_run_file(path: pathlib.Path) -> dict:
    raw = yaml.safe_load(path.read_text()) or {}
    base = raw.pop('base', None)
    return merge_config(_read_run_file(path.parent / base), raw) if base else raw


def merge_config(base, override):
    """
    Merge a run's ``override`` over its ``base``.

    Dicts merge key by key; a list of dicts as long as the base's list merges item by item
    (``data: [{seeds: ...}, {seeds: ...}]`` changes only the seeds of the two sources); any
    other value replaces the base's.
    """
    if isinstance(base, dict) and isinstance(override, dict):
        return {**base, **{k: merge_config(base.get(k), v) for k, v in override.items()}}
    if (isinstance(base, list) and isinstance(override, list) and len(base) == len(override)
            and all(isinstance(item, dict) for item in base + override)):
        return [merge_config(b, o) for b, o in zip(base, override)]
    return override


VALIDATION_KEYS = {'jgr_p2o': 'val_mean_error_mm', 'center_refine': 'val_center_error_mm',
                   'hand_detector': 'val_detection_error_mm'}
# Detector validation: hands above this score count; a missed hand (or a false one) counts
# this error, so one number covers accuracy, misses and false alarms.
VALIDATION_MIN_SCORE = 0.3
MISSED_HAND_ERROR_MM = 300.0


def lr_factor(step: int, warmup_iters: int, steps_per_epoch: int, decay_per_epoch: float,
              drops: list | tuple = ()) -> float:
    """
    Warm-up linearly from lr/3 over ``warmup_iters``, then x ``decay_per_epoch`` per epoch.

    ``drops`` ([step, factor] pairs) multiply the rate by ``factor`` from ``step`` on: a run far
    shorter than the paper's 58 epochs anneals with them instead of the slow per-epoch decay.
    """
    warmup = 1.0 / 3.0 + (2.0 / 3.0) * min(1.0, step / warmup_iters) if warmup_iters else 1.0
    dropped = math.prod(factor for start, factor in drops if step >= start)
    return warmup * decay_per_epoch ** (step // steps_per_epoch) * dropped


class Trainer:
    """One training run: model, data, optimiser, schedule, checkpoints and the metrics log."""

    def __init__(self, config: TrainConfig, output: pathlib.Path):
        self.config, self.output = config, output
        self.distributed = 'WORLD_SIZE' in os.environ
        self.device = self._init_device()
        self.is_main = not self.distributed or dist.get_rank() == 0
        self.skeleton = get_skeleton(config.skeleton)
        self.train_frames = sources.build(config.data, config.skeleton)
        self.val_frames = sources.build(config.val_data, config.skeleton) if config.val_data \
            else None
        self.memory_format = (torch.channels_last if config.channels_last
                              else torch.contiguous_format)
        self.model = self._build_model().to(self.device, memory_format=self.memory_format)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=config.lr,
                                          betas=tuple(config.betas))
        self.steps_per_epoch = max(1, len(self.train_frames) // self._global_batch())
        self.scheduler = torch.optim.lr_scheduler.LambdaLR(self.optimizer, self._lr_factor)
        self.step = 0
        self.val_frames_cap: int | None = None   # fewer validation frames (quick runs)
        self.ddp_model = (nn.parallel.DistributedDataParallel(self.model) if self.distributed
                          else self.model)

    def _init_device(self) -> torch.device:
        if self.config.threads:
            torch.set_num_threads(self.config.threads)
        if self.distributed:
            backend = 'nccl' if torch.cuda.is_available() else 'gloo'
            dist.init_process_group(backend)
        if self.config.device == 'auto':
            if not torch.cuda.is_available():
                return torch.device('cpu')
            local_rank = int(os.environ.get('LOCAL_RANK', 0))
            torch.cuda.set_device(local_rank)
            return torch.device('cuda', local_rank)
        return torch.device(self.config.device)

    def _global_batch(self) -> int:
        world = dist.get_world_size() if self.distributed else 1
        return self.config.batch_size * world

    def _build_model(self) -> nn.Module:
        if self.config.kind == 'jgr_p2o':
            return JGRP2O(self.skeleton.num_joints, self.config.num_stacks,
                          adjacency=self.skeleton.adjacency())
        if self.config.kind == 'center_refine':
            return CenterRefineNet()
        if self.config.kind == 'hand_detector':
            return HandDetectorNet(self.config.output_stride, self.config.context)
        raise ValueError(f'unknown model kind {self.config.kind!r}')

    def _lr_factor(self, step: int) -> float:
        return lr_factor(step, self.config.warmup_iters, self.steps_per_epoch,
                         self.config.lr_decay_per_epoch, self.config.lr_drops)

    def _samples(self, epoch: int) -> torch.utils.data.Dataset:
        seed = self.config.seed * 1000 + epoch  # fresh augmentation every epoch
        if self.config.kind == 'jgr_p2o':
            return PoseSamples(self.train_frames, self.skeleton, self.config.cube_mm,
                               AugmentationConfig(**self.config.augmentation), seed)
        if self.config.kind == 'hand_detector':
            return DetectorSamples(self.train_frames, self.config.output_stride, seed)
        return CenterSamples(self.train_frames, self.skeleton, self.config.cube_mm,
                             self.config.center_offset_sigma_mm, seed)

    def _loader(self, epoch: int, skip_batches: int) -> torch.utils.data.DataLoader:
        """Return the epoch's batches in a fixed shuffled order, less ``skip_batches``."""
        dataset = self._samples(epoch)
        if self.distributed:
            order = torch.utils.data.DistributedSampler(dataset, seed=self.config.seed)
            order.set_epoch(epoch)
        else:
            order = torch.utils.data.RandomSampler(
                dataset, generator=torch.Generator().manual_seed(self.config.seed + epoch))
        indices = list(order)[skip_batches * self.config.batch_size:]  # resume without reloading
        return torch.utils.data.DataLoader(
            dataset, batch_size=self.config.batch_size, sampler=indices, drop_last=True,
            num_workers=self.config.num_workers, pin_memory=self.device.type == 'cuda')

    def _forward(self, inputs: torch.Tensor):
        """Run the model, in mixed precision when the config asks (weights stay float32)."""
        if not self.config.autocast:
            return self.ddp_model(inputs)
        with torch.autocast(self.device.type, dtype=getattr(torch, self.config.autocast)):
            return self.ddp_model(inputs)

    def _loss(self, inputs: torch.Tensor, targets: torch.Tensor) -> tuple[torch.Tensor, dict]:
        outputs = self._forward(inputs)
        if self.config.kind == 'jgr_p2o':
            loss, parts = jgr_p2o_loss(outputs, inputs, targets, beta=self.config.offset_loss_beta)
        elif self.config.kind == 'hand_detector':
            loss, parts = detector_loss(outputs.float(), inputs, targets,
                                        self.config.detector_depth_weight)
        else:
            loss = center_refine_loss(outputs, targets)
            parts = {'mse': loss.item()}
        # The authors summed the loss over the batch; ours is a batch mean, so the same relative
        # strength of the L2 term is weight_decay / batch_size.
        l2 = l2_regularization(self.model, self.config.weight_decay / self.config.batch_size)
        return loss + l2, {**parts, 'l2': l2.item()}

    def train(self, max_steps: int | None = None, max_minutes: float | None = None) -> None:
        """Train until the schedule ends, ``max_steps`` more steps or ``max_minutes`` pass."""
        total_steps = self.config.epochs * self.steps_per_epoch
        if max_steps is not None:
            total_steps = min(total_steps, self.step + max_steps)
        deadline = None if max_minutes is None else time.monotonic() + 60.0 * max_minutes
        progress = tqdm(total=total_steps, initial=self.step, disable=not self.is_main,
                        dynamic_ncols=True, desc=self.config.kind)
        self.model.train()
        while self.step < total_steps:
            epoch = self.step // self.steps_per_epoch
            done_in_epoch = self.step % self.steps_per_epoch  # resuming mid-epoch
            tick = time.perf_counter()
            for inputs, targets in self._loader(epoch, done_in_epoch):
                inputs = inputs.to(self.device, memory_format=self.memory_format,
                                   non_blocking=True)
                loss, parts = self._loss(inputs, targets.to(self.device, non_blocking=True))
                self.optimizer.zero_grad(set_to_none=True)
                loss.backward()
                self.optimizer.step()
                self.scheduler.step()
                self.step += 1
                loss = loss.item()
                images_per_s = self._global_batch() / (time.perf_counter() - tick)
                tick = time.perf_counter()
                progress.update(1)
                progress.set_postfix(loss=f'{loss:.4f}', img_s=f'{images_per_s:.1f}')
                if self.step % 20 == 0:
                    self._log({'step': self.step, 'epoch': epoch, 'loss': loss, **parts,
                               'lr': self.scheduler.get_last_lr()[0],
                               'images_per_s': images_per_s})
                if self._out_of_time(deadline):
                    total_steps = self.step
                if self.step % self.config.checkpoint_every == 0 or self.step >= total_steps:
                    self.save_checkpoint()
                    self._log({'step': self.step, **self.validate()})
                if self.step >= total_steps or self.step % self.steps_per_epoch == 0:
                    break
        progress.close()

    def _out_of_time(self, deadline: float | None) -> bool:
        """Whether the time budget is spent; under DDP every rank stops at the same step."""
        if deadline is None:
            return False
        spent = torch.tensor(float(time.monotonic() >= deadline), device=self.device)
        if self.distributed:
            dist.all_reduce(spent, op=dist.ReduceOp.MAX)
        return bool(spent.item())

    @torch.no_grad()
    def validate(self, max_frames: int = 200) -> dict:
        """Mean 3-D error (mm) on the validation frames, cropped at the ground-truth centre."""
        if self.val_frames is None or not self.is_main:
            return {}
        self.model.eval()
        count = min(max_frames, len(self.val_frames), self.val_frames_cap or max_frames)
        errors = [self._frame_error_mm(self.val_frames[i], i) for i in range(count)]
        self.model.train()
        return {VALIDATION_KEYS[self.config.kind]: float(np.mean(errors))}

    def _frame_error_mm(self, frame: LabelledFrame | HandsFrame, index: int) -> float:
        if self.config.kind == 'hand_detector':
            return self._detection_error_mm(frame)
        if self.config.kind == 'jgr_p2o':
            depth, _, crop = make_pose_sample(frame.depth_mm, frame.camera, frame.joints_mm,
                                              self.skeleton, self.config.cube_mm, CropTransform())
            uvz = self.model.infer(torch.from_numpy(depth)[None].to(self.device))[0]
            joints_mm = crop_to_camera(uvz.cpu().numpy(), crop, frame.camera)
            return float(np.nanmean(np.linalg.norm(joints_mm - frame.joints_mm, axis=-1)))
        depth, target = make_center_sample(
            frame.depth_mm, frame.camera, frame.joints_mm, self.skeleton, self.config.cube_mm,
            np.random.default_rng(index), self.config.center_offset_sigma_mm)
        offset = self.model(torch.from_numpy(depth)[None].to(self.device))[0].cpu().numpy()
        return float(np.linalg.norm(offset - target) * self.config.cube_mm / 2.0)

    def _detection_error_mm(self, frame: HandsFrame) -> float:
        """Mean over hands and false detections of the 3-D centre error, each capped."""
        frame_input = torch.from_numpy(detector_input(frame.depth_mm))[None, None]
        output = self.model.infer(frame_input.to(self.device))[0]
        found = decode_centers(output.cpu().numpy(), frame.depth_mm.shape, max_hands=2,
                               min_score=VALIDATION_MIN_SCORE)
        found_mm = frame.camera.back_project_uvd(found[:, :3]).reshape(-1, 3)
        distances_mm = np.linalg.norm(frame.centers_mm[:, None] - found_mm[None], axis=-1)
        errors = np.minimum(distances_mm.min(axis=1, initial=np.inf), MISSED_HAND_ERROR_MM)
        false_hands = np.count_nonzero(
            distances_mm.min(axis=0, initial=np.inf) > MISSED_HAND_ERROR_MM)
        return float(np.mean(np.append(errors, [MISSED_HAND_ERROR_MM] * false_hands))
                     if len(errors) or false_hands else 0.0)

    def _log(self, record: dict) -> None:
        if not self.is_main or len(record) <= 1:
            return
        record['time'] = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds')
        with open(self.output / 'metrics.jsonl', 'a') as log:
            log.write(json.dumps(record) + '\n')

    def save_checkpoint(self) -> None:
        if not self.is_main:
            return
        path = self.output / 'checkpoint.pt'
        torch.save({'model': self.model.state_dict(), 'optimizer': self.optimizer.state_dict(),
                    'scheduler': self.scheduler.state_dict(), 'step': self.step,
                    'config': asdict(self.config)}, path.with_suffix('.tmp'))
        path.with_suffix('.tmp').replace(path)  # atomic: a crash never leaves half a checkpoint

    def load_weights(self, path: pathlib.Path) -> None:
        """
        Start from a model file's weights (shipped model or kept candidate), fresh optimiser.

        A detector of another output stride, or without the context branch, gives every layer
        the two share; the layers only this one has keep their fresh initialisation (printed).
        """
        model, info = load_model(path, expected_kind=self.config.kind)
        if info.skeleton != self.config.skeleton or info.num_stacks != self.config.num_stacks:
            raise ValueError(f'{path}: a {info.skeleton} model with {info.num_stacks} stacks; the '
                             f'config trains {self.config.skeleton} with {self.config.num_stacks}')
        weights = {name: value.float() for name, value in model.state_dict().items()}
        if (info.output_stride, info.context) == (self.config.output_stride, self.config.context):
            self.model.load_state_dict(weights)
            return
        missing, unexpected = self.model.load_state_dict(weights, strict=False)
        if unexpected:
            raise ValueError(f'{path}: layers this detector lacks: {unexpected}')
        print(f'{path}: output stride {info.output_stride} -> {self.config.output_stride}, '
              f'context {info.context} -> {self.config.context}; freshly initialised: '
              f'{sorted({name.rsplit(".", 1)[0] for name in missing})}')

    def load_checkpoint(self) -> None:
        state = torch.load(self.output / 'checkpoint.pt', map_location=self.device,
                           weights_only=True)
        self.model.load_state_dict(state['model'])
        self.optimizer.load_state_dict(state['optimizer'])
        self.scheduler.load_state_dict(state['scheduler'])
        self.step = state['step']

    def export(self, path: pathlib.Path, command: str, metrics: dict) -> None:
        """Write the model file with everything needed to run it and where it came from."""
        if not self.is_main:
            return
        info = ModelInfo(
            kind=self.config.kind, skeleton=self.config.skeleton,
            num_joints=self.skeleton.num_joints, num_stacks=self.config.num_stacks,
            output_stride=self.config.output_stride, context=self.config.context,
            cube_mm=self.config.cube_mm,
            input_size=INPUT_SIZES[self.config.kind],
            provenance={'data': self.config.data, 'steps': self.step,
                        'images_seen': self.step * self._global_batch(),
                        'config': asdict(self.config), 'command': command, 'metrics': metrics,
                        'git_commit': _git_commit(),
                        'date': datetime.date.today().isoformat()})
        save_model(path, self.model, info, half=True)


def _git_commit() -> str:
    try:
        return subprocess.run(['git', 'rev-parse', 'HEAD'], capture_output=True, text=True,
                              check=True, cwd=pathlib.Path(__file__).parent).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return 'unknown'


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog='jgr-train', description=__doc__.split('\n\n')[0])
    parser.add_argument('--config', required=True, help='experiment YAML')
    parser.add_argument('--output', required=True, type=pathlib.Path,
                        help='run directory: checkpoint.pt, metrics.jsonl, model.pt')
    parser.add_argument('--resume', action='store_true', help='continue from the checkpoint')
    parser.add_argument('--init', type=pathlib.Path,
                        help='start from the weights of this model file (ignored with --resume '
                             'when the run has a checkpoint)')
    parser.add_argument('--max-steps', type=int, help='stop after this many more steps')
    parser.add_argument('--max-minutes', type=float, help='stop after this many minutes')
    parser.add_argument('--threads', type=int, help="override the config's CPU threads")
    parser.add_argument('--workers', type=int, help="override the config's data workers")
    parser.add_argument('--val-frames', type=int,
                        help='validate on at most this many frames (default: 200 during '
                             'training, 500 at the end)')
    args = parser.parse_args(argv)
    config = TrainConfig.from_yaml(args.config)
    if args.threads is not None:
        config.threads = args.threads
    if args.workers is not None:
        config.num_workers = args.workers
    args.output.mkdir(parents=True, exist_ok=True)
    trainer = Trainer(config, args.output)
    trainer.val_frames_cap = args.val_frames
    if args.resume and (args.output / 'checkpoint.pt').is_file():
        trainer.load_checkpoint()
    elif args.init is not None:
        trainer.load_weights(args.init)
    trainer.train(args.max_steps, args.max_minutes)
    metrics = trainer.validate(max_frames=500)
    command = ['jgr-train'] + (sys.argv[1:] if argv is None else argv)
    trainer.export(args.output / 'model.pt', ' '.join(command), metrics)
    if trainer.is_main:
        print(json.dumps({'step': trainer.step, **metrics}))
    if trainer.distributed:
        dist.destroy_process_group()
    return 0 if all(math.isfinite(v) for v in metrics.values()) else 1


if __name__ == '__main__':
    raise SystemExit(main())
