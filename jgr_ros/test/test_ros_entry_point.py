# Copyright 2026 jgr_ros contributors. MIT License.
"""The console scripts' stop handling: a node stuck after a stop signal dumps stacks and exits."""
import subprocess
import sys
import time

from jgr_ros.ros.entry_point import STOP_TIMEOUT_S

STUCK_AFTER_STOP = """
import os, signal, time
from jgr_ros.ros import entry_point
entry_point.catch_stop_signals()
entry_point._ros_started.set()          # as run_node does once ROS is up
entry_point._node_built.set()           # ... and once its node spins
os.kill(os.getpid(), signal.SIGINT)     # the stop request...
def clean_up_that_never_ends():
    time.sleep(60)
clean_up_that_never_ends()              # ...and a clean-up that never returns
"""


def test_a_process_stuck_after_the_stop_signal_dumps_its_stacks_and_exits():
    start = time.monotonic()
    done = subprocess.run([sys.executable, '-c', STUCK_AFTER_STOP], capture_output=True,
                          text=True, timeout=30)
    took_s = time.monotonic() - start
    assert done.returncode == 1, done.stderr
    assert 'clean_up_that_never_ends' in done.stderr   # the stuck thread's stack, for the log
    assert STOP_TIMEOUT_S <= took_s < 30


SLOW_START_AFTER_STOP = """
import os, signal, time
from jgr_ros.ros import entry_point
entry_point.catch_stop_signals()
entry_point._ros_started.set()          # ROS is up, the node still loads its models...
os.kill(os.getpid(), signal.SIGINT)     # ...when the stop comes
time.sleep(entry_point.STOP_TIMEOUT_S + 1.0)
"""


def test_a_stop_while_the_models_load_waits_for_them():
    # Loading can take longer than STOP_TIMEOUT_S on a busy machine; that is not a hang.
    done = subprocess.run([sys.executable, '-c', SLOW_START_AFTER_STOP], capture_output=True,
                          text=True, timeout=30)
    assert done.returncode == 0 and 'Thread' not in done.stderr, done.stderr
