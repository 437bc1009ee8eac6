# Copyright 2026 jgr_ros contributors. MIT License.
"""
A small multilayer perceptron classifier: fitted with PyTorch, run with NumPy.

The gesture and handedness classifiers are one hidden layer on a few hundred features: a few
microseconds per hand in NumPy, so the node needs no second network runtime. Inputs are
standardised with the training set's mean and spread, stored with the weights; several
classifiers live in one ``.npz`` file (no pickle), each under its own key prefix.

An :class:`MlpEnsemble` averages the probabilities of a few such classifiers fitted with
different seeds (:func:`fit_ensemble`): a single fit's held-out accuracy moves with its seed,
the average of a few is steadier and better (the numbers: hand_classifiers_mano21.md). In a
file its members are ``<name>.0``, ``<name>.1``, ...; :func:`load_mlps` gathers them back
under ``<name>``.
"""
from dataclasses import dataclass, replace
import json
import pathlib

from jgr_ros.errors import InputError
import numpy as np
import torch
from torch import nn


@dataclass(frozen=True)
class Mlp:
    """Standardise, one ReLU hidden layer, softmax over ``labels``."""

    labels: tuple[str, ...]
    feature_mean: np.ndarray    # (F,)
    feature_scale: np.ndarray   # (F,)
    hidden_weight: np.ndarray   # (F, H)
    hidden_bias: np.ndarray     # (H,)
    output_weight: np.ndarray   # (H, C)
    output_bias: np.ndarray     # (C,)

    def logits(self, features: np.ndarray) -> np.ndarray:
        """Return unnormalised log-probabilities, (N, C) or (C,), of features (N, F) or (F,)."""
        standard = (features - self.feature_mean) / self.feature_scale
        hidden = np.maximum(standard @ self.hidden_weight + self.hidden_bias, 0.0)
        return hidden @ self.output_weight + self.output_bias

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        """Return class probabilities: the softmax of the logits."""
        logits = self.logits(features)
        exponentials = np.exp(logits - logits.max(axis=-1, keepdims=True))
        return exponentials / exponentials.sum(axis=-1, keepdims=True)


@dataclass(frozen=True)
class MlpEnsemble:
    """Classifiers over the same labels and features whose probabilities are averaged."""

    members: tuple[Mlp, ...]

    def __post_init__(self) -> None:
        """Reject an empty ensemble or members with different labels (InputError)."""
        if not self.members or len({member.labels for member in self.members}) != 1:
            raise InputError('an ensemble needs at least one member, all with the same labels')

    @property
    def labels(self) -> tuple[str, ...]:
        return self.members[0].labels

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        """Return the members' class probabilities, averaged."""
        return np.mean([member.probabilities(features) for member in self.members], axis=0)

    def logits(self, features: np.ndarray) -> np.ndarray:
        """Return the log of the averaged probabilities (differences are log-odds)."""
        return np.log(np.maximum(self.probabilities(features), 1e-12))


Classifier = Mlp | MlpEnsemble


@dataclass(frozen=True)
class FitConfig:
    """How an :class:`Mlp` is fitted (full-batch AdamW; the data sets are small)."""

    hidden_units: int = 64
    steps: int = 1500
    learning_rate: float = 0.01
    weight_decay: float = 1e-3
    seed: int = 0


def fit_mlp(features: np.ndarray, labels: np.ndarray, label_names: tuple[str, ...],
            config: FitConfig = FitConfig()) -> Mlp:
    """
    Fit an :class:`Mlp` to (N, F) features and (N,) integer labels into ``label_names``.

    Classes are weighted inversely to their frequency, so a common class does not swamp a rare
    one. Deterministic for a given seed on one thread.
    """
    torch.manual_seed(config.seed)
    mean = features.mean(axis=0)
    scale = np.maximum(features.std(axis=0), 1e-6)
    inputs = torch.from_numpy(((features - mean) / scale).astype(np.float32))
    targets = torch.from_numpy(labels.astype(np.int64))
    counts = np.bincount(labels, minlength=len(label_names)).astype(np.float32)
    weights = torch.from_numpy(len(labels) / (len(label_names) * np.maximum(counts, 1.0)))
    network = nn.Sequential(nn.Linear(features.shape[1], config.hidden_units), nn.ReLU(),
                            nn.Linear(config.hidden_units, len(label_names)))
    optimiser = torch.optim.AdamW(network.parameters(), lr=config.learning_rate,
                                  weight_decay=config.weight_decay)
    loss_function = nn.CrossEntropyLoss(weight=weights)
    for _ in range(config.steps):
        optimiser.zero_grad()
        loss_function(network(inputs), targets).backward()
        optimiser.step()
    hidden, output = network[0], network[2]
    as_numpy = lambda tensor: tensor.detach().numpy().astype(np.float64)  # noqa: E731
    return Mlp(tuple(label_names), mean, scale, as_numpy(hidden.weight).T, as_numpy(hidden.bias),
               as_numpy(output.weight).T, as_numpy(output.bias))


def fit_ensemble(features: np.ndarray, labels: np.ndarray, label_names: tuple[str, ...],
                 config: FitConfig = FitConfig(), members: int = 1) -> Classifier:
    """Fit ``members`` classifiers with seeds ``config.seed``, +1, ...; one is a plain Mlp."""
    fits = tuple(fit_mlp(features, labels, label_names, replace(config, seed=config.seed + index))
                 for index in range(members))
    return fits[0] if members == 1 else MlpEnsemble(fits)


_ARRAYS = ('feature_mean', 'feature_scale', 'hidden_weight', 'hidden_bias', 'output_weight',
           'output_bias')


def _plain_mlps(mlps: dict[str, Classifier]) -> dict[str, Mlp]:
    """Name every member of an ensemble ``<name>.<index>``."""
    plain = {}
    for name, classifier in mlps.items():
        if isinstance(classifier, MlpEnsemble):
            plain.update({f'{name}.{index}': member
                          for index, member in enumerate(classifier.members)})
        else:
            plain[name] = classifier
    return plain


def _ensembles(plain: dict[str, Mlp]) -> dict[str, Classifier]:
    """Gather members named ``<name>.<index>`` into one ensemble each, in index order."""
    mlps, members = {}, {}
    for name, mlp in plain.items():
        stem, _, index = name.rpartition('.')
        if stem and index.isdigit():
            members.setdefault(stem, {})[int(index)] = mlp
        else:
            mlps[name] = mlp
    mlps.update({stem: MlpEnsemble(tuple(by_index[index] for index in sorted(by_index)))
                 for stem, by_index in members.items()})
    return mlps


def save_mlps(path: pathlib.Path, mlps: dict[str, Classifier], provenance: dict) -> None:
    """Write named classifiers and a JSON-able provenance record to one ``.npz`` file."""
    arrays = {'provenance': np.array(json.dumps(provenance))}
    for name, mlp in _plain_mlps(mlps).items():
        arrays[f'{name}/labels'] = np.array(mlp.labels)
        arrays.update({f'{name}/{field}': getattr(mlp, field) for field in _ARRAYS})
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, 'wb') as file:
        np.savez(file, **arrays)


def load_mlps(path: pathlib.Path) -> tuple[dict[str, Classifier], dict]:
    """Read a file written by :func:`save_mlps`: (classifiers by name, provenance)."""
    try:
        with np.load(path, allow_pickle=False) as data:
            names = {key.split('/')[0] for key in data.files if '/' in key}
            mlps = {name: Mlp(tuple(str(label) for label in data[f'{name}/labels']),
                              *(data[f'{name}/{field}'] for field in _ARRAYS))
                    for name in names}
            return _ensembles(mlps), json.loads(str(data['provenance']))
    except (OSError, KeyError, ValueError) as error:
        raise InputError(f'cannot read classifier file {path}: {error}') from error
