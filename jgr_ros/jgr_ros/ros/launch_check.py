# Copyright 2026 jgr_ros contributors. MIT License.
"""
``ros2 launch`` of this package as a user runs it, watched from outside: start-up and shutdown.

    python -m jgr_ros.ros.launch_check first-pose --runs 5    # launch -> first HandPoseArray
    python -m jgr_ros.ros.launch_check sigint --runs 20       # SIGINT stops, clean and in time

Each run starts ``ros2 launch jgr_ros hand_pose.launch.py camera:=synthetic`` in its own
process group on a random ROS domain (localhost discovery), listens to ``hand_poses`` from this
process, then sends SIGINT to the group as a terminal's Ctrl-C does. The launch tests use
:class:`LaunchRun` and :class:`PoseListener` too. Needs ``ros2 launch`` on PATH (a ROS install,
or the launch stack built from ../shared/ros2-launch: see setup.sh).
"""
import argparse
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import threading
import time

from jgr_msgs.msg import HandPoseArray
import rclpy
from rclpy.executors import SingleThreadedExecutor

# A clean stop: no line at ERROR level (ROS logger or launch), no Python traceback.
FAILURE_PATTERNS = (re.compile(r'\bERROR\b'), re.compile(r'Traceback'))
STOP_TIMEOUT_S = 5.0


class LaunchRun:
    """``ros2 launch jgr_ros <file> name:=value ...`` in its own process group, output kept."""

    def __init__(self, launch_file: str, arguments: dict[str, str] | None = None,
                 domain_id: int | None = None):
        """Start the launch; its output is collected by a reader thread."""
        self.domain_id = domain_id if domain_id is not None else random.randint(1, 100)
        # The environment of the launch, for ``ros2`` commands that should reach its nodes.
        self.process_environment = {**os.environ, 'ROS_DOMAIN_ID': str(self.domain_id),
                                    'ROS_AUTOMATIC_DISCOVERY_RANGE': 'LOCALHOST',
                                    'PYTHONUNBUFFERED': '1'}
        command = ['ros2', 'launch', 'jgr_ros', launch_file,
                   *(f'{name}:={value}' for name, value in (arguments or {}).items())]
        self.started_s = time.monotonic()
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True,
                                        env=self.process_environment,
                                        start_new_session=True)
        self._lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self._lines.append(line)

    @property
    def output(self) -> str:
        """Return everything the launch printed so far."""
        return ''.join(self._lines)

    def failures(self) -> list[str]:
        """Return the output lines that show an error or a traceback."""
        return [line for line in self._lines
                if any(pattern.search(line) for pattern in FAILURE_PATTERNS)]

    def wait(self, timeout_s: float) -> int | None:
        """Wait for the launch to end; return its exit status (None: still running)."""
        try:
            status = self.process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            return None
        self._reader.join(timeout=1.0)
        return status

    def interrupt(self, timeout_s: float = STOP_TIMEOUT_S) -> tuple[int | None, float]:
        """Send SIGINT to the whole group (Ctrl-C); return (exit status, seconds to stop)."""
        sent_s = time.monotonic()
        os.killpg(self.process.pid, signal.SIGINT)
        status = self.wait(timeout_s)
        return status, time.monotonic() - sent_s

    def group_alive(self) -> bool:
        """Whether any process of the launch's group (a node it started) still runs."""
        try:
            os.killpg(self.process.pid, 0)
        except ProcessLookupError:
            return False
        return True

    def kill(self) -> None:
        """Make sure nothing of the launch survives (after a failed check)."""
        if self.group_alive():
            os.killpg(self.process.pid, signal.SIGINT)
            deadline_s = time.monotonic() + 10.0
            while self.group_alive() and time.monotonic() < deadline_s:
                time.sleep(0.1)
        if self.group_alive():
            os.killpg(self.process.pid, signal.SIGKILL)
        self.wait(5.0)


class PoseListener:
    """A node on the launch's domain that records HandPoseArray topics with their arrival."""

    def __init__(self, domain_id: int):
        """Join ``domain_id`` (localhost discovery) in a private rclpy context."""
        os.environ['ROS_AUTOMATIC_DISCOVERY_RANGE'] = 'LOCALHOST'
        self.context = rclpy.Context()
        rclpy.init(context=self.context, domain_id=domain_id)
        self.node = rclpy.create_node('jgr_launch_check', context=self.context)
        self.executor = SingleThreadedExecutor(context=self.context)
        self.executor.add_node(self.node)
        self.received: dict[str, list[tuple[float, HandPoseArray]]] = {}

    def listen(self, topic: str) -> list[tuple[float, HandPoseArray]]:
        """Record ``topic`` from now on: (monotonic arrival, message) pairs."""
        messages = self.received.setdefault(topic, [])
        self.node.create_subscription(
            HandPoseArray, topic, lambda msg: messages.append((time.monotonic(), msg)), 50)
        return messages

    def spin_until(self, condition, timeout_s: float) -> bool:
        """Serve callbacks until ``condition()`` holds or ``timeout_s`` passed."""
        deadline_s = time.monotonic() + timeout_s
        while not condition() and time.monotonic() < deadline_s:
            self.executor.spin_once(timeout_sec=0.05)
        return condition()

    def close(self) -> None:
        """Leave the domain."""
        self.executor.shutdown()
        self.node.destroy_node()
        self.context.try_shutdown()


def first_pose_s(timeout_s: float = 60.0) -> tuple[float, float]:
    """Launch camera:=synthetic; return seconds to the first HandPoseArray and to a hand."""
    run = LaunchRun('hand_pose.launch.py', {'camera': 'synthetic'})
    listener = PoseListener(run.domain_id)
    poses = listener.listen('/hand_poses')
    try:
        if not listener.spin_until(lambda: any(msg.hands for _, msg in poses), timeout_s):
            raise RuntimeError(f'no hand within {timeout_s:g} s; launch output:\n{run.output}')
        first_hand_s = next(arrival for arrival, msg in poses if msg.hands)
        return poses[0][0] - run.started_s, first_hand_s - run.started_s
    finally:
        listener.close()
        run.interrupt()
        run.kill()


def clean_stop(run_s: float = 2.0, timeout_s: float = 60.0) -> tuple[bool, str]:
    """
    Launch camera:=synthetic, SIGINT it ``run_s`` after its first hand: (clean, report).

    Clean: exit status 0 within STOP_TIMEOUT_S, no ERROR line, no traceback, nothing left.
    """
    run = LaunchRun('hand_pose.launch.py', {'camera': 'synthetic'})
    listener = PoseListener(run.domain_id)
    try:
        poses = listener.listen('/hand_poses')
        if not listener.spin_until(lambda: any(msg.hands for _, msg in poses), timeout_s):
            return False, f'no hand within {timeout_s:g} s'
        listener.spin_until(lambda: False, run_s)
        status, stop_s = run.interrupt()
        problems = run.failures()
        if status != 0:
            problems.append(f'exit status {status} after {stop_s:.1f} s\n')
        if run.group_alive():
            problems.append('a process of the launch survived it\n')
        return not problems, ''.join(problems) if problems else f'stopped in {stop_s:.2f} s'
    finally:
        listener.close()
        run.kill()


def main(argv: list[str] | None = None) -> int:
    """Run the chosen check ``--runs`` times; print each run and the summary."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('check', choices=('first-pose', 'sigint'))
    parser.add_argument('--runs', type=int, default=5)
    parser.add_argument('--run-s', type=float, default=2.0,
                        help='sigint: seconds each launch runs after its first hand, then SIGINT')
    args = parser.parse_args(argv)
    if args.check == 'first-pose':
        firsts, hands = [], []
        for index in range(args.runs):
            first_s, hand_s = first_pose_s()
            firsts.append(first_s)
            hands.append(hand_s)
            print(f'run {index + 1}: first HandPoseArray {first_s:.2f} s, first hand '
                  f'{hand_s:.2f} s after ros2 launch', flush=True)
        print(f'median of {args.runs}: first HandPoseArray {statistics.median(firsts):.2f} s, '
              f'first hand {statistics.median(hands):.2f} s')
        return 0
    clean_runs = 0
    for index in range(args.runs):
        clean, report = clean_stop(args.run_s)
        clean_runs += clean
        print(f'run {index + 1}: {"clean" if clean else "NOT CLEAN"}: {report}', flush=True)
    print(f'{clean_runs} of {args.runs} SIGINT stops clean (exit 0, no ERROR line, no '
          'traceback, no process left)')
    return 0 if clean_runs == args.runs else 1


if __name__ == '__main__':
    sys.exit(main())
