# Copyright 2026 jgr_ros contributors. MIT License.
"""jgr-train end to end on a tiny synthetic run: checkpoints, resume, metrics log, model file."""
import json

from jgr_ros.model_file import load_model
from jgr_ros.training.train import lr_factor, main, TrainConfig
import pytest
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


def test_lr_schedule_warms_up_then_decays_per_epoch():
    assert lr_factor(0, 100, 1000, 0.96) == pytest.approx(1 / 3)
    assert lr_factor(50, 100, 1000, 0.96) == pytest.approx(2 / 3)
    assert lr_factor(100, 100, 1000, 0.96) == pytest.approx(1.0)
    assert lr_factor(2500, 100, 1000, 0.96) == pytest.approx(0.96 ** 2)
    assert lr_factor(2500, 100, 1000, 0.96, [[2000, 0.1]]) == pytest.approx(0.96 ** 2 * 0.1)
    assert lr_factor(1999, 100, 1000, 0.96, [[2000, 0.1]]) == pytest.approx(0.96)
