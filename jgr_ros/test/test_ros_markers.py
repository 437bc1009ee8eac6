# Copyright 2026 jgr_ros contributors. MIT License.
"""RViz skeleton markers: one SPHERE_LIST and one LINE_LIST per track, deleted when it ends."""
import numpy as np
import pytest

pytest.importorskip('visualization_msgs.msg', reason='ROS messages are not importable: run '
                                                     './setup.sh and source tools/env.sh')
from jgr_ros.drawing import FINGER_COLORS_RGB  # noqa: E402, I100
from jgr_ros.ros.markers import BONES_ID, JOINTS_ID, MarkerStyle, skeleton_markers  # noqa: E402
from jgr_ros.skeletons import get_skeleton  # noqa: E402
from std_msgs.msg import Header  # noqa: E402
from visualization_msgs.msg import Marker  # noqa: E402

MANO = get_skeleton('mano21')
HEADER = Header(frame_id='camera_depth_optical_frame')


def joints_m(offset: float = 0.0) -> np.ndarray:
    return np.random.default_rng(0).uniform(-0.1, 0.1, (21, 3)) + (0.0, 0.0, 0.6 + offset)


def test_one_hand_gives_a_sphere_list_and_a_line_list_with_fixed_ids():
    style = MarkerStyle(joint_diameter_m=0.02, lifetime_s=0.25)
    joints, bones = skeleton_markers({1: joints_m()}, MANO, HEADER, style).markers
    for marker in (joints, bones):
        assert (marker.ns, marker.header, marker.action) == ('hand_1', HEADER, Marker.ADD)
        assert (marker.lifetime.sec, marker.lifetime.nanosec) == (0, 250_000_000)
        assert marker.pose.orientation.w == 1.0
    assert (joints.type, joints.id, bones.type, bones.id) == (
        Marker.SPHERE_LIST, JOINTS_ID, Marker.LINE_LIST, BONES_ID)
    assert (joints.scale.x, joints.scale.y, joints.scale.z, bones.scale.x) == (
        0.02, 0.02, 0.02, 0.01)
    points = np.array([(p.x, p.y, p.z) for p in joints.points])
    np.testing.assert_allclose(points, joints_m())   # point j is joint j
    bone_points = np.array([(p.x, p.y, p.z) for p in bones.points]).reshape(-1, 2, 3)
    np.testing.assert_allclose(bone_points, joints_m()[np.array(MANO.bones)])
    assert len(joints.colors) == 21 and len(bones.colors) == 2 * len(MANO.bones)


def test_colours_follow_the_fingers_or_the_hand():
    joints, bones = skeleton_markers({1: joints_m()}, MANO, HEADER, MarkerStyle()).markers
    thumb_tip, pinky_tip = MANO.index('thumb_tip'), MANO.index('pinky_tip')
    assert (joints.colors[thumb_tip].r, joints.colors[thumb_tip].g,
            joints.colors[thumb_tip].b) == pytest.approx(FINGER_COLORS_RGB['thumb'])
    assert joints.colors[pinky_tip] != joints.colors[thumb_tip]
    assert bones.colors[0] == joints.colors[MANO.bones[0][1]]
    plain = skeleton_markers({1: joints_m()}, MANO, HEADER,
                             MarkerStyle(finger_colors=False))
    assert len({(c.r, c.g, c.b) for c in plain.markers[0].colors}) == 1


def test_each_track_has_its_namespace_and_ended_tracks_are_deleted():
    two = skeleton_markers({3: joints_m(), 5: joints_m(0.2)}, MANO, HEADER,
                           MarkerStyle(finger_colors=False))
    assert [(m.ns, m.id) for m in two.markers] == [
        ('hand_3', JOINTS_ID), ('hand_3', BONES_ID), ('hand_5', JOINTS_ID), ('hand_5', BONES_ID)]
    assert two.markers[0].colors[0] != two.markers[2].colors[0]   # hand colours differ
    one = skeleton_markers({5: joints_m()}, MANO, HEADER, MarkerStyle(), ended_track_ids=[3])
    assert [(m.ns, m.id, m.action) for m in one.markers] == [
        ('hand_5', JOINTS_ID, Marker.ADD), ('hand_5', BONES_ID, Marker.ADD),
        ('hand_3', JOINTS_ID, Marker.DELETE), ('hand_3', BONES_ID, Marker.DELETE)]
    assert skeleton_markers({}, MANO, HEADER, MarkerStyle()).markers == []
