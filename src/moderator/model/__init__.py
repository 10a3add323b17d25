"""The model: comment features, the context views, scoring, explanations, persistence and
training, one module per concern.

- ``cues``: the dense text cues of a comment alone, and the URL/phone matchers;
- ``batch``: ``CommentBatch``, the comments (and their context) a model scores;
- ``context``: how much a comment shares with its article, parent and thread;
- ``ngrams``: hashed character and word n-grams (compiled kernels);
- ``fitted``: ``FittedFeatures``, the fitted feature state scoring reads (no scikit-learn);
- ``features``: ``CommentFeatures``, the scikit-learn transformer that fits it;
- ``scoring``: ``Model`` (predict, the window combiner, the toxicity cap) and ``Facts``;
- ``explain``: the spans behind a score; ``spans``: which tokens are shown;
- ``formats`` and ``persistence``: what a saved model declares, find/save/load with its card;
- ``estimators`` and ``training``: the classifiers and ``train()``, with ``rows`` (what it
  learns from beyond the sources' rows, and their weights) and ``thresholds``;
- ``reference``: the plain Python/scikit-learn twin of ``Model.predict``.

What scoring needs is re-exported here and loads without scikit-learn; ``train``
(``moderator.model.training``) and ``CommentFeatures`` (``moderator.model.features``) import
scikit-learn, so they are imported from their modules.
"""

from __future__ import annotations

from ..attributes import CONTEXT_ATTRIBUTES
from .batch import CommentBatch
from .fitted import FittedFeatures
from .formats import FORMAT, FORMAT_VERSION, RETRAIN, versions
from .persistence import (
    LOCAL_MODEL,
    LOOKUP,
    MODEL_ENV,
    SHIPPED_MODEL,
    card_path,
    find_model,
    load_model,
    save_model,
)
from .scoring import Facts, Model, combine, sigmoid

__all__ = [
    "CONTEXT_ATTRIBUTES",
    "FORMAT",
    "FORMAT_VERSION",
    "LOCAL_MODEL",
    "LOOKUP",
    "MODEL_ENV",
    "RETRAIN",
    "SHIPPED_MODEL",
    "CommentBatch",
    "Facts",
    "FittedFeatures",
    "Model",
    "card_path",
    "combine",
    "find_model",
    "load_model",
    "save_model",
    "sigmoid",
    "versions",
]
