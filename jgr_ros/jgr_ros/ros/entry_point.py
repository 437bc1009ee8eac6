# Copyright 2026 jgr_ros contributors. MIT License.
"""The ``main`` shared by the console scripts: start a node, spin it, shut down cleanly."""
from typing import Callable

from jgr_ros.errors import InputError
import rclpy
from rclpy.executors import ExternalShutdownException
import rclpy.logging
from rclpy.node import Node


def run_node(make_node: Callable[[], Node], name: str, args: list[str] | None = None,
             finished: Callable[[Node], bool] = lambda node: False) -> int:
    """
    Spin the node ``make_node()`` until Ctrl-C or ``finished(node)``; return an exit status.

    A node that cannot start (InputError: missing model file, bad parameter) is reported at
    FATAL level under ``name`` and gives 1.
    """
    rclpy.init(args=args)
    try:
        node = make_node()
    except InputError as error:
        rclpy.logging.get_logger(name).fatal(str(error))
        rclpy.try_shutdown()
        return 1
    try:
        while rclpy.ok() and not finished(node):
            rclpy.spin_once(node, timeout_sec=0.1)
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
    finally:
        node.destroy_node()
        rclpy.try_shutdown()
    return 0
