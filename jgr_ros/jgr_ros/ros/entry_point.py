# Copyright 2026 jgr_ros contributors. MIT License.
"""
The ``main`` shared by the console scripts: start a node, spin it, shut down cleanly.

Ctrl-C in a terminal reaches every process of ``ros2 launch`` twice (from the terminal, then
forwarded by launch). rclpy's own SIGINT handler would invalidate the context at once, while
the node's worker thread may still publish (RCLError), and Python's would raise
KeyboardInterrupt wherever the main thread is, also inside the clean-up. So SIGINT and SIGTERM
only ask the spin loop to stop; the node then stops its threads and is destroyed while the
context is still valid, and the context is shut down last. Once the node is gone the signals
are ignored: the second Ctrl-C may arrive while Python exits, when it would otherwise kill the
process (exit status -2, which launch reports as an error).
"""
import signal
import threading
from typing import Callable

from jgr_ros.errors import InputError
import rclpy
from rclpy.executors import SingleThreadedExecutor
import rclpy.logging
from rclpy.node import Node
from rclpy.signals import SignalHandlerOptions

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
SPIN_PERIOD_S = 0.1


def run_node(make_node: Callable[[], Node], name: str, args: list[str] | None = None,
             finished: Callable[[Node], bool] = lambda node: False) -> int:
    """
    Spin the node ``make_node()`` until SIGINT / SIGTERM or ``finished(node)``; return a status.

    A node that cannot start (InputError: missing model file, bad parameter) is reported at
    FATAL level under ``name`` and gives 1.
    """
    stop = threading.Event()
    for number in STOP_SIGNALS:
        signal.signal(number, lambda *_: stop.set())
    rclpy.init(args=args, signal_handler_options=SignalHandlerOptions.NO)
    try:
        try:
            node = make_node()
        except InputError as error:
            rclpy.logging.get_logger(name).fatal(str(error))
            return 1
        executor = SingleThreadedExecutor()
        executor.add_node(node)
        try:
            while not stop.is_set() and not finished(node):
                executor.spin_once(timeout_sec=SPIN_PERIOD_S)
        finally:
            executor.remove_node(node)
            node.destroy_node()
            executor.shutdown()
        return 0
    finally:
        for number in STOP_SIGNALS:
            signal.signal(number, signal.SIG_IGN)   # nothing left to stop
        # rclpy installed no handlers: "uninstalling" would reset SIGINT to kill the process.
        rclpy.try_shutdown(uninstall_handlers=False)
