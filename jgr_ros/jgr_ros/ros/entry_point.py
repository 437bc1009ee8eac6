# Copyright 2026 jgr_ros contributors. MIT License.
"""
The console scripts of the nodes, and the ``main`` they share: start a node, spin it, stop it.

Ctrl-C in a terminal reaches every process of ``ros2 launch`` twice (from the terminal, then
forwarded by launch), possibly while a node is still importing PyTorch. rclpy's own SIGINT
handler would invalidate the context at once, while the node's worker thread may still publish
(RCLError), and Python's would raise KeyboardInterrupt wherever the main thread is, also inside
the imports or the clean-up. So the console scripts catch SIGINT and SIGTERM first, before any
heavy import (this module imports rclpy only when a node runs). Until ROS is initialised there
is nothing to clean up and a signal ends the process at once (status 0); afterwards it only
asks the spin loop to stop: the node then stops its threads and is destroyed while the context
is still valid, and the context is shut down last. Once the node is gone the signals are
ignored: the second Ctrl-C may arrive while Python exits, when it would otherwise kill the
process (exit status -2, which launch reports as an error). A stop of a running node (a
signal, or ``finished``) that has not ended the process within STOP_TIMEOUT_S (once in about
ten test runs a node ignored SIGINT and SIGTERM after a live parameter change, cause unknown)
dumps every thread's stack to stderr, where launch logs it, and exits with status 1: Python's
faulthandler does this from its own C thread, so it works even where the main thread is stuck.
A node still loading its models is not timed. SIGUSR1 dumps the stacks of a running node on
demand (``kill -USR1 <pid>``). Finally the console scripts leave without the interpreter's
teardown of PyTorch and ONNX Runtime, which alone took 1.9 s on a busy
2-core machine: most of the time a Ctrl-C took.
"""
import faulthandler
import importlib
import os
import signal
import sys
import threading
from typing import Callable

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
SPIN_PERIOD_S = 0.1
STOP_TIMEOUT_S = 4.0   # launch sends SIGTERM 5 s after SIGINT, SIGKILL 5 s after that
_stop_requested = threading.Event()
_ros_started = threading.Event()
_node_built = threading.Event()   # a node is spinning: a stop must be quick from now on


def catch_stop_signals() -> None:
    """From now on SIGINT and SIGTERM end a process still starting, or request a stop."""
    for number in STOP_SIGNALS:
        signal.signal(number, _on_stop_signal)
    faulthandler.register(signal.SIGUSR1, all_threads=True)


def _on_stop_signal(*_) -> None:
    if not _ros_started.is_set():
        os._exit(0)   # still importing: no context, no node, nothing to clean up
    if _node_built.is_set() and not _stop_requested.is_set():
        _stop_within_timeout()
    _stop_requested.set()


def _stop_within_timeout() -> None:
    """Dump every thread's stack and exit (status 1) unless the process ends in time."""
    faulthandler.dump_traceback_later(STOP_TIMEOUT_S, exit=True)


def run_node(make_node: Callable, name: str, args: list[str] | None = None,
             finished: Callable = lambda node: False) -> int:
    """
    Spin the node ``make_node()`` until SIGINT / SIGTERM or ``finished(node)``; return a status.

    A node that cannot start (InputError: missing model file, bad parameter) is reported at
    FATAL level under ``name`` and gives 1. A stop requested before the node exists ends the
    run before it is built (building loads models: seconds).
    """
    # Imported here, after the console script caught the stop signals.
    from jgr_ros.errors import InputError
    import rclpy
    from rclpy.executors import SingleThreadedExecutor
    import rclpy.logging
    from rclpy.signals import SignalHandlerOptions

    catch_stop_signals()
    _ros_started.set()
    rclpy.init(args=args, signal_handler_options=SignalHandlerOptions.NO)
    try:
        if _stop_requested.is_set():
            return 0
        try:
            node = make_node()
        except InputError as error:
            rclpy.logging.get_logger(name).fatal(str(error))
            return 1
        executor = SingleThreadedExecutor()
        executor.add_node(node)
        _node_built.set()   # loading models may take longer than STOP_TIMEOUT_S; stopping not
        try:
            while not _stop_requested.is_set() and not finished(node):
                executor.spin_once(timeout_sec=SPIN_PERIOD_S)
        finally:
            _stop_within_timeout()
            executor.remove_node(node)
            node.destroy_node()
            executor.shutdown()
        return 0
    finally:
        for number in STOP_SIGNALS:
            signal.signal(number, signal.SIG_IGN)   # nothing left to stop
        # rclpy installed no handlers: "uninstalling" would reset SIGINT to kill the process.
        rclpy.try_shutdown(uninstall_handlers=False)
        faulthandler.cancel_dump_traceback_later()   # stopped in time


def _console_script(module: str, function: str = 'main') -> Callable[[], int]:
    """Return a console script: catch the stop signals, import ``module``, run it, exit."""
    def run() -> int:
        catch_stop_signals()
        status = getattr(importlib.import_module(module), function)()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)   # the node is destroyed and ROS shut down: skip the slow teardown
    return run


hand_pose_node = _console_script('jgr_ros.ros.hand_pose_node')
managed_hand_pose_node = _console_script('jgr_ros.ros.hand_pose_node', 'managed_main')
synthetic_camera_node = _console_script('jgr_ros.ros.synthetic_camera_node')
gesture_teleop_node = _console_script('jgr_ros.ros.gesture_teleop_node')
