# Copyright 2026 jgr_ros contributors. MIT License.
"""The hand detector's training frames and samples: every hand labelled, none where none is."""
from jgr_ros.detector_net import normalised_to_depth_mm
from jgr_ros.synthetic import get_camera_preset
from jgr_ros.training.detection import (
    DETECTOR_NEGATIVES,
    detector_sample,
    detector_world,
    HandFrames,
    MIN_VISIBLE_JOINTS,
    seen_joints,
    training_columns,
    visible_hands,
)
import numpy as np

CAMERA = get_camera_preset('realsense_d435_640x480')


def test_the_detector_world_has_second_hands_and_no_unlabelled_hand():
    world = detector_world(0.5)
    assert world.two_hand_probability == 0.5 and 'hand' not in world.negatives
    assert set(DETECTOR_NEGATIVES) == {'object', 'head', 'shoulder', 'table_edge'}


def test_frames_label_zero_one_or_two_hands():
    frames = HandFrames(range(40), config=detector_world(0.5), no_hand_probability=0.2)
    counts = [len(frames[index].joints_mm) for index in range(len(frames))]
    assert set(counts) == {0, 1, 2}
    near_surface = []
    for index in range(len(frames)):
        frame = frames[index]
        assert frame.centers_mm.shape == (len(frame.joints_mm), 3)
        if len(frame.joints_mm) == 0:
            continue
        # A visible labelled hand is where the depth shows a surface near its centre's depth
        # (unless, say, its own forearm points at the camera in front of its centre).
        u, v, depth_mm = CAMERA.project_uvd(frame.centers_mm).T
        shown = visible_hands(frame.depth_mm, CAMERA, frame.joints_mm)
        for column, row, z_mm in zip(np.round(u[shown]).astype(int),
                                     np.round(v[shown]).astype(int), depth_mm[shown]):
            if 0 <= column < CAMERA.width and 0 <= row < CAMERA.height:
                window = frame.depth_mm[max(row - 8, 0):row + 9, max(column - 8, 0):column + 9]
                near_surface.append(np.any(np.abs(window - z_mm) < 80.0))
    assert len(near_surface) > 30 and np.mean(near_surface) > 0.9


def test_frames_without_hands_still_show_their_clutter():
    frames = HandFrames(range(10), config=detector_world(0.0), no_hand_probability=1.0)
    shown = [np.count_nonzero(frames[index].depth_mm) for index in range(len(frames))]
    assert all(len(frames[index].joints_mm) == 0 for index in range(len(frames)))
    assert sum(count > 0 for count in shown) >= 5   # walls, tables, bodies, objects


def test_a_hand_hidden_behind_a_nearer_surface_is_not_visible():
    frame = HandFrames(range(3), config=detector_world(0.0), no_hand_probability=0.0)[1]
    assert visible_hands(frame.depth_mm, CAMERA, frame.joints_mm).all()
    covered = np.full_like(frame.depth_mm, 150.0)   # a board right in front of the camera
    assert not visible_hands(covered, CAMERA, frame.joints_mm).any()
    assert seen_joints(covered, CAMERA, frame.joints_mm).tolist() == [0]
    assert seen_joints(frame.depth_mm, CAMERA, frame.joints_mm)[0] >= MIN_VISIBLE_JOINTS
    left_half = frame.depth_mm.copy()
    u = CAMERA.project_uvd(frame.joints_mm[0])[:, 0]
    left_half[:, int(np.median(u)):] = 0.0    # the half of the frame right of the middle joint
    seen = seen_joints(frame.depth_mm, CAMERA, frame.joints_mm)[0]
    assert seen_joints(left_half, CAMERA, frame.joints_mm)[0] < seen


def test_a_mirrored_sample_mirrors_input_and_target():
    frame = HandFrames(range(5), config=detector_world(0.0), no_hand_probability=0.0)[2]
    plain, plain_target = detector_sample(frame, mirror=False)
    mirrored, mirrored_target = detector_sample(frame, mirror=True)
    assert plain.shape == (1, 120, 160) and plain_target.shape == (5, 30, 40)
    assert np.allclose(normalised_to_depth_mm(plain[0]).mean(),
                       normalised_to_depth_mm(mirrored[0]).mean(), rtol=0.02)
    (row, column), = np.argwhere(plain_target[4] == 1.0)
    (mirrored_row, mirrored_column), = np.argwhere(mirrored_target[4] == 1.0)
    columns = plain_target.shape[-1]
    assert mirrored_row == row and abs(mirrored_column - (columns - 1 - column)) <= 1
    _, fine_target = detector_sample(frame, mirror=False, output_stride=2)
    assert fine_target.shape == (5, 60, 80) and fine_target[4].sum() == plain_target[4].sum()


def test_a_frame_wider_than_4_by_3_trains_as_a_window_at_its_scale_in_use():
    assert training_columns((480, 640), 0.7) == slice(0, 640)
    assert training_columns((480, 848), 0.0) == slice(0, 652)   # 848 / 208 pixels a column
    assert training_columns((480, 848), 1.0) == slice(196, 848)
    assert training_columns((240, 1920), 0.5) == slice(480, 1440)   # squeezed to 320 in use
    wide = HandFrames(range(5), ('realsense_d435_848x480',), detector_world(0.0), 0.0)[2]
    centre_u = wide.camera.project_uvd(wide.centers_mm)[0, 0]
    position = min(max((centre_u - 326.0) / 196.0, 0.0), 1.0)   # the hand in the middle
    frame_input, target = detector_sample(wide, mirror=False, position=position)
    assert frame_input.shape == (1, 120, 160) and target.shape == (5, 30, 40)
    (row, column), = np.argwhere(target[4] == 1.0)
    start = training_columns((480, 848), position).start
    assert abs(column - (centre_u - start) * 40 / 652) <= 1
