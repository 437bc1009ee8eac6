# Copyright 2026 jgr_ros contributors. MIT License.
"""
The learned hand localiser: :class:`HandDetector` finds every hand in a depth frame.

It runs the detector network (:mod:`jgr_ros.detector_net`) on the whole frame, resized to
160 x 120 (a frame wider than 4:3 to its own aspect, 120 rows high), through the same backends
as the other networks (ONNX Runtime on the CPU, CUDA graphs on a GPU), and turns its peaks into
hand centres in the camera frame (mm) with a score.
The pipeline crops each centre for JGR-P2O, like a rule-based detection.
"""
from dataclasses import dataclass
import pathlib

from jgr_ros.camera import CameraModel
from jgr_ros.detector_net import decode_centers, detector_input
from jgr_ros.errors import InputError
from jgr_ros.localization import HandDetection, HandDetections
from jgr_ros.networks import LoadedNetwork
import numpy as np

DEFAULT_DETECTOR_MODEL = 'hand_detector_mano21.pt'
# Peaks scoring below this are no hand; tuned for the shipped detector (version 3, output
# stride 2: its peaks score lower than version 2's). On the first 500 frames of detection_eval,
# version 3 at 0.4 found more hands than version 2 at its 0.5 with the same precision (hard set
# detector 76.48 / 75.68 % against 74.15 / 75.76 %) and at 0.5 fewer (74.79 / 78.27 %). At 0.3
# version 1 put a second, false hand on the HANDS2017 frame's background (a body part, peak
# 0.41) that outscored the real one in the pose network's confidence (hand_detector_mano21.md).
DEFAULT_DETECTION_SCORE = 0.4
# Weaker peaks down to this still confirm a hand the pipeline follows (they start none): on the
# 20 wide-world tracking videos, confirming only with hands (0.5) dropped well-followed hands
# the detector scored lower for a few frames (video 12; docs/performance.md).
DEFAULT_CONFIRM_SCORE = 0.3
# Fainter peaks down to this are candidates the hand verifier may start hands at while no hand
# is followed (HandDetections.faint). Chosen with the verifier's threshold on its held-out
# frames (pipeline.DEFAULT_VERIFY_MIN_LOG_ODDS): with 0.2 the searches found 5 more hands and
# no more false ones than from 0.3; 0.15 found 9 more with 4 more false ones.
DEFAULT_CANDIDATE_SCORE = 0.2


@dataclass
class DetectorConfig:
    """Settings of :class:`HandDetector`."""

    min_score: float = DEFAULT_DETECTION_SCORE   # a weaker heat-map peak is no hand
    confirm_score: float = DEFAULT_CONFIRM_SCORE   # a weak one down to this: HandDetections.weak
    candidate_score: float = DEFAULT_CANDIDATE_SCORE   # a faint one down to this: .faint

    def __post_init__(self) -> None:
        """Reject settings that cannot work, with the setting's name in the message."""
        if not 0.0 < self.min_score < 1.0:
            raise InputError(f'detection min_score must be in (0, 1), got {self.min_score}')
        if not 0.0 < self.confirm_score <= self.min_score:
            raise InputError(f'detection confirm_score must be in (0, min_score], got '
                             f'{self.confirm_score}')
        if not 0.0 < self.candidate_score <= self.confirm_score:
            raise InputError(f'detection candidate_score must be in (0, confirm_score], got '
                             f'{self.candidate_score}')


class HandDetector(LoadedNetwork):
    """The hand-detector network with its model file, as a localiser of up to N hands."""

    def __init__(self, path: str | pathlib.Path | None = None, device: str = 'auto',
                 backend: str = 'auto', config: DetectorConfig | None = None,
                 precision: str = 'auto'):
        """
        Load the model file (None: the shipped default) and prepare ``backend`` (BACKENDS).

        ``precision`` (PRECISIONS): 'auto' runs its convolutions in int8 on onnxruntime
        (:mod:`jgr_ros.quantization`), fp32 on the other backends.
        """
        super().__init__(path, DEFAULT_DETECTOR_MODEL, 'hand_detector', device, backend,
                         precision=precision)
        self.config = config or DetectorConfig()

    def infer(self, frames: np.ndarray) -> np.ndarray:
        """(B, 120, W) normalised frames (detector_input) -> (B, 4, rows, cols) outputs."""
        return self._run(np.ascontiguousarray(frames, dtype=np.float32))

    def detect(self, depth_mm: np.ndarray, max_hands: int,
               min_score: float | None = None) -> np.ndarray:
        """
        Return (K, 4) hands: u, v (pixels), centre depth (mm), score; best first.

        Peaks scoring at least ``min_score`` (None: the config's) count.
        """
        output = self.infer(detector_input(depth_mm)[None])[0]
        return decode_centers(output, depth_mm.shape, max_hands,
                              self.config.min_score if min_score is None else min_score)

    def locate_hands(self, depth_mm: np.ndarray, camera: CameraModel, max_hands: int,
                     priors_mm=()) -> HandDetections:
        """
        Find up to ``max_hands`` hands, best first (the network needs no ``priors_mm``).

        Peaks from ``config.confirm_score`` to ``min_score`` come as the result's ``weak``,
        from ``candidate_score`` to ``confirm_score`` as its ``faint``. ``depth_mm`` must be a
        checked (H, W) frame of ``camera`` (the pipeline's entry checks).
        """
        peaks = self.detect(depth_mm, max_hands, self.config.candidate_score)
        centers_mm = camera.back_project_uvd(peaks[:, :3]).reshape(-1, 3)
        detections = [HandDetection(found=True, reason='', center_mm=center_mm,
                                    center_uvd=peak[:3].astype(np.float64), score=float(peak[3]))
                      for peak, center_mm in zip(peaks, centers_mm)]
        config = self.config
        hands = _scoring(detections, config.min_score, np.inf)
        weak = _scoring(detections, config.confirm_score, config.min_score)
        faint = _scoring(detections, config.candidate_score, config.confirm_score)
        return HandDetections(
            hands, '' if hands else
            f'the detector found no hand scoring at least {config.min_score:g}',
            weak=weak, faint=faint)


def _scoring(detections: list[HandDetection], low: float, high: float) -> list[HandDetection]:
    """Return the detections scoring from ``low`` to under ``high``."""
    return [detection for detection in detections if low <= detection.score < high]
