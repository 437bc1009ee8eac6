# Copyright 2026 jgr_ros contributors. MIT License.
"""jgr-train end to end on a tiny synthetic run: checkpoints, resume, metrics log, model file."""
import json
import os
import pathlib
import subprocess
import sys

from jgr_ros.model_file import load_model
from jgr_ros.training.train import lr_factor, main, TrainConfig
import numpy as np
import pytest
import torch
import yaml

TINY = {
    'kind': 'jgr_p2o', 'skeleton': 'mano21', 'num_stacks': 1, 'cube_mm': 250.0,
    'data': {'type': 'synthetic', 'seeds': [1000000, 1000012]},
    'val_data': {'type': 'synthetic', 'seeds': [2000, 2002]},
    'batch_size': 4, 'epochs': 2, 'warmup_iters': 2, 'num_workers': 0, 'threads': 1,
    'checkpoint_every': 2,
}


def write_config(tmp_path, **overrides):
    path = tmp_path / 'config.yaml'
    path.write_text(yaml.safe_dump({**TINY, **overrides}))
    return str(path)


@pytest.mark.slow
def test_train_checkpoint_resume_and_export(tmp_path):
    config, run = write_config(tmp_path), tmp_path / 'run'
    assert main(['--config', config, '--output', str(run), '--max-steps', '2']) == 0
    assert (run / 'checkpoint.pt').exists() and (run / 'model.pt').exists()
    assert main(['--config', config, '--output', str(run), '--resume']) == 0
    records = [json.loads(line) for line in (run / 'metrics.jsonl').read_text().splitlines()]
    steps = [r['step'] for r in records if 'val_mean_error_mm' in r]
    assert steps[-1] == 6, 'resumed at step 2 and finished 2 epochs of 3 steps'
    assert all(r['val_mean_error_mm'] > 0 for r in records if 'val_mean_error_mm' in r)
    model, info = load_model(run / 'model.pt', expected_kind='jgr_p2o')
    assert info.skeleton == 'mano21' and info.provenance['steps'] == 6
    assert info.provenance['command'].startswith('jgr-train')


@pytest.mark.slow
def test_center_refine_training_runs(tmp_path):
    config = write_config(tmp_path, kind='center_refine', batch_size=2, epochs=1)
    assert main(['--config', config, '--output', str(tmp_path / 'run')]) == 0


@pytest.mark.slow
def test_bfloat16_mixed_precision_training_runs(tmp_path):
    config, run = write_config(tmp_path, autocast='bfloat16'), tmp_path / 'run'
    assert main(['--config', config, '--output', str(run), '--max-steps', '2']) == 0
    records = [json.loads(line) for line in (run / 'metrics.jsonl').read_text().splitlines()]
    assert records[-1]['step'] == 2 and records[-1]['val_mean_error_mm'] > 0


def test_unknown_config_keys_are_rejected(tmp_path):
    with pytest.raises(ValueError, match='unknown keys'):
        TrainConfig.from_yaml(write_config(tmp_path, learning_rate=1.0))


def test_a_run_file_with_a_base_states_only_what_it_changes(tmp_path):
    base = write_config(tmp_path, data=[{'type': 'synthetic', 'seeds': [0, 10], 'world': 'wide'},
                                        {'type': 'synthetic', 'seeds': [20, 30]}])
    run = tmp_path / 'continued.yaml'
    run.write_text(yaml.safe_dump({'base': pathlib.Path(base).name, 'lr': 1e-5,
                                   'data': [{'seeds': [10, 20]}, {'seeds': [30, 40]}]}))
    config = TrainConfig.from_yaml(str(run))
    assert config.lr == 1e-5 and config.batch_size == TINY['batch_size']
    assert config.data == [{'type': 'synthetic', 'seeds': [10, 20], 'world': 'wide'},
                           {'type': 'synthetic', 'seeds': [30, 40]}]


def test_shipped_continuation_runs_inherit_their_base():
    train_dir = pathlib.Path(__file__).parents[1] / 'config' / 'train'
    base = TrainConfig.from_yaml(str(train_dir / 'jgr_p2o_wide4_mano21_cpu.yaml'))
    continued = TrainConfig.from_yaml(str(train_dir / 'jgr_p2o_wide7_mano21_cpu.yaml'))
    assert [source['seeds'] for source in continued.data] == [[3500000, 3600000],
                                                              [1220000, 1260000]]
    assert continued.data[0]['config'] == base.data[0]['config']
    assert (continued.lr, continued.lr_drops, continued.val_data) == \
        (base.lr, base.lr_drops, base.val_data)


def test_lr_schedule_warms_up_then_decays_per_epoch():
    assert lr_factor(0, 100, 1000, 0.96) == pytest.approx(1 / 3)
    assert lr_factor(50, 100, 1000, 0.96) == pytest.approx(2 / 3)
    assert lr_factor(100, 100, 1000, 0.96) == pytest.approx(1.0)
    assert lr_factor(2500, 100, 1000, 0.96) == pytest.approx(0.96 ** 2)
    assert lr_factor(2500, 100, 1000, 0.96, [[2000, 0.1]]) == pytest.approx(0.96 ** 2 * 0.1)
    assert lr_factor(1999, 100, 1000, 0.96, [[2000, 0.1]]) == pytest.approx(0.96)


@pytest.mark.slow
def test_init_starts_from_a_model_file_and_resume_prefers_the_checkpoint(tmp_path):
    config, first, second = write_config(tmp_path), tmp_path / 'first', tmp_path / 'second'
    assert main(['--config', config, '--output', str(first), '--max-steps', '2']) == 0
    assert main(['--config', config, '--output', str(second), '--init',
                 str(first / 'model.pt'), '--max-steps', '0']) == 0
    start, _ = load_model(first / 'model.pt')
    copied, info = load_model(second / 'model.pt')
    for name, value in start.state_dict().items():
        assert torch.equal(value, copied.state_dict()[name]), name
    assert info.provenance['steps'] == 0
    # --resume with a checkpoint ignores --init: the run goes on from step 2.
    assert main(['--config', config, '--output', str(first), '--resume', '--init',
                 str(second / 'model.pt'), '--max-steps', '1']) == 0
    assert load_model(first / 'model.pt')[1].provenance['steps'] == 3


@pytest.mark.slow
def test_max_minutes_stops_early_with_a_checkpoint(tmp_path):
    config, run = write_config(tmp_path, epochs=50), tmp_path / 'run'
    assert main(['--config', config, '--output', str(run), '--max-minutes', '0.0001']) == 0
    state = torch.load(run / 'checkpoint.pt', weights_only=True)
    assert 1 <= state['step'] < 50 * 3
    assert load_model(run / 'model.pt')[1].provenance['steps'] == state['step']


@pytest.mark.slow
def test_distributed_training_on_two_processes_and_resume(tmp_path):
    config, run = write_config(tmp_path, epochs=6), tmp_path / 'run'   # 1 step per epoch
    worker = pathlib.Path(__file__).with_name('ddp_train_worker.py')

    def torchrun(*args):
        command = [sys.executable, '-m', 'torch.distributed.run', '--standalone',
                   '--nproc_per_node=2', str(worker), '--config', config, '--output', str(run),
                   *args]
        done = subprocess.run(command, capture_output=True, text=True, timeout=300,
                              env={**os.environ, 'OMP_NUM_THREADS': '1'})
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
        return [json.loads((run / f'rank{rank}.json').read_text()) for rank in (0, 1)]

    ranks = torchrun('--max-steps', '2')
    assert ranks[0]['weights_sha256'] == ranks[1]['weights_sha256']   # DDP kept them equal
    assert ranks[0]['step'] == ranks[1]['step'] == 2
    for epoch0, epoch1 in zip(ranks[0]['indices'], ranks[1]['indices']):
        assert epoch0 and epoch1 and not set(epoch0) & set(epoch1)   # different samples
    ranks = torchrun('--resume', '--max-steps', '2')
    assert [rank['started_at'] for rank in ranks] == [2, 2]           # from the checkpoint
    assert ranks[0]['step'] == 4 and ranks[0]['weights_sha256'] == ranks[1]['weights_sha256']
    assert torch.load(run / 'checkpoint.pt', weights_only=True)['step'] == 4


def test_pooled_sources_hold_every_frame_of_each_world():
    from jgr_ros.training import sources
    pooled = sources.build([{'type': 'synthetic', 'seeds': [3000000, 3000003]},
                            {'type': 'synthetic', 'seeds': [1000000, 1000002],
                             'world': 'narrow'}], 'mano21')
    assert len(pooled) == 5
    narrow = sources.build({'type': 'synthetic', 'seeds': [1000000, 1000002],
                            'world': 'narrow'}, 'mano21')
    np.testing.assert_array_equal(pooled[4].joints_mm, narrow[1].joints_mm)
    with pytest.raises(IndexError):
        pooled[5]
    with pytest.raises(ValueError, match='world'):
        sources.build({'type': 'synthetic', 'seeds': [0, 1], 'world': 'moon'}, 'mano21')


@pytest.mark.slow
def test_hand_detector_training_validates_and_exports(tmp_path):
    data = {'type': 'synthetic_hands', 'seeds': [5000000, 5000008], 'no_hand_probability': 0.25}
    config = write_config(tmp_path, kind='hand_detector', batch_size=4, epochs=1, data=data,
                          val_data={**data, 'seeds': [2500, 2503]})
    run = tmp_path / 'run'
    assert main(['--config', config, '--output', str(run)]) == 0
    records = [json.loads(line) for line in (run / 'metrics.jsonl').read_text().splitlines()]
    assert 0.0 <= records[-1]['val_detection_error_mm'] <= 300.0
    model, info = load_model(run / 'model.pt', expected_kind='hand_detector')
    assert info.input_size == 160 and tuple(model.input_shape) == (120, 160)


@pytest.mark.slow
def test_a_finer_detector_starts_from_a_coarser_ones_shared_layers(tmp_path, capsys):
    data = {'type': 'synthetic_hands', 'seeds': [5000000, 5000004], 'no_hand_probability': 0.0}
    coarse = tmp_path / 'coarse'
    config = write_config(tmp_path, kind='hand_detector', batch_size=4, epochs=1, data=data,
                          val_data=None)
    assert main(['--config', config, '--output', str(coarse)]) == 0
    fine = tmp_path / 'fine'
    config = write_config(tmp_path, kind='hand_detector', batch_size=4, epochs=1, data=data,
                          val_data=None, output_stride=2, lr=0.0, warmup_iters=0)
    assert main(['--config', config, '--output', str(fine), '--init',
                 str(coarse / 'model.pt')]) == 0
    assert "freshly initialised: ['fuse_half.0', 'fuse_half.1', 'lateral_half']" \
        in capsys.readouterr().out
    coarse_model, _ = load_model(coarse / 'model.pt')
    fine_model, info = load_model(fine / 'model.pt')
    assert info.output_stride == 2 and fine_model.output_stride == 2
    assert torch.equal(fine_model.stem[0].weight, coarse_model.stem[0].weight)   # lr 0


@pytest.mark.slow
def test_a_detector_with_context_starts_as_the_one_without(tmp_path, capsys):
    data = {'type': 'synthetic_hands', 'seeds': [5000000, 5000004], 'no_hand_probability': 0.0}
    plain = tmp_path / 'plain'
    config = write_config(tmp_path, kind='hand_detector', batch_size=4, epochs=1, data=data,
                          val_data=None, output_stride=2)
    assert main(['--config', config, '--output', str(plain)]) == 0
    wider = tmp_path / 'wider'
    config = write_config(tmp_path, kind='hand_detector', batch_size=4, epochs=1, data=data,
                          val_data=None, output_stride=2, context=True, lr=0.0, warmup_iters=0)
    assert main(['--config', config, '--output', str(wider), '--init',
                 str(plain / 'model.pt')]) == 0
    assert 'context False -> True' in capsys.readouterr().out
    plain_model, _ = load_model(plain / 'model.pt')
    wider_model, info = load_model(wider / 'model.pt')
    assert info.context and wider_model.context
    assert torch.equal(wider_model.down8[3][0].weight, plain_model.down8[3][0].weight)  # lr 0
    assert not wider_model.lateral16.weight.any()     # the branch still joins with zero
