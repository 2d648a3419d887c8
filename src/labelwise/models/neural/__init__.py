"""NeuralClassifier: a multi-layer perceptron whose output layer follows the problem (PyTorch).

The model lives in :mod:`~labelwise.models.neural.classifier`; the choice of output layer, loss
and loss targets in :mod:`~labelwise.models.neural.heads`; the network, batches and training loop
in :mod:`~labelwise.models.neural.training`; the fitted model as plain data (no pickle) in
:mod:`~labelwise.models.neural.state`; the losses in :mod:`~labelwise.models.neural.losses`; the
lazy torch import and the device choice in :mod:`~labelwise.models.neural._torch`.

Importing this package does not import torch. The old module names ``labelwise.models.losses``,
``labelwise.models._neural_train`` and ``labelwise.models._torch`` still import (they are these
modules), and ``NeuralClassifier.__module__`` stays ``labelwise.models.neural``, the class path
that model files record.
"""

from labelwise.models.neural.classifier import NeuralClassifier

__all__ = ["NeuralClassifier"]
