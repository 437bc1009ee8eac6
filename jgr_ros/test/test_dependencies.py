# Copyright 2026 jgr_ros contributors. MIT License.
"""Every module the package and its launch files import is declared: package.xml, setup.py."""
import ast
import pathlib
import sys
import xml.etree.ElementTree as ElementTree

PACKAGE_ROOT = pathlib.Path(__file__).resolve().parents[1]
SOURCES = [*(PACKAGE_ROOT / 'jgr_ros').rglob('*.py'), *(PACKAGE_ROOT / 'launch').glob('*.py')]
# Imported module -> (rosdep key in package.xml, or None where rosdep has none; pip requirement
# in setup.py, or None for ROS packages, which pip cannot install).
DECLARATIONS = {
    'ament_index_python': ('ament_index_python', None),
    'builtin_interfaces': ('builtin_interfaces', None),
    'cv2': ('python3-opencv', 'opencv-python-headless'),
    'diagnostic_msgs': ('diagnostic_msgs', None),
    'geometry_msgs': ('geometry_msgs', None),
    'jgr_msgs': ('jgr_msgs', None),
    'launch': ('launch', None),
    'launch_ros': ('launch_ros', None),
    'lifecycle_msgs': ('lifecycle_msgs', None),
    'matplotlib': ('python3-matplotlib', 'matplotlib'),
    'numpy': ('python3-numpy', 'numpy'),
    'onnx': (None, 'onnx'),   # int8 only; without it 'auto' runs fp32 (jgr_ros.runtime)
    'onnxruntime': ('python3-onnxruntime-pip', 'onnxruntime'),
    'rcl_interfaces': ('rcl_interfaces', None),
    'rclpy': ('rclpy', None),
    'scipy': ('python3-scipy', 'scipy'),
    'sensor_msgs': ('sensor_msgs', None),
    'std_msgs': ('std_msgs', None),
    'torch': ('python3-torch', 'torch'),
    'tqdm': ('python3-tqdm', 'tqdm'),
    'transforms3d': ('python3-transforms3d', 'transforms3d'),
    'visualization_msgs': ('visualization_msgs', None),
    'yaml': ('python3-yaml', 'pyyaml'),
}


def imported_modules() -> set[str]:
    """Top-level names of every absolute import in the sources, standard library excluded."""
    modules = set()
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                modules.update(alias.name.split('.')[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                modules.add(node.module.split('.')[0])
    return modules - set(sys.stdlib_module_names) - {'jgr_ros'}


def setup_requirements() -> set[str]:
    """install_requires and every extra of setup.py (literal lists)."""
    requirements = set()
    for node in ast.walk(ast.parse((PACKAGE_ROOT / 'setup.py').read_text())):
        if isinstance(node, ast.keyword) and node.arg == 'install_requires':
            requirements.update(ast.literal_eval(node.value))
        if isinstance(node, ast.keyword) and node.arg == 'extras_require':
            for extra in ast.literal_eval(node.value).values():
                requirements.update(extra)
    return requirements


def test_every_imported_module_is_declared_in_package_xml_and_setup_py():
    package_xml = ElementTree.parse(PACKAGE_ROOT / 'package.xml').getroot()
    rosdep_keys = {element.text for element in package_xml
                   if element.tag in ('depend', 'exec_depend')}
    requirements = setup_requirements()
    modules = imported_modules()
    assert modules - set(DECLARATIONS) == set(), 'add these imports to DECLARATIONS'
    for module in sorted(modules):
        key, requirement = DECLARATIONS[module]
        assert key is None or key in rosdep_keys, (
            f'{module}: package.xml lacks <exec_depend>{key}')
        assert requirement is None or requirement in requirements, (
            f'{module}: setup.py lacks {requirement}')


def test_nothing_is_declared_that_no_code_imports():
    declared = {key for key, _ in DECLARATIONS.values()}
    package_xml = ElementTree.parse(PACKAGE_ROOT / 'package.xml').getroot()
    exec_depends = {element.text for element in package_xml if element.tag == 'exec_depend'}
    used = {DECLARATIONS[module][0] for module in imported_modules()}
    # rviz2 is started by the launch file (an executable, not an import).
    assert exec_depends - used - {'rviz2'} == set()
    assert declared >= used


def test_the_core_imports_no_ros():
    core = [path for path in (PACKAGE_ROOT / 'jgr_ros').rglob('*.py')
            if path.relative_to(PACKAGE_ROOT / 'jgr_ros').parts[0] != 'ros']
    ros_modules = {module for module, (_, requirement) in DECLARATIONS.items()
                   if requirement is None}
    for path in core:
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import) else
                     [node.module] if isinstance(node, ast.ImportFrom) and node.module else [])
            for name in names:
                assert name.split('.')[0] not in ros_modules, f'{path} imports {name}'
                assert not name.startswith('jgr_ros.ros'), f'{path} imports {name}'
