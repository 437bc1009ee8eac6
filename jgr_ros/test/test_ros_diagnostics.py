# Copyright 2026 jgr_ros contributors. MIT License.
"""The node's run-time statistics and how they read on /diagnostics; its frame mailbox."""
import threading
import time

import pytest

pytest.importorskip('diagnostic_msgs.msg', reason='ROS messages are not importable: run '
                                                  './setup.sh and source tools/env.sh')
pytest.importorskip('jgr_msgs.msg', reason='jgr_msgs is not built: run ./setup.sh')
from diagnostic_msgs.msg import DiagnosticStatus  # noqa: E402, I100
from jgr_ros.ros.diagnostics import diagnostic_status, PipelineStats  # noqa: E402
from jgr_ros.ros.hand_pose_node import LatestFrame, WarningThrottle  # noqa: E402
from sensor_msgs.msg import Image  # noqa: E402


def test_statistics_measure_rates_latency_and_outcomes():
    stats = PipelineStats(window_s=5.0)
    for latency_ms in range(1, 101):
        stats.received()
        stats.processed(float(latency_ms), followed=latency_ms > 60)
        time.sleep(0.001)
    stats.received()
    stats.dropped()
    snapshot = stats.snapshot()
    assert 100.0 < snapshot.input_rate_hz < 1100.0
    assert snapshot.latency_p50_ms == pytest.approx(50.5)
    assert snapshot.latency_p99_ms == pytest.approx(99.01)
    assert (snapshot.frames_received, snapshot.frames_processed, snapshot.frames_dropped) == (
        101, 100, 1)
    status = diagnostic_status('node', 'cpu', snapshot, {'model': 'm.pt'})
    assert status.level == DiagnosticStatus.OK
    values = {value.key: value.value for value in status.values}
    assert values['latency_p50_ms'] == '50.5' and values['model'] == 'm.pt'
    assert values['frames_processed'] == '100' and values['frames_followed'] == '40'
    stats.skipped('depth data truncated')
    status = diagnostic_status('node', 'cpu', stats.snapshot(), {})
    assert (status.level, status.message) == (DiagnosticStatus.WARN,
                                              'last frame skipped: depth data truncated')
    stats.failed('RuntimeError: boom')
    assert diagnostic_status('node', 'cpu', stats.snapshot(), {}).level == DiagnosticStatus.ERROR


def test_statistics_warn_when_no_frame_arrives_and_stay_bounded():
    stats = PipelineStats(window_s=0.05)
    status = diagnostic_status('node', 'cpu', stats.snapshot(), {}, window_s=0.05)
    assert status.level == DiagnosticStatus.WARN and 'no depth image' in status.message
    for _ in range(5000):
        stats.received()
    assert len(stats._received_s) < 5000    # bounded memory, however long it runs
    time.sleep(0.06)
    assert stats.snapshot().input_rate_hz == 0.0


def test_the_mailbox_keeps_only_the_newest_frame():
    mailbox = LatestFrame()
    first, second = Image(width=1), Image(width=2)
    assert mailbox.put(first) is False
    assert mailbox.put(second) is True          # the first was never taken: dropped
    assert mailbox.take() is second
    taken = []
    worker = threading.Thread(target=lambda: taken.append(mailbox.take()))
    worker.start()
    mailbox.close()                             # wakes a waiting worker for good
    worker.join(timeout=2.0)
    assert taken == [None] and not worker.is_alive()


def test_the_same_warning_is_throttled_but_a_different_one_is_not():
    throttle = WarningThrottle(period_s=0.2, max_kinds=2)
    assert throttle.allow('truncated') and not throttle.allow('truncated')
    assert throttle.allow('wrong encoding')
    assert throttle.allow('no camera_info')      # forgets the oldest beyond max_kinds
    assert len(throttle._last_s) == 2
    time.sleep(0.25)
    assert throttle.allow('wrong encoding')
