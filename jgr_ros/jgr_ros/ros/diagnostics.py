# Copyright 2026 jgr_ros contributors. MIT License.
"""
Run-time statistics of the hand-pose node, reported on /diagnostics.

Rates and latencies use a sliding time window over bounded deques, so memory stays constant
however long the node runs. Calls may come from several threads (the DDS callback, the
inference worker, the diagnostics timer): one lock guards the state.
"""
from collections import deque
from dataclasses import dataclass
import threading
import time

from diagnostic_msgs.msg import DiagnosticStatus, KeyValue
import numpy as np

# Events kept per series: enough for the window at several hundred frames per second.
_MAX_EVENTS = 2048


@dataclass(frozen=True)
class StatsSnapshot:
    """What the statistics say at one moment (rates in Hz, latencies in milliseconds)."""

    input_rate_hz: float
    processing_rate_hz: float
    latency_p50_ms: float
    latency_p99_ms: float
    input_age_s: float              # since the last frame arrived; inf before the first
    frames_received: int
    frames_processed: int
    frames_followed: int            # processed from the previous frame's hand (tracking)
    frames_dropped: int
    frames_skipped: int
    frames_failed: int
    last_error: str
    last_outcome: str


class PipelineStats:
    """
    Counts frames and measures rates and latency over the last ``window_s`` seconds.

    A frame is *received* when its message arrives, *dropped* when a newer one replaced it
    before the worker got to it, *processed* when results were published (*followed* as well when
    the hand was followed from the previous frame), *skipped* for bad input (InputError) and
    *failed* for an unexpected error.
    """

    def __init__(self, window_s: float = 5.0):
        self.window_s = window_s
        self._lock = threading.Lock()
        self._received_s: deque[float] = deque(maxlen=_MAX_EVENTS)
        self._processed_s: deque[float] = deque(maxlen=_MAX_EVENTS)
        self._latencies_ms: deque[tuple[float, float]] = deque(maxlen=_MAX_EVENTS)
        self._counts = {'received': 0, 'processed': 0, 'followed': 0, 'dropped': 0,
                        'skipped': 0, 'failed': 0}
        self._last_error = ''
        self._last_outcome = 'waiting for depth images'

    def received(self) -> None:
        """Count an arriving frame."""
        with self._lock:
            self._received_s.append(time.monotonic())
            self._counts['received'] += 1

    def dropped(self) -> None:
        """Count a frame replaced by a newer one before processing."""
        with self._lock:
            self._counts['dropped'] += 1

    def processed(self, latency_ms: float, followed: bool = False) -> None:
        """Count a frame whose results were published ``latency_ms`` after its stamp."""
        now_s = time.monotonic()
        with self._lock:
            self._processed_s.append(now_s)
            self._latencies_ms.append((now_s, latency_ms))
            self._counts['processed'] += 1
            self._counts['followed'] += followed
            self._last_outcome = 'ok'

    def skipped(self, error: str) -> None:
        """Count a frame rejected as bad input, with the reason."""
        self._count_problem('skipped', error)

    def failed(self, error: str) -> None:
        """Count a frame lost to an unexpected error, with the reason."""
        self._count_problem('failed', error)

    def snapshot(self) -> StatsSnapshot:
        """Return the current rates, latency percentiles and counters."""
        now_s = time.monotonic()
        with self._lock:
            recent_ms = [latency for stamp, latency in self._latencies_ms
                         if now_s - stamp <= self.window_s]
            p50_ms, p99_ms = np.percentile(recent_ms, [50, 99]) if recent_ms else (np.nan,) * 2
            return StatsSnapshot(
                input_rate_hz=self._rate_hz(self._received_s, now_s),
                processing_rate_hz=self._rate_hz(self._processed_s, now_s),
                latency_p50_ms=float(p50_ms), latency_p99_ms=float(p99_ms),
                input_age_s=now_s - self._received_s[-1] if self._received_s else np.inf,
                frames_received=self._counts['received'],
                frames_processed=self._counts['processed'],
                frames_followed=self._counts['followed'],
                frames_dropped=self._counts['dropped'], frames_skipped=self._counts['skipped'],
                frames_failed=self._counts['failed'], last_error=self._last_error,
                last_outcome=self._last_outcome)

    def _count_problem(self, kind: str, error: str) -> None:
        with self._lock:
            self._counts[kind] += 1
            self._last_error = error
            self._last_outcome = kind

    def _rate_hz(self, events_s: deque, now_s: float) -> float:
        """Events per second over the window: (n - 1) intervals over their time span."""
        recent_s = [stamp for stamp in events_s if now_s - stamp <= self.window_s]
        if len(recent_s) < 2:
            return 0.0
        return (len(recent_s) - 1) / max(recent_s[-1] - recent_s[0], 1e-9)


def diagnostic_status(name: str, hardware_id: str, snapshot: StatsSnapshot,
                      info: dict[str, str], window_s: float = 5.0) -> DiagnosticStatus:
    """
    Summarise a snapshot as one DiagnosticStatus.

    ERROR when the last frame failed unexpectedly, WARN when no frame arrived in ``window_s`` or
    the last one was bad input, OK otherwise. ``info`` adds static values (device, model).
    """
    level, message = _level_and_message(snapshot, window_s)
    values = {
        'input_rate_hz': f'{snapshot.input_rate_hz:.1f}',
        'processing_rate_hz': f'{snapshot.processing_rate_hz:.1f}',
        'latency_p50_ms': f'{snapshot.latency_p50_ms:.1f}',
        'latency_p99_ms': f'{snapshot.latency_p99_ms:.1f}',
        'frames_received': str(snapshot.frames_received),
        'frames_processed': str(snapshot.frames_processed),
        'frames_followed': str(snapshot.frames_followed),
        'frames_dropped': str(snapshot.frames_dropped),
        'frames_skipped_bad_input': str(snapshot.frames_skipped),
        'frames_failed': str(snapshot.frames_failed),
        'last_error': snapshot.last_error,
        **info,
    }
    return DiagnosticStatus(
        level=level, name=name, message=message, hardware_id=hardware_id,
        values=[KeyValue(key=key, value=value) for key, value in values.items()])


def _level_and_message(snapshot: StatsSnapshot, window_s: float) -> tuple[bytes, str]:
    if snapshot.last_outcome == 'failed':
        return DiagnosticStatus.ERROR, f'last frame failed: {snapshot.last_error}'
    if snapshot.input_age_s > window_s:
        return DiagnosticStatus.WARN, (f'no depth image in the last {window_s:g} s: check the '
                                       'topic remapping and the QoS reliability')
    if snapshot.last_outcome == 'skipped':
        return DiagnosticStatus.WARN, f'last frame skipped: {snapshot.last_error}'
    return DiagnosticStatus.OK, (f'{snapshot.processing_rate_hz:.1f} Hz, '
                                 f'latency p50 {snapshot.latency_p50_ms:.0f} ms')
