"""jgr_ros: 3-D hand pose estimation from depth images with JGR-P2O, for ROS 2."""
from glob import glob

from setuptools import find_packages, setup

PACKAGE = 'jgr_ros'

setup(
    name=PACKAGE,
    version='0.1.0',
    packages=find_packages(exclude=['test']),
    package_data={PACKAGE: ['models/*.pt', 'models/*.md', 'models/*.json', 'models/*.npz']},
    data_files=[
        ('share/ament_index/resource_index/packages', [f'resource/{PACKAGE}']),
        (f'share/{PACKAGE}', ['package.xml']),
        (f'share/{PACKAGE}/launch', glob('launch/*.launch.py')),
        (f'share/{PACKAGE}/config',
         glob('config/*.yaml') + glob('config/*.rviz') + glob('config/*.xml')),
        (f'share/{PACKAGE}/config/train', glob('config/train/*.yaml')),
    ],
    python_requires='>=3.10',
    # Every third-party import (test/test_dependencies.py checks it against the sources);
    # onnxruntime is the fast CPU backend: without it the node runs TorchScript, slower; onnx
    # lets ONNX Runtime quantise JGR-P2O to int8 (without it the CPU runs fp32, slower).
    install_requires=['numpy', 'onnx', 'onnxruntime', 'opencv-python-headless', 'pyyaml',
                      'torch', 'transforms3d'],
    zip_safe=False,
    maintainer='jgr_ros maintainers',
    maintainer_email='maintainers@jgr-ros.dev',
    description='Real-time 3-D hand pose estimation from a single depth camera with JGR-P2O.',
    license='MIT',
    extras_require={'test': ['pytest'],
                    # jgr-train, jgr-eval and the dataset loaders (training/).
                    'training': ['matplotlib', 'scipy', 'tqdm']},
    entry_points={
        'console_scripts': [
            'jgr-train = jgr_ros.training.train:main',
            'jgr-predict = jgr_ros.training.predict:main',
            'jgr-eval = jgr_ros.training.evaluate:main',
            'jgr-bench = jgr_ros.ros.bench_node:main',
            # Nodes: entry_point catches Ctrl-C before the (slow) imports of the node modules.
            'hand_pose_node = jgr_ros.ros.entry_point:hand_pose_node',
            'managed_hand_pose_node = jgr_ros.ros.entry_point:managed_hand_pose_node',
            'synthetic_camera_node = jgr_ros.ros.entry_point:synthetic_camera_node',
            'gesture_teleop_node = jgr_ros.ros.entry_point:gesture_teleop_node',
        ],
    },
)
