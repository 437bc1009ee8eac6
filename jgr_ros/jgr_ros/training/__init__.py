# Copyright 2026 jgr_ros contributors. MIT License.
"""Training and evaluation tools: datasets, augmentation, jgr-train, jgr-eval, jgr-predict."""
