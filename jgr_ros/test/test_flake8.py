# Copyright 2026 jgr_ros contributors. MIT License.
"""ament's flake8 check of the package, as in every ament_python package."""
import pytest

ament_flake8 = pytest.importorskip('ament_flake8.main', reason='ament_flake8 is not installed')


@pytest.mark.flake8
@pytest.mark.linter
def test_flake8():
    rc, errors = ament_flake8.main_with_errors(argv=[])
    assert rc == 0, f'Found {len(errors)} code style errors / warnings:\n' + '\n'.join(errors)
