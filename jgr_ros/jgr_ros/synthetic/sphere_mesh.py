# Copyright 2026 jgr_ros contributors. MIT License.
"""
Sphere meshes (Tkach, Pauly and Tagliasacchi, SIGGRAPH Asia 2016): the surface the renderer casts.

A sphere mesh is a set of spheres plus the convex hulls of some pairs of them ("pills": round
cones with different end radii, listed in ``edges``) and of some triples ("wedges", listed in
``triangles``). Every edge of a triangle is also an edge, so the union of all spheres, pills and
wedges is exactly the union of the hulls listed.
"""

from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np


@dataclass(frozen=True)
class SphereMesh:
    """Spheres (centres in metres, radii in metres) with pill edges and wedge triangles."""

    centers_m: np.ndarray  # (S, 3) float64
    radii_m: np.ndarray    # (S,) float64
    edges: np.ndarray      # (E, 2) int64 sphere indices, triangle edges included
    triangles: np.ndarray  # (T, 3) int64 sphere indices

    def transformed(self, rotation: np.ndarray, translation_m: np.ndarray) -> 'SphereMesh':
        """Return the mesh mapped by x -> rotation @ x + translation (rotation orthogonal)."""
        centers_m = self.centers_m @ np.asarray(rotation).T + translation_m
        return SphereMesh(centers_m, self.radii_m, self.edges, self.triangles)

    @staticmethod
    def concatenate(meshes: Sequence['SphereMesh']) -> 'SphereMesh':
        """Join several meshes into one (sphere indices of later meshes are shifted)."""
        offsets = np.cumsum([0] + [len(mesh.radii_m) for mesh in meshes[:-1]])
        return SphereMesh(
            np.concatenate([mesh.centers_m for mesh in meshes]),
            np.concatenate([mesh.radii_m for mesh in meshes]),
            np.concatenate([mesh.edges + offset for mesh, offset in zip(meshes, offsets)]),
            np.concatenate([mesh.triangles + offset for mesh, offset in zip(meshes, offsets)]))


def mesh_topology(edges: Iterable[tuple[int, int]],
                  triangles: Iterable[tuple[int, int, int]]) -> tuple[np.ndarray, np.ndarray]:
    """Return (edges, triangles) index arrays, the edges completed with every triangle edge."""
    triangles = np.asarray(list(triangles), dtype=np.int64).reshape(-1, 3)
    all_edges = {tuple(sorted(edge)) for edge in edges}
    for a, b, c in triangles.tolist():
        all_edges |= {tuple(sorted(edge)) for edge in ((a, b), (b, c), (c, a))}
    return np.asarray(sorted(all_edges), dtype=np.int64).reshape(-1, 2), triangles


def single_pill(start_m: np.ndarray, end_m: np.ndarray, start_radius_m: float,
                end_radius_m: float) -> SphereMesh:
    """Return a mesh of one pill (a sphere when start and end coincide in position and radius)."""
    return SphereMesh(np.stack([start_m, end_m]).astype(np.float64),
                      np.array([start_radius_m, end_radius_m], dtype=np.float64),
                      np.array([[0, 1]], dtype=np.int64), np.zeros((0, 3), dtype=np.int64))
