# Copyright 2026 jgr_ros contributors. MIT License.
"""Skeleton layouts: graphs, normalised adjacency and name-based mappings."""
from jgr_ros.skeletons import (
    convert_joints,
    get_skeleton,
    joint_correspondence,
    normalize_adjacency,
    SKELETONS,
)
import numpy as np
import pytest


def test_nyu_normalized_adjacency_matches_the_paper():
    ae = get_skeleton('nyu14').normalized_adjacency()
    # Joint 0 (pinky tip) has degree 2 with its self-loop, joint 1 (pinky PIP) degree 3.
    assert ae[0, 0] == pytest.approx(0.5)
    assert ae[0, 1] == pytest.approx(1 / np.sqrt(6), abs=1e-6)
    assert ae[0, 1] == pytest.approx(0.408, abs=1e-3)
    assert ae[1, 13] == pytest.approx(0.204, abs=1e-3)    # the slide's row 1
    assert ae[0, 13] == 0.0


def test_nyu_graph_has_the_documented_edges():
    a = get_skeleton('nyu14').adjacency()
    edges = {(0, 1), (2, 3), (4, 5), (6, 7), (8, 9), (9, 10)} | {
        (j, 13) for j in (1, 3, 5, 7, 10, 11, 12)}
    expected = np.zeros((14, 14), np.float32)
    for i, j in edges:
        expected[i, j] = expected[j, i] = 1
    np.testing.assert_array_equal(a, expected)


@pytest.mark.parametrize('name', sorted(SKELETONS))
def test_adjacency_is_a_symmetric_tree_without_self_loops(name):
    skeleton = get_skeleton(name)
    a = skeleton.adjacency()
    assert a.shape == (skeleton.num_joints, skeleton.num_joints)
    np.testing.assert_array_equal(a, a.T)
    assert set(np.unique(a)) == {0.0, 1.0}
    assert not np.diagonal(a).any()
    assert a.sum() / 2 == skeleton.num_joints - 1     # a tree: J - 1 bones ...
    reach = np.linalg.matrix_power(a + np.eye(len(a)), len(a)) > 0
    assert reach.all()                                # ... that connects every joint


@pytest.mark.parametrize('name', sorted(SKELETONS))
def test_normalized_adjacency_is_the_symmetric_gcn_normalisation(name):
    skeleton = get_skeleton(name)
    a_hat = skeleton.adjacency() + np.eye(skeleton.num_joints)
    degree = a_hat.sum(axis=1)
    expected = a_hat / np.sqrt(np.outer(degree, degree))
    np.testing.assert_allclose(skeleton.normalized_adjacency(), expected, rtol=1e-6)
    assert skeleton.normalized_adjacency().dtype == np.float32


def test_normalize_adjacency_of_a_single_edge():
    np.testing.assert_allclose(normalize_adjacency(np.array([[0, 1], [1, 0]], np.float32)),
                               np.full((2, 2), 0.5))


@pytest.mark.parametrize('name, num_joints', [('mano21', 21), ('nyu14', 14), ('icvl16', 16),
                                              ('msra21', 21)])
def test_layout_sizes_and_unique_names(name, num_joints):
    skeleton = get_skeleton(name)
    assert skeleton.num_joints == num_joints
    assert len(set(skeleton.joint_names)) == num_joints
    assert all(0 <= j < num_joints for j in skeleton.center_joints)


def test_unknown_layout_names_the_known_ones():
    with pytest.raises(KeyError, match='mano21'):
        get_skeleton('hands2017')


def test_index_and_finger_of():
    mano = get_skeleton('mano21')
    assert mano.index('index_tip') == 8
    assert mano.finger_of(mano.index('thumb_cmc')) == 'thumb'
    assert mano.finger_of(mano.index('wrist')) == 'palm'
    assert get_skeleton('nyu14').finger_of(13) == 'palm'


def test_correspondence_maps_joints_by_name():
    src_idx, dst_idx = joint_correspondence('msra21', 'mano21')
    msra, mano = get_skeleton('msra21'), get_skeleton('mano21')
    assert len(src_idx) == 21    # the same 21 anatomical joints in a different order
    assert [msra.joint_names[i] for i in src_idx] == [mano.joint_names[j] for j in dst_idx]
    assert msra.joint_names[src_idx[mano.index('thumb_tip')]] == 'thumb_tip'


def test_convert_joints_reorders_and_leaves_missing_joints_nan():
    mano = get_skeleton('mano21')
    nyu = get_skeleton('nyu14')
    joints = np.arange(2 * 21 * 3, dtype=np.float64).reshape(2, 21, 3)   # (frames, J, xyz)
    converted = convert_joints(joints, 'mano21', 'nyu14')
    assert converted.shape == (2, 14, 3)
    for name in ('pinky_tip', 'index_pip', 'thumb_ip', 'thumb_mcp'):
        np.testing.assert_array_equal(converted[:, nyu.index(name)],
                                      joints[:, mano.index(name)])
    for name in ('wrist_1', 'wrist_2', 'palm'):   # NYU joints MANO does not have
        assert np.isnan(converted[:, nyu.index(name)]).all()
    assert np.isfinite(converted).all(axis=-1).sum(axis=-1).tolist() == [11, 11]


def test_convert_joints_round_trip_between_same_joint_sets():
    joints = np.random.default_rng(0).normal(size=(21, 3)).astype(np.float32)
    back = convert_joints(convert_joints(joints, 'mano21', 'msra21'), 'msra21', 'mano21')
    np.testing.assert_array_equal(back, joints)
    assert back.dtype == np.float32


def test_hand_center_is_the_mean_of_the_center_joints():
    mano = get_skeleton('mano21')
    joints = np.zeros((21, 3))
    joints[mano.index('wrist')] = (10.0, 20.0, 500.0)
    joints[mano.index('middle_mcp')] = (30.0, -20.0, 520.0)
    np.testing.assert_allclose(mano.hand_center(joints), (20.0, 0.0, 510.0))
    assert mano.center_joints == (mano.index('wrist'), mano.index('middle_mcp'))
