# Copyright 2026 jgr_ros contributors. MIT License.
"""tools/gpu_train.sh end to end on this CPU with a tiny budget: every result file it promises."""

import json
import os
import pathlib
import subprocess
import sys

from jgr_ros.model_file import load_model
import pytest

SCRIPT = pathlib.Path(__file__).resolve().parents[2] / 'tools' / 'gpu_train.sh'


@pytest.mark.slow
@pytest.mark.data
@pytest.mark.timeout(600)
def test_one_shot_run_trains_both_networks_and_writes_every_result(tmp_path, shared_data):
    out = tmp_path / 'out'
    env = {**os.environ, 'PYTHON': sys.executable, 'OMP_NUM_THREADS': '1'}
    done = subprocess.run([str(SCRIPT), str(out), '0.02', '2'], capture_output=True, text=True,
                          env=env, timeout=540)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    for network, kind in (('pose', 'jgr_p2o'), ('center', 'center_refine')):
        _, info = load_model(out / network / 'model.pt', expected_kind=kind)
        assert info.provenance['steps'] >= 1
        assert '--init' in info.provenance['command']   # fine-tuned from the shipped weights
        assert (out / network / 'metrics.jsonl').read_text()
    for name in ('synthetic', 'hard'):
        results = json.loads((out / 'eval' / f'{name}_test_results.json').read_text())
        assert results['set'] == name and results['frames'] == 2
        assert (out / 'eval' / f'{name}_test_curves.png').stat().st_size > 0
    real = json.loads((out / 'eval' / 'real_frames.json').read_text())
    assert real['nyu_frame_1']['found']
    bench = json.loads((out / 'bench_cpu.json').read_text())
    assert {'model', 'pipeline'} <= set(bench)
