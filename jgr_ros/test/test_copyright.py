# Copyright 2026 jgr_ros contributors. MIT License.
"""
Every Python file carries the project's copyright line.

Uses ament_copyright where it is installed (a full ROS install); the ros-* wheels do not
publish it, so elsewhere the same rule is checked directly.
"""

import pathlib
import re

import pytest

PACKAGE_ROOT = pathlib.Path(__file__).resolve().parents[1]
COPYRIGHT = re.compile(r'^# Copyright \d{4} jgr_ros contributors\. MIT License\.$', re.MULTILINE)


@pytest.mark.copyright
@pytest.mark.linter
def test_copyright():
    try:
        from ament_copyright.main import main
    except ImportError:
        missing = [str(path.relative_to(PACKAGE_ROOT))
                   for path in sorted(PACKAGE_ROOT.rglob('*.py'))
                   if path.name != 'setup.py' and not COPYRIGHT.search(path.read_text()[:400])]
        assert not missing, 'Files without the copyright line:\n' + '\n'.join(missing)
    else:
        assert main(argv=['.', 'test']) == 0, 'Found errors'
