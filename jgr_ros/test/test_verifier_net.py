# Copyright 2026 jgr_ros contributors. MIT License.
"""The hand verifier network: shapes and probabilities (learning: test_training_verifier.py)."""
from jgr_ros.errors import InputError
from jgr_ros.verifier_net import HandVerifierNet, INPUT_SIZE
import pytest
import torch


def test_one_logit_per_crop_and_probabilities_in_0_1():
    model = HandVerifierNet().eval()
    crops = torch.rand(3, 1, INPUT_SIZE, INPUT_SIZE) * 2 - 1
    with torch.no_grad():
        logits, probabilities = model(crops), model.infer(crops)
    assert logits.shape == (3,) and probabilities.shape == (3,)
    torch.testing.assert_close(probabilities, torch.sigmoid(logits))


def test_crops_of_another_size_are_refused():
    with pytest.raises(InputError, match=r'\(B, 1, 96, 96\)'):
        HandVerifierNet()(torch.zeros(1, 1, 128, 128))
