# Copyright 2026 jgr_ros contributors. MIT License.
"""
Inference backends agree with the fp32 eager model; jgr-bench measures and reports.

Agreement is checked on crops of synthetic hands with a JGR-P2O whose BatchNorm statistics come
from those crops, so its predictions spread over the crop like a trained model's do.
"""
from dataclasses import replace
import importlib.util
import json
import pathlib

import cv2

from jgr_ros.bench import (
    BenchSettings,
    format_report,
    hand_crops,
    main,
    parse_args,
    RosStages,
    run_bench,
    synthetic_frames,
    uvz_error_mm,
)
from jgr_ros.center_net import CenterRefineNet
from jgr_ros.errors import InputError
from jgr_ros.model import JGRP2O
from jgr_ros.model_file import ModelInfo, save_model
from jgr_ros.networks import CenterRefiner, PoseModel
from jgr_ros.runtime import fold_batch_norms, resolve_backend
import numpy as np
import pytest
import torch
from torch import nn

pytestmark = pytest.mark.filterwarnings('ignore::DeprecationWarning')   # torch.jit, legacy ONNX

CUBE_MM = 250.0
TOLERANCE_MM = 0.1
CPU_BACKENDS = ('torchscript', 'onnxruntime')
TINY_SETTINGS = BenchSettings(warmup_calls=1, latency_calls=5, batch_calls=1, pipeline_runs=5,
                              node_duration_s=0.5, num_frames=2, motion_frames=3)


@pytest.fixture(scope='module', autouse=True)
def one_torch_thread():
    """
    Run this module's networks on one thread (ONNX Runtime follows torch's count).

    On a busy 2-core machine two OpenMP threads spin-wait on each other: tracing and exporting
    the models took ten times longer.
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def calibrated(model: nn.Module, crops: np.ndarray) -> nn.Module:
    """Return ``model`` in eval mode with BatchNorm statistics of ``crops`` (B, S, S)."""
    batch_norms = [module for module in model.modules() if isinstance(module, nn.BatchNorm2d)]
    for batch_norm in batch_norms:
        batch_norm.reset_running_stats()
        batch_norm.momentum = None          # cumulative average: one batch sets the statistics
    with torch.no_grad():
        model.train()(torch.from_numpy(crops)[:, None])
    return model.eval()


@pytest.fixture(scope='module')
def frames():
    return synthetic_frames(6)


@pytest.fixture(scope='module')
def model_dir(tmp_path_factory, frames) -> pathlib.Path:
    """
    Write a calibrated JGR-P2O and a centre net; return their folder.

    Two stacks, so that the link between stacks is covered too.
    """
    folder = tmp_path_factory.mktemp('models')
    info = ModelInfo('jgr_p2o', 'mano21', 21, CUBE_MM, 96, num_stacks=2)
    save_model(folder / 'untrained.pt', JGRP2O(21, 2), info)
    crops = hand_crops(PoseModel(folder / 'untrained.pt', 'cpu', backend='eager'), frames)
    torch.manual_seed(0)
    save_model(folder / 'pose.pt', calibrated(JGRP2O(21, 2), crops), info)
    save_model(folder / 'center.pt', CenterRefineNet(),
               ModelInfo('center_refine', 'mano21', 21, CUBE_MM, 128))
    return folder


@pytest.fixture(scope='module')
def crops(model_dir, frames) -> np.ndarray:
    return hand_crops(PoseModel(model_dir / 'pose.pt', 'cpu', backend='eager'), frames)


@pytest.fixture(scope='module')
def eager_uvz(model_dir, crops) -> np.ndarray:
    return PoseModel(model_dir / 'pose.pt', 'cpu', backend='eager').predict_crops(crops)


def test_reference_predictions_differ_between_hands(eager_uvz):
    # Otherwise agreement within TOLERANCE_MM would prove nothing.
    assert uvz_error_mm(eager_uvz[:3], eager_uvz[3:], CUBE_MM) > 100 * TOLERANCE_MM


@pytest.mark.parametrize('backend', CPU_BACKENDS)
def test_cpu_backend_agrees_with_eager_within_a_tenth_of_a_millimetre(model_dir, crops,
                                                                      eager_uvz, backend):
    model = PoseModel(model_dir / 'pose.pt', 'cpu', backend=backend, precision='fp32')
    assert model.backend == backend and not model.int8
    assert uvz_error_mm(model.predict_crops(crops), eager_uvz, CUBE_MM) < TOLERANCE_MM
    assert uvz_error_mm(model.predict_crops(crops[:1]), eager_uvz[:1], CUBE_MM) < TOLERANCE_MM


@pytest.mark.parametrize('backend', CPU_BACKENDS)
def test_center_refiner_backend_agrees_with_eager(model_dir, backend):
    crop = np.random.default_rng(0).uniform(-1.0, 1.0, (128, 128)).astype(np.float32)
    expected = CenterRefiner(model_dir / 'center.pt', 'cpu', 'eager').predict_offset(crop)
    offset = CenterRefiner(model_dir / 'center.pt', 'cpu', backend).predict_offset(crop)
    assert offset.shape == (3,)
    assert np.max(np.abs(offset - expected)) * CUBE_MM / 2.0 < TOLERANCE_MM


def test_folding_batch_norms_keeps_the_predictions(model_dir, crops, eager_uvz):
    model = PoseModel(model_dir / 'pose.pt', 'cpu', backend='eager').model
    folded = fold_batch_norms(model)
    assert not any(isinstance(module, nn.BatchNorm2d) for module in folded.modules())
    assert any(isinstance(module, nn.BatchNorm2d) for module in model.modules())
    with torch.inference_mode():
        uvz = folded.infer(torch.from_numpy(crops)[:, None]).numpy()
    assert uvz_error_mm(uvz, eager_uvz, CUBE_MM) < TOLERANCE_MM


def test_auto_backend_is_onnxruntime_on_cpu_and_cuda_graphs_on_cuda():
    pytest.importorskip('onnxruntime', reason='auto falls back to torchscript without it')
    assert resolve_backend('auto', torch.device('cpu')) == 'onnxruntime'
    assert resolve_backend('auto', torch.device('cuda')) == 'cuda_graph'
    assert resolve_backend('eager', torch.device('cuda')) == 'eager'


@pytest.mark.parametrize('backend, device, message', [
    ('tensorrt', 'cpu', 'unknown backend'),
    ('cuda_graph', 'cpu', 'needs a CUDA device'),
    ('onnxruntime', 'cuda', 'CPU only'),
])
def test_impossible_backends_are_refused(backend, device, message):
    with pytest.raises(InputError, match=message):
        resolve_backend(backend, torch.device(device))


def test_wrong_crop_size_is_refused(model_dir):
    model = PoseModel(model_dir / 'pose.pt', 'cpu', backend='eager')
    with pytest.raises(InputError, match=r'\(B, 96, 96\)'):
        model.predict_crops(np.zeros((1, 128, 128), np.float32))


def test_bench_measures_every_number_it_promises():
    # The shipped networks: the pipeline recentres each hand on the joints JGR-P2O estimates,
    # which only a trained network places on the hand.
    args = parse_args(['--stages', 'model,pipeline', '--backends', 'onnxruntime'])
    ros = None
    if importlib.util.find_spec('rclpy') and importlib.util.find_spec('jgr_msgs'):
        from jgr_ros.ros.bench_node import bench_node, build_message
        ros = RosStages(build_message, bench_node)
    results = json.loads(json.dumps(run_bench(args, TINY_SETTINGS, ros)))
    cpu = results['model']['cpu']
    assert cpu['auto_backend'] == 'onnxruntime_int8'
    assert list(cpu['backends']) == ['onnxruntime', 'onnxruntime_int8']
    for row in (cpu, *cpu['backends'].values()):
        assert row['batch1_fps'] > 0 and 0 < row['p50_ms'] <= row['p90_ms'] <= row['p99_ms']
        assert set(row['batched']) == {'8', '32'} and min(row['batched'].values()) > 0
    assert cpu['backends']['onnxruntime']['max_error_mm'] < TOLERANCE_MM
    # int8 moves joints (test_quantization.py bounds the mean), but not by centimetres.
    assert TOLERANCE_MM < cpu['backends']['onnxruntime_int8']['max_error_mm'] < 10.0
    search, tracking = results['pipeline']['search'], results['pipeline']['tracking']
    # A searched frame: the detector, then crops and the pose network (three times: recentred
    # twice), then the hand verifier; a followed one: a crop and the pose network once.
    for mode, stages in ((search, ('decode', 'localize', 'crop', 'infer', 'back_project',
                                   'verify')),
                         (tracking, ('decode', 'crop', 'infer', 'back_project'))):
        for stage in stages + ('total',):
            assert 0 <= mode['stages'][stage]['p50_ms'] <= mode['stages'][stage]['p99_ms']
    for mode in (search, tracking):
        assert mode['found_fraction'] == 1.0
        assert ('p50_ms' if ros else 'skipped') in mode['stages']['message']
    assert search['tracked_fraction'] == 0.0
    assert 0.0 < tracking['tracked_fraction'] <= 1.0   # test_pipeline.py checks tracking
    machine = results['machine']
    assert machine['cpu_model'] and machine['threads'] >= 1 and machine['torch']
    assert len(machine['load_average_start']) == len(machine['load_average_end']) == 3
    report = format_report(results)
    assert 'auto = onnxruntime' in report and 'back_project' in report and 'followed' in report


def test_detector_stage_times_each_part_on_one_thread():
    threads = torch.get_num_threads()
    results = run_bench(parse_args(['--stages', 'detector']), TINY_SETTINGS)
    parts = results['detector']['parts']
    assert set(parts) == {'input', 'network', 'network_fp32', 'decode', 'total',
                          'network_848x480', 'total_848x480'}
    assert all(0 < row['p50_ms'] <= row['p99_ms'] for row in parts.values())
    assert torch.get_num_threads() == threads   # the thread count given back
    assert results['detector']['int8']          # the node's default on onnxruntime
    assert 'Hand detector on one CPU thread (onnxruntime, int8)' in format_report(results)


def test_render_stage_times_both_worlds_on_one_core():
    threads = cv2.getNumThreads()
    results = run_bench(parse_args(['--stages', 'render']), replace(TINY_SETTINGS,
                                                                    render_frames=3))
    assert set(results) == {'machine', 'settings', 'models', 'render'}
    for world in ('narrow', 'default'):
        row = results['render'][world]
        assert row['fps'] > 0 and 0 < row['p50_ms'] <= row['p99_ms']
    assert cv2.getNumThreads() == threads   # OpenCV's threads given back
    assert 'Synthetic renderer on one core' in format_report(results)


def test_bench_refuses_unknown_stages():
    with pytest.raises(SystemExit):
        main(['--stages', 'model,gpu'])


def test_without_ros_the_ros_stages_say_where_they_run():
    args = parse_args(['--stages', 'node'])
    assert 'jgr_ros.ros.bench_node' in run_bench(args, TINY_SETTINGS)['node']['skipped']


@pytest.mark.ros
def test_node_stage_measures_latency_over_dds(model_dir, frames):
    pytest.importorskip('jgr_msgs.msg', reason='jgr_msgs is not built: run ./setup.sh')
    from jgr_ros.ros.bench_node import bench_node
    results = bench_node(model_dir / 'pose.pt', model_dir / 'center.pt', torch.device('cpu'),
                         frames[:TINY_SETTINGS.num_frames], TINY_SETTINGS)
    assert set(results['rates']) == {'30', '60', '90'}
    from jgr_ros.ros.hand_pose_node import cpu_threads_beside_dds
    assert results['cpu_threads'] == cpu_threads_beside_dds()   # the node's default
    slowest = results['rates']['30']
    # Structure only: how many frames a loaded machine keeps up with is a benchmark's number.
    assert slowest['published'] == 15 and 0 < slowest['processed_fraction'] <= 1
    assert 0 < slowest['p50_ms'] <= slowest['p99_ms']
