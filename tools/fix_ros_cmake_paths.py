"""Point the ros-* wheels' exported CMake targets at this interpreter's headers.

Every message package's exported CMake target (share/<pkg>/cmake/*Export*.cmake) lists the
INTERFACE_INCLUDE_DIRECTORIES of the machine that built the wheels, e.g.
``/opt/python/cp311-cp311/include/python3.11`` and ``.../site-packages/numpy/_core/include``.
CMake refuses to generate while those do not exist, so rewrite them, inside the virtual
environment only, to this interpreter's include directory and ``numpy.get_include()``.
Idempotent; run again after installing more ros-* wheels.
"""
import pathlib
import re
import sys
import sysconfig

import numpy

BUILD_MACHINE_NUMPY = re.compile(r"/opt/python/[^;\"]*?/site-packages/numpy/(?:_?core)/include")
BUILD_MACHINE_PYTHON = re.compile(r"/opt/python/cp\d+-cp\d+t?/include/python[\d.]+t?")


def fix_file(path: pathlib.Path) -> bool:
    text = path.read_text()
    fixed = BUILD_MACHINE_NUMPY.sub(numpy.get_include(), text)
    fixed = BUILD_MACHINE_PYTHON.sub(sysconfig.get_paths()["include"], fixed)
    if fixed == text:
        return False
    path.write_text(fixed)
    return True


def main() -> int:
    share = pathlib.Path(sys.prefix) / "share"
    changed = [p for p in share.glob("*/cmake/*.cmake") if fix_file(p)]
    leftover = [p for p in share.glob("*/cmake/*.cmake") if "/opt/python/" in p.read_text()]
    if leftover:
        print("fix_ros_cmake_paths: unhandled build-machine paths in:", *leftover, sep="\n  ")
        return 1
    if changed:
        print(f"fix_ros_cmake_paths: rewrote {len(changed)} CMake export files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
