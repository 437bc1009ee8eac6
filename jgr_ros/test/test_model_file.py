# Copyright 2026 jgr_ros contributors. MIT License.
"""Model files: round trips (fp32, fp16) and a clear error for every way a file can be wrong."""
import re

from jgr_ros.center_net import CenterRefineNet
from jgr_ros.errors import InputError
from jgr_ros.model import JGRP2O
from jgr_ros.model_file import (
    build_model,
    DEFAULT_NORMALISATION,
    load_model,
    ModelFileError,
    ModelInfo,
    save_model,
)
from jgr_ros.verifier_net import HandVerifierNet
import numpy as np
import pytest
import torch

torch.set_num_threads(2)


def jgr_info(**changes) -> ModelInfo:
    fields = {'kind': 'jgr_p2o', 'skeleton': 'nyu14', 'num_joints': 14, 'num_stacks': 1,
              'cube_mm': 300.0, 'input_size': 96,
              'provenance': {'data': 'unit test', 'steps': 0, 'metrics': {'mean_mm': 8.29}}}
    return ModelInfo(**{**fields, **changes})


def trained_looking_model() -> JGRP2O:
    """Return a 1-stack NYU model whose BatchNorm statistics moved away from their defaults."""
    torch.manual_seed(0)
    model = JGRP2O(14, num_stacks=1)
    with torch.no_grad():
        model(torch.rand(2, 1, 96, 96) * 2 - 1)
    return model.eval()


def forge(path, **changes) -> None:
    """Rewrite a saved model file with some top-level entries changed."""
    payload = torch.load(path, weights_only=True)
    payload.update(changes)
    torch.save(payload, path)


@pytest.fixture
def saved(tmp_path):
    path = tmp_path / 'nyu.pt'
    save_model(path, trained_looking_model(), jgr_info())
    return path


def error_about(path, message: str):
    """Expect a ModelFileError naming ``path`` and matching ``message``."""
    return pytest.raises(ModelFileError, match='(?s)' + re.escape(str(path)) + '.*' + message)


def test_round_trip_restores_weights_statistics_and_info(saved):
    original = trained_looking_model()
    model, info = load_model(saved, expected_kind='jgr_p2o')
    assert info == jgr_info()
    assert info.normalisation == DEFAULT_NORMALISATION
    assert not model.training
    for name, tensor in original.state_dict().items():
        assert torch.equal(model.state_dict()[name], tensor), name


def test_half_file_is_smaller_and_loads_as_float32(tmp_path, saved):
    original = trained_looking_model()
    half_path = tmp_path / 'nyu_half.pt'
    save_model(half_path, original, jgr_info(), half=True)
    assert half_path.stat().st_size < 0.6 * saved.stat().st_size
    model, _ = load_model(half_path)
    for name, tensor in model.state_dict().items():
        assert tensor.dtype == original.state_dict()[name].dtype, name
        torch.testing.assert_close(tensor, original.state_dict()[name], rtol=1e-3, atol=1e-6)


def test_center_refine_round_trip(tmp_path):
    path = tmp_path / 'center.pt'
    original = CenterRefineNet().eval()
    info = ModelInfo(kind='center_refine', skeleton='mano21', num_joints=21, cube_mm=250.0,
                     input_size=128)
    save_model(path, original, info)
    model, loaded_info = load_model(path, expected_kind='center_refine')
    assert isinstance(model, CenterRefineNet) and loaded_info == info
    crop = torch.rand(2, 1, 128, 128)
    with torch.no_grad():
        torch.testing.assert_close(model(crop), original(crop))


def test_hand_verifier_round_trip(tmp_path):
    path = tmp_path / 'verifier.pt'
    original = HandVerifierNet().eval()
    info = ModelInfo(kind='hand_verifier', skeleton='mano21', num_joints=21, cube_mm=250.0,
                     input_size=96)
    save_model(path, original, info, half=True)
    model, loaded_info = load_model(path, expected_kind='hand_verifier')
    assert isinstance(model, HandVerifierNet) and loaded_info == info
    crop = torch.rand(2, 1, 96, 96)
    with torch.no_grad():
        torch.testing.assert_close(model(crop), original(crop), rtol=1e-2, atol=1e-2)


def test_build_model_follows_the_info():
    model = build_model(jgr_info(skeleton='icvl16', num_joints=16, num_stacks=2))
    assert isinstance(model, JGRP2O) and len(model.stacks) == 2 and model.num_joints == 16


def test_missing_file(tmp_path):
    path = tmp_path / 'absent.pt'
    with error_about(path, 'no such model file'):
        load_model(path)


def test_foreign_bytes_are_not_a_model_file(tmp_path):
    path = tmp_path / 'notes.pt'
    path.write_bytes(b'hello, this is not a model' * 10)
    with error_about(path, 'not a jgr_ros model file'):
        load_model(path)


def test_a_plain_torch_checkpoint_is_not_a_model_file(tmp_path):
    path = tmp_path / 'checkpoint.pt'
    torch.save(JGRP2O(14, num_stacks=1).state_dict(), path)
    with error_about(path, 'not a jgr_ros model file'):
        load_model(path)


def test_unsupported_format_version(saved):
    forge(saved, format_version=2)
    with error_about(saved, 'unsupported format_version 2'):
        load_model(saved)


def test_missing_state_dict(saved):
    forge(saved, state_dict=None)
    with error_about(saved, 'no info or state_dict'):
        load_model(saved)


def test_kind_mismatch(saved):
    with error_about(saved, "holds a 'jgr_p2o' model, expected 'center_refine'"):
        load_model(saved, expected_kind='center_refine')


def test_skeleton_that_does_not_fit_the_weights(saved):
    forge(saved, info={**vars(jgr_info()), 'skeleton': 'mano21', 'num_joints': 21})
    with error_about(saved, r'do not fit a jgr_p2o model for skeleton mano21 \(21 joints.*'
                            r'size mismatch'):
        load_model(saved)


def test_stack_count_that_does_not_fit_the_weights(saved):
    forge(saved, info={**vars(jgr_info()), 'num_stacks': 2})
    with error_about(saved, 'do not fit .*num_stacks=2.*Missing key'):
        load_model(saved)


@pytest.mark.parametrize('changes, message', [
    ({'num_joints': 21}, 'skeleton nyu14 has 14 joints, info says 21'),
    ({'skeleton': 'hands2017'}, 'unknown skeleton'),
    ({'kind': 'v2v'}, 'unknown model kind'),
    ({'input_size': 128}, 'takes 96x96 crops'),
    ({'colour': 'blue'}, 'malformed model info')])
def test_inconsistent_info(saved, changes, message):
    forge(saved, info={**vars(jgr_info()), **changes})
    with error_about(saved, message):
        load_model(saved)


def test_save_refuses_weights_that_do_not_fit_the_info(tmp_path):
    path = tmp_path / 'wrong.pt'
    with error_about(path, 'do not fit'):
        save_model(path, JGRP2O(14, num_stacks=1), jgr_info(skeleton='mano21', num_joints=21))
    assert not path.exists()


def test_save_refuses_a_graph_the_file_cannot_record(tmp_path):
    path = tmp_path / 'custom_graph.pt'
    model = JGRP2O(14, num_stacks=1, adjacency=np.zeros((14, 14)))
    with error_about(path, 'joint graph is not that of skeleton nyu14'):
        save_model(path, model, jgr_info())


def test_save_refuses_info_that_is_not_plain_data(tmp_path):
    path = tmp_path / 'numpy_metric.pt'
    with error_about(path, 'plain JSON data'):
        save_model(path, trained_looking_model(),
                   jgr_info(provenance={'mean_mm': np.float32(8.3)}))


def test_model_file_error_is_an_input_error():
    assert issubclass(ModelFileError, InputError)
