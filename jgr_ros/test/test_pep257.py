# Copyright 2026 jgr_ros contributors. MIT License.
"""ament's pep257 docstring check of the package, as in every ament_python package."""
import pytest

ament_pep257 = pytest.importorskip('ament_pep257.main', reason='ament_pep257 is not installed')


@pytest.mark.linter
@pytest.mark.pep257
def test_pep257():
    rc = ament_pep257.main(argv=['.', 'test'])
    assert rc == 0, 'Found code style errors / warnings'
