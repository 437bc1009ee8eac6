# Copyright 2026 jgr_ros contributors. MIT License.
"""
jgr-train under torchrun, recording per rank what it trained on (run by test_train.py).

Each rank writes ``rank<r>.json`` beside the run: the step it started from, the sample
indices of its batches per epoch and a hash of its final parameters.
"""
import hashlib
import json
import sys

from jgr_ros.training import train
import torch.distributed as dist


class RecordingTrainer(train.Trainer):
    """The real trainer, also noting the samples each rank draws and where it started."""

    def train(self, max_steps=None, max_minutes=None):
        self.started_at, self.indices = self.step, []
        super().train(max_steps, max_minutes)

    def _loader(self, epoch, skip_batches):
        loader = super()._loader(epoch, skip_batches)
        self.indices.append([int(i) for i in loader.sampler])   # one list per epoch
        return loader

    def export(self, path, command, metrics):
        # Parameters only: BatchNorm's running statistics are each rank's own (DDP broadcasts
        # rank 0's before every forward pass, and only rank 0 saves).
        weights = b''.join(value.detach().cpu().numpy().tobytes()
                           for value in self.model.parameters())
        record = {'rank': dist.get_rank(), 'started_at': self.started_at,
                  'indices': self.indices, 'step': self.step,
                  'weights_sha256': hashlib.sha256(weights).hexdigest()}
        (self.output / f'rank{dist.get_rank()}.json').write_text(json.dumps(record))
        super().export(path, command, metrics)


if __name__ == '__main__':
    train.Trainer = RecordingTrainer
    sys.exit(train.main(sys.argv[1:]))
