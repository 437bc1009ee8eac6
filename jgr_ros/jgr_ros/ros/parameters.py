# Copyright 2026 jgr_ros contributors. MIT License.
"""
The hand-pose node's parameters as data, and the settings they map to.

Every parameter is declared from a :class:`ParameterSpec` with a description and, for numbers,
a range that rclpy enforces. Read-only parameters are fixed at start-up (model files, device,
QoS); the others form :class:`RuntimeSettings`, rebuilt and validated on every change. Their
defaults are those of the core's dataclasses (LocalizerConfig, EstimatorConfig, MarkerStyle),
written nowhere else.
"""
from dataclasses import dataclass
from typing import Any, Mapping

from jgr_ros.detector import DEFAULT_CANDIDATE_SCORE
from jgr_ros.gestures import DebounceConfig
from jgr_ros.hand_state import HandStateConfig
from jgr_ros.localization import ARM_TO_HAND_DIRECTION, LocalizerConfig
from jgr_ros.pipeline import (
    DETECTORS,
    EstimatorConfig,
    MAX_HANDS_LIMIT,
    VERIFY_DETECTION_WEIGHT,
)
from jgr_ros.ros.markers import MarkerStyle
from jgr_ros.runtime import BACKENDS, PRECISIONS
from jgr_ros.smoothing import OneEuroConfig
from rcl_interfaces.msg import FloatingPointRange, IntegerRange, ParameterDescriptor
from rclpy.node import Node

ParameterValue = bool | int | float | str


@dataclass(frozen=True)
class ParameterSpec:
    """One declared parameter: default (its type fixes the parameter's), text, range."""

    name: str
    default: ParameterValue
    description: str
    value_range: tuple[float, float] | None = None   # inclusive bounds for numbers
    read_only: bool = False

    def descriptor(self) -> ParameterDescriptor:
        """Return the ParameterDescriptor rclpy checks values against."""
        descriptor = ParameterDescriptor(name=self.name, description=self.description,
                                         read_only=self.read_only)
        if self.value_range is not None:
            low, high = self.value_range
            if isinstance(self.default, int):
                descriptor.integer_range = [IntegerRange(from_value=int(low), to_value=int(high),
                                                         step=1)]
            else:
                descriptor.floating_point_range = [FloatingPointRange(from_value=float(low),
                                                                      to_value=float(high))]
        return descriptor


# The defaults of the run-time parameters.
_LOCALIZER, _ESTIMATOR, _MARKERS = LocalizerConfig(), EstimatorConfig(), MarkerStyle()

_DEBOUNCE, _ONE_EURO, _HAND_STATE = DebounceConfig(), OneEuroConfig(), HandStateConfig()
HAND_STATE_PARAMETERS = (
    ParameterSpec('hand_classifiers', '', 'gesture and handedness classifier file (.npz); '
                  'empty: the shipped jgr_ros/models/hand_classifiers_mano21.npz',
                  read_only=True),
    ParameterSpec('gesture_min_frames', _DEBOUNCE.min_frames, 'frames whose gesture '
                  'probabilities are averaged; a track reports no gesture before this many',
                  (1, 100)),
    ParameterSpec('gesture_min_confidence', _DEBOUNCE.min_confidence, 'a new gesture is '
                  'reported once its average probability reaches this', (0.0, 1.0)),
    ParameterSpec('gesture_keep_confidence', _DEBOUNCE.keep_confidence, 'the reported gesture '
                  'stays while its average probability is at least this (hysteresis; <= '
                  'gesture_min_confidence), else no gesture', (0.0, 1.0)),
    ParameterSpec('smooth_joints', _HAND_STATE.smooth_joints, 'publish One Euro filtered '
                  'joints on hand_poses (else the raw ones)'),
    ParameterSpec('smooth_wrist', _HAND_STATE.smooth_wrist, 'build wrist_pose and '
                  'HandPose.wrist from One Euro filtered joints'),
    ParameterSpec('one_euro_min_cutoff_hz', _ONE_EURO.min_cutoff_hz, 'One Euro cut-off of a '
                  'still hand, Hz: lower is steadier', (0.01, 100.0)),
    ParameterSpec('one_euro_beta', _ONE_EURO.beta, 'One Euro cut-off increase per m/s of joint '
                  'speed, Hz s/m: higher lags less', (0.0, 10000.0)),
    ParameterSpec('one_euro_derivative_cutoff_hz', _ONE_EURO.derivative_cutoff_hz,
                  'One Euro cut-off of the speed estimate, Hz', (0.01, 100.0)),
)
HAND_POSE_PARAMETERS = (
    ParameterSpec('model', '', 'JGR-P2O model file (.pt); empty: the shipped '
                  'jgr_ros/models/jgr_p2o_mano21.pt', read_only=True),
    ParameterSpec('center_model', '', 'centre-refinement model file (.pt); empty: the shipped '
                  'jgr_ros/models/center_refine_mano21.pt', read_only=True),
    ParameterSpec('detector', _ESTIMATOR.detector, 'the localiser that finds hands: '
                  + ' or '.join(DETECTORS) + ' (rules: the nearest sizeable blob, one hand; '
                  'learned: the hand detector network, every hand)', read_only=True),
    ParameterSpec('detector_model', '', 'hand detector model file (.pt) for detector: learned; '
                  'empty: the shipped jgr_ros/models/hand_detector_mano21.pt', read_only=True),
    ParameterSpec('verifier_model', '', 'hand verifier model file (.pt) for detector: learned; '
                  'empty: the shipped jgr_ros/models/hand_verifier_mano21.pt', read_only=True),
    ParameterSpec('device', 'auto', 'auto, cpu, cuda or cuda:N (fp32 on all)',
                  read_only=True),
    ParameterSpec('backend', 'auto', 'inference backend: ' + ', '.join(BACKENDS)
                  + ' (auto: CUDA graphs on a GPU, onnxruntime on the CPU)', read_only=True),
    ParameterSpec('precision', 'auto', "JGR-P2O's and the hand detector's convolutions: "
                  + ', '.join(PRECISIONS) + ' (auto: int8 on the onnxruntime backend, 26-40 % '
                  "less time a crop and half a frame's detection at the same accuracy, made and "
                  'cached at the first start; fp32 elsewhere)',
                  read_only=True),
    ParameterSpec('cpu_threads', 0, 'CPU threads of the networks; 0: all cores but one, which '
                  'is left to DDS and the camera driver', (0, 256), read_only=True),
    ParameterSpec('reliability', 'best_effort', 'QoS reliability of the depth and camera_info '
                  'subscriptions: best_effort (receives from any publisher) or reliable',
                  read_only=True),
    ParameterSpec('diagnostics_period_s', 1.0, 'period of /diagnostics messages, seconds',
                  (0.1, 60.0), read_only=True),
    ParameterSpec('min_depth_mm', _LOCALIZER.min_depth_mm,
                  'working range: nearest depth considered, mm', (10.0, 20000.0)),
    ParameterSpec('max_depth_mm', _LOCALIZER.max_depth_mm,
                  'working range: farthest depth considered, mm', (10.0, 20000.0)),
    ParameterSpec('band_mm', _LOCALIZER.band_mm,
                  'depth band behind the nearest surface that belongs to the hand, mm',
                  (10.0, 2000.0)),
    ParameterSpec('min_area_mm2', _LOCALIZER.min_area_mm2,
                  'smaller blobs are specks, mm^2 at their depth', (0.0, 1.0e6)),
    ParameterSpec('max_area_mm2', _LOCALIZER.max_area_mm2,
                  'larger blobs are not a hand, mm^2 at their depth', (1.0, 1.0e7)),
    ParameterSpec('arm_enters_from', _LOCALIZER.arm_enters_from,
                  'image side the forearm enters from: ' + ', '.join(ARM_TO_HAND_DIRECTION)),
    ParameterSpec('hand_end_by_shape', _LOCALIZER.hand_end_by_shape,
                  'take the less convex end of a long blob as the hand (fingers) where that is '
                  'clear, before arm_enters_from'),
    ParameterSpec('max_hands', _ESTIMATOR.max_hands, 'hands estimated per frame, at most (the '
                  'highest-scoring ones)', (1, MAX_HANDS_LIMIT)),
    ParameterSpec('refine_iterations', _ESTIMATOR.refine_iterations,
                  'centre-refinement network iterations after a search of the image (0: off)',
                  (0, 10)),
    ParameterSpec('recentre_iterations', _ESTIMATOR.recentre_iterations,
                  'after a search, run the pose network again on a crop around the centre of '
                  'the joints it estimated, this many times (0: off)', (0, 5)),
    ParameterSpec('tracking', _ESTIMATOR.tracking,
                  "follow the hand: start from the previous frame's hand instead of searching "
                  'the image while the crop still holds it'),
    ParameterSpec('tracking_refine_iterations', _ESTIMATOR.tracking_refine_iterations,
                  'centre-refinement iterations on a followed hand', (0, 10)),
    ParameterSpec('search_period_frames', _ESTIMATOR.search_period_frames,
                  'while every hand is followed but fewer than max_hands, search the image for '
                  'more every this many frames (1: every frame)', (1, 1000)),
    ParameterSpec('confirm_misses', _ESTIMATOR.confirm_misses,
                  'learned detector: its periodic searches also run with max_hands followed and '
                  'confirm each followed hand; one without a detection (or weak peak) within '
                  '100 mm in this many searches in a row is dropped (0: never checked)', (0, 100)),
    ParameterSpec('verify', _ESTIMATOR.verify,
                  'learned detector: judge each hand a search finds with the hand verifier '
                  "network on its crop, together with the detection's score; weak and faint "
                  f'detections (from {DEFAULT_CANDIDATE_SCORE:g}) then start hands too while no '
                  'hand is followed, and one turned down makes room for the next'),
    ParameterSpec('verify_min_log_odds', _ESTIMATOR.verify_min_log_odds,
                  "evidence a searched hand needs: the verifier's log-odds plus "
                  f"{VERIFY_DETECTION_WEIGHT:g} x the detection's score (higher: fewer false "
                  'hands, and fewer hands)',
                  (-20.0, 30.0)),
    ParameterSpec('second_hand_min_log_odds', _ESTIMATOR.second_hand_min_log_odds,
                  'the same for a searched hand beside a hand found or followed in the frame '
                  '(lower than verify_min_log_odds: the verifier doubts second hands more '
                  'often; raise it to verify_min_log_odds where one hand is expected, for '
                  'slightly fewer false hands)',
                  (-20.0, 30.0)),
    ParameterSpec('average_mirrored', _ESTIMATOR.average_mirrored,
                  'run the pose network on each crop and on its mirror image and average the '
                  'two (4-6 % lower errors on synthetic hands; a second crop per hand: about '
                  '4.5 ms more per hand on a CPU core; not measured on CUDA)'),
    ParameterSpec('track_gate_mm', _ESTIMATOR.track_gate_mm,
                  "a hand within this distance of a track's predicted centre continues the "
                  'track (keeps its track_id), mm', (1.0, 1000.0)),
    ParameterSpec('min_score', _ESTIMATOR.min_score,
                  'hands scoring lower are not published (score: mean joint confidence against '
                  'the observed depth; noise and degenerate images score low)', (0.0, 1.0)),
    ParameterSpec('marker_scale_m', _MARKERS.joint_diameter_m,
                  'RViz joint sphere diameter, m (bones: half)', (0.001, 0.1)),
    ParameterSpec('marker_lifetime_s', _MARKERS.lifetime_s,
                  'RViz marker lifetime, s (0: until deleted)', (0.0, 60.0)),
    ParameterSpec('marker_finger_colors', _MARKERS.finger_colors,
                  'colour RViz skeletons per finger (else per hand)'),
    ParameterSpec('publish_debug_image', False, 'publish debug/crop: the network input with '
                  'the skeleton drawn (rgb8)'),
    *HAND_STATE_PARAMETERS,
)
PARAMETER_NAMES = tuple(spec.name for spec in HAND_POSE_PARAMETERS)


@dataclass(frozen=True)
class RuntimeSettings:
    """What the parameters control, validated as a whole (the run-time ones change it)."""

    estimator: EstimatorConfig
    markers: MarkerStyle
    publish_debug_image: bool
    hand_state: HandStateConfig

    @classmethod
    def from_parameters(cls, values: Mapping[str, Any]) -> 'RuntimeSettings':
        """Build from parameter values by name; inconsistent values raise InputError."""
        localizer = LocalizerConfig(
            min_depth_mm=values['min_depth_mm'], max_depth_mm=values['max_depth_mm'],
            band_mm=values['band_mm'], min_area_mm2=values['min_area_mm2'],
            max_area_mm2=values['max_area_mm2'], arm_enters_from=values['arm_enters_from'],
            hand_end_by_shape=values['hand_end_by_shape'])
        estimator = EstimatorConfig(localizer=localizer, detector=values['detector'],
                                    max_hands=values['max_hands'],
                                    refine_iterations=values['refine_iterations'],
                                    recentre_iterations=values['recentre_iterations'],
                                    tracking=values['tracking'],
                                    tracking_refine_iterations=values[
                                        'tracking_refine_iterations'],
                                    min_score=values['min_score'],
                                    track_gate_mm=values['track_gate_mm'],
                                    search_period_frames=values['search_period_frames'],
                                    confirm_misses=values['confirm_misses'],
                                    verify=values['verify'],
                                    verify_min_log_odds=values['verify_min_log_odds'],
                                    second_hand_min_log_odds=values[
                                        'second_hand_min_log_odds'],
                                    average_mirrored=values['average_mirrored'])
        markers = MarkerStyle(joint_diameter_m=values['marker_scale_m'],
                              lifetime_s=values['marker_lifetime_s'],
                              finger_colors=values['marker_finger_colors'])
        return cls(estimator, markers, values['publish_debug_image'],
                   hand_state_config(values))


def hand_state_config(values: Mapping[str, Any]) -> HandStateConfig:
    """Build the per-track settings from parameter values; inconsistent ones raise InputError."""
    return HandStateConfig(
        gesture=DebounceConfig(min_frames=values['gesture_min_frames'],
                               min_confidence=values['gesture_min_confidence'],
                               keep_confidence=values['gesture_keep_confidence']),
        one_euro=OneEuroConfig(min_cutoff_hz=values['one_euro_min_cutoff_hz'],
                               beta=values['one_euro_beta'],
                               derivative_cutoff_hz=values['one_euro_derivative_cutoff_hz']),
        smooth_joints=values['smooth_joints'], smooth_wrist=values['smooth_wrist'])


def declare_parameters(node: Node, specs: tuple[ParameterSpec, ...]) -> dict[str, Any]:
    """Declare every spec on ``node``; return the values in effect (overrides applied)."""
    parameters = node.declare_parameters(
        '', [(spec.name, spec.default, spec.descriptor()) for spec in specs])
    return {parameter.name: parameter.value for parameter in parameters}
