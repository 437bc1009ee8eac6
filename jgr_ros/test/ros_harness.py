# Copyright 2026 jgr_ros contributors. MIT License.
"""
Real rclpy over real DDS for tests, isolated from other runs on the same machine.

Each test gets its own rclpy Context on a random ROS_DOMAIN_ID with discovery limited to
localhost, and its own topic prefix, so parallel or repeated runs do not cross-talk.
"""
import os
import random
import time
import uuid

import pytest

rclpy = pytest.importorskip('rclpy', reason='rclpy is not importable: run ./setup.sh and source '
                                            'tools/env.sh (or a ROS 2 install)')
from rclpy.executors import SingleThreadedExecutor  # noqa: E402


class RosHarness:
    """An isolated rclpy context with helpers to spin until a condition holds."""

    def __init__(self):
        os.environ['ROS_AUTOMATIC_DISCOVERY_RANGE'] = 'LOCALHOST'
        self.domain_id = random.randint(1, 100)
        self.context = rclpy.Context()
        rclpy.init(context=self.context, domain_id=self.domain_id)
        self.executor = SingleThreadedExecutor(context=self.context)
        self.prefix = f'/test_{uuid.uuid4().hex[:8]}'
        self.nodes = []

    def node(self, name: str, **kwargs):
        node = rclpy.create_node(name, context=self.context, **kwargs)
        self.executor.add_node(node)
        self.nodes.append(node)
        return node

    def topic(self, name: str) -> str:
        return f'{self.prefix}/{name}'

    def spin_until(self, condition, timeout_s: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if condition():
                return True
            self.executor.spin_once(timeout_sec=0.02)
        return condition()

    def shutdown(self):
        for node in self.nodes:
            self.executor.remove_node(node)
            node.destroy_node()
        self.executor.shutdown()
        rclpy.shutdown(context=self.context)


@pytest.fixture
def ros():
    harness = RosHarness()
    yield harness
    harness.shutdown()
