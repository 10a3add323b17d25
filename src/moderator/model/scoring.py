"""The scoring model: features -> one logistic regression per attribute.

``Model`` is what ``moderator.load_model()`` returns::

    model.attributes                       # ["toxicity", ..., "off_topic"]
    model.thresholds                       # {attribute: threshold chosen at a target precision}
    model.card                             # the model card (dict), also beside the file as JSON
    model.predict(texts, articles=None, parents=None, groups=None)  # ndarray (n, n_attributes)
    model.explain(text, attribute, article=None, parent=None)        # [[start, end, weight], ...]
    model.score_texts(texts, articles=None, parents=None, policy=None)  # scoring contract dicts
    model.score_thread(thread, policy=None)

``model.pipeline`` is a scikit-learn ``Pipeline([("features", CommentFeatures),
("classifier", AttributeClassifiers)])``: all attributes share one sparse feature matrix and
one stacked coefficient matrix, so scoring a batch is one sparse matrix product.

Saving and loading (with the card): ``moderator.model.persistence``; explanations:
``moderator.model.explain``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..errors import ModelError
from ..review import score_texts as review_texts
from ..review import score_thread as review_thread
from .batch import CommentBatch
from .context import CONTEXT_FEATURES
from .cues import TEXT_FEATURES
from .explain import EXPLAIN_TOP, explain_batch, token_weights
from .fitted import WINDOW_MIN_CHARS, FittedFeatures
from .formats import RETRAIN, check_sklearn
from .spans import SpanSelector


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -35.0, 35.0)))


def combine(whole: np.ndarray, window: np.ndarray, weights) -> np.ndarray:
    """Probability from the whole comment's logit and its best sentence window's logit."""
    a, b, c = weights
    return sigmoid(a * whole + b * window + c)




class Model:
    """A trained moderator model; see the module docstring for the API."""

    unflagged: list = []  # noqa: RUF012 - models saved before it existed flag every attribute

    def __init__(self, pipeline, thresholds: dict, card: dict | None = None,
                 combiner: dict | None = None, windows: bool = True, capped=(),
                 span_selector: SpanSelector | None = None, unflagged=()):
        self._pipeline = pipeline
        #: which tokens ``explain`` shows (``moderator.model.spans``); None: the documented rule
        self.span_selector = span_selector
        self.thresholds = dict(thresholds)
        #: attributes that do not flag unless a policy sets their threshold: no threshold
        #: met the bar on held-out real rows (the card says why)
        self.unflagged = list(unflagged)
        self.card = dict(card or {})
        #: attribute -> (a, b, c): probability = sigmoid(a * whole + b * best_window + c)
        #: of the logits of the whole comment and of its best sentence window.
        self.combiner = dict(combiner or {})
        self.windows = windows
        #: kinds of toxicity scored at most the toxicity score: every insult, threat ... is
        #: toxic, and a sub-attribute above toxicity is a false alarm ("My neighbours are
        #: Muslim and ..." scored identity_attack 0.27 with toxicity 0.01).
        self.capped = list(capped)
        # What scoring reads, as plain arrays: a loaded model scores without importing
        # scikit-learn, and unpickles the fitted pipeline only when asked for it.
        classifier = pipeline.named_steps["classifier"]
        self.features = FittedFeatures.of(pipeline.named_steps["features"])
        self.attributes = list(classifier.attributes_)
        n_ngrams = self.features.slices_["text"].start
        #: n-gram coefficients as the kernels read them: float32, one row per feature
        self.ngram_weights_ = np.ascontiguousarray(classifier.coef_[:n_ngrams], dtype=np.float32)
        #: coefficients of the dense columns (text cues, context), float64
        self.extra_coef_ = np.array(classifier.coef_[n_ngrams:], dtype=np.float64)
        self.intercept_ = np.array(classifier.intercept_, dtype=np.float64)

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_table", None)  # caches, not part of the model
        state.pop("_cue_delta_cache", None)
        if state.get("_pipeline") is not None:
            import pickle
            import zlib

            # compressed alone: the scoring arrays beside it then load without inflating
            state["_pipeline_bytes"] = zlib.compress(
                pickle.dumps(state["_pipeline"], protocol=5), 1)
        state["_pipeline"] = None
        return state

    # -- parts --
    @property
    def pipeline(self):
        """The fitted scikit-learn ``Pipeline([("features", CommentFeatures), ("classifier",
        AttributeClassifiers)])`` (unpickled on first use after loading, under the
        scikit-learn version that saved it: else a ``ModelError``)."""
        if self._pipeline is None:
            import pickle
            import zlib

            check_sklearn(self.card, self.card.get("model_file") or "this model")
            try:
                self._pipeline = pickle.loads(zlib.decompress(self._pipeline_bytes))
            except Exception as exc:  # noqa: BLE001 - any unpickling failure: unusable file
                raise ModelError(
                    f"cannot restore the model's pipeline ({exc}); {RETRAIN}"
                ) from None
        return self._pipeline

    @property
    def classifier(self):
        return self.pipeline.named_steps["classifier"]

    # -- scoring --
    def predict(
        self,
        texts: Sequence[str],
        articles: Sequence[str] | None = None,
        parents: Sequence[str] | None = None,
        groups: Sequence | None = None,
    ) -> np.ndarray:
        """Probabilities, shape (len(texts), len(attributes)), columns in ``attributes`` order."""
        return self.predict_with_facts(texts, articles, parents, groups)[0]

    def predict_with_facts(self, texts, articles=None, parents=None, groups=None):
        """``(predict(...), Facts)``: the probabilities, and what is not a word behind them
        (``Facts.of(i, attribute)``), from the same pass."""
        texts = ["" if t is None else str(t) for t in texts]
        for name, column in (("articles", articles), ("parents", parents), ("groups", groups)):
            if column is not None and len(column) != len(texts):
                raise ValueError(f"{len(column)} {name} for {len(texts)} texts")
        if not texts:
            return np.zeros((0, len(self.attributes))), Facts(self, texts, None, None, [])
        batch = CommentBatch(
            texts=texts,
            articles=None if articles is None else ["" if a is None else a for a in articles],
            parents=None if parents is None else ["" if p is None else p for p in parents],
            groups=groups,
        )
        features = self.features
        extra_columns = np.flatnonzero(np.any(self.extra_coef_ != 0, axis=0))
        context = bool(len(extra_columns) and features.context and features.has_context(batch))
        # n-grams: one compiled pass per chunk gives every attribute's whole-comment and
        # best-window dot products without building the feature matrix, the text cues and
        # (for the context similarities) the word block.
        whole, best_window, n_windows, cues, words = features.score_batch(
            texts, self.score_table(), words=context)
        logits = whole + self.intercept_
        extra = None
        contexts = None
        if len(extra_columns):
            extra = features.extra(batch, cues=cues, words=words)
            logits[:, extra_columns] += extra @ self.extra_coef_[:, extra_columns]
            if context:
                contexts = features.context_facts(batch, extra)
        facts = Facts(self, texts, cues, extra, contexts)
        if not self.combiner:
            return self._cap(sigmoid(logits)), facts
        attributes = self.attributes
        columns = [j for j, a in enumerate(attributes) if a in self.combiner]
        lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
        windowed = (n_windows >= 2) & (lengths >= WINDOW_MIN_CHARS) if self.windows else None
        probabilities = sigmoid(logits)
        for j in columns:
            best = logits[:, j]
            if windowed is not None:
                window_logit = best_window[:, j] + self.intercept_[j]
                best = np.where(windowed, np.maximum(best, window_logit), best)
            probabilities[:, j] = combine(logits[:, j], best, self.combiner[attributes[j]])
        return self._cap(probabilities), facts

    def score_table(self) -> np.ndarray:
        """The n-gram weights with the idf beside them, as the scoring kernel reads them
        (made once per loaded model)."""
        table = self.__dict__.get("_table")
        if table is None:
            table = self._table = self.features.ngrams_.score_table(self.ngram_weights_)
        return table

    def _cap(self, probabilities):
        capped = getattr(self, "capped", ())
        if capped:
            attributes = self.attributes
            toxicity = probabilities[:, attributes.index("toxicity")]
            for attribute in capped:
                j = attributes.index(attribute)
                probabilities[:, j] = np.minimum(probabilities[:, j], toxicity)
        return probabilities

    def score_texts(self, texts, articles=None, parents=None, groups=None, policy=None,
                    explain=True) -> list[dict]:
        """The scoring contract per text (see ``moderator.review.score_texts``)."""
        return review_texts(self, texts, articles, parents, groups, policy=policy, explain=explain)

    def score_thread(self, thread, policy=None, explain=True) -> list[dict]:
        """Score every comment of a ``Thread`` with its article, parent and thread as context."""
        return review_thread(self, thread, policy=policy, explain=explain)

    # -- explanations --
    def explain(self, text: str, attribute: str, article: str | None = None,
                parent: str | None = None, top_k: int = EXPLAIN_TOP) -> list[list]:
        """Spans of ``text`` that pushed ``attribute`` up: ``[[start, end, weight], ...]``.

        Offsets are into ``text`` as given; weight is the span's contribution to the
        attribute's log-odds (word n-grams, character n-grams and pattern cues such as URLs),
        strongest first, at most ``top_k``. Which words are spans is the model's span
        selector's choice (``selector``: learned from people's marks in training, else the
        rule of ``moderator.model.spans``); the strongest word is listed when it kept none.
        Context (similarity to article/parent) has no span: see ``Facts``.
        """
        return self.explain_batch([text], [[attribute]], top_k=top_k)[0][attribute]

    def explain_batch(self, texts: Sequence[str], requests: Sequence[Sequence[str]],
                      top_k: int = EXPLAIN_TOP) -> list[dict[str, list]]:
        """``explain`` for many texts at once: ``requests[i]`` names the attributes to explain
        for ``texts[i]``; returns per text ``{attribute: spans}``. One compiled pass over all
        of them (what ``score_texts`` uses for the flagged comments; ``explain.explain_batch``)."""
        return explain_batch(self, texts, requests, top_k)

    def token_weights(self, texts: Sequence[str], attribute: str):
        """Every token of each text (punctuation aside) with its contribution to
        ``attribute``: ``(TokenWeights, (start, end))``, the second the tokens' offsets into
        their own text (what ``SpanSelector.fit`` reads; ``explain.token_weights``)."""
        return token_weights(self, texts, attribute)

    @property
    def selector(self) -> SpanSelector:
        """How the words shown for a score are chosen (``moderator.model.spans``): learned from
        marked spans by ``moderator.model.training.train`` when it had them, else the rule."""
        selector = getattr(self, "span_selector", None)
        return selector if selector is not None else SpanSelector()


class Facts:
    """What is not a word behind a batch's scores: per comment, its links, e-mail
    addresses, phone numbers, sums of money, length, and its similarity to the article,
    parent and rest of the thread (when known), with what each added to an attribute's
    log-odds (the model's coefficient times the scaled value). ``moderator.explanations``
    turns them into a flag's notes."""

    #: fact name -> the dense columns (``TEXT_FEATURES`` + ``CONTEXT_FEATURES``) it covers
    COLUMNS = {
        "urls": ("urls",), "email": ("email",), "phone": ("phone",), "money": ("money",),
        "length": ("log_length",),
        "article_similarity": ("article_word", "article_word_sqrt", "article_overlap",
                               "article_bm25", "article_topic"),
        "parent_similarity": ("parent_word", "parent_overlap", "parent_bm25", "parent_topic"),
        "thread_similarity": ("thread_word", "thread_word_sqrt", "thread_topic"),
    }
    #: the similarity facts, by the context (``context.CONTEXTS``) they compare with
    SIMILARITY = {"article_similarity": "article", "parent_similarity": "parent",
                  "thread_similarity": "thread"}

    def __init__(self, model: Model, texts, cues, extra, contexts=None):
        self.model = model
        self.texts = texts
        self.cues = cues  # raw text_cues, or None
        self.extra = extra  # scaled dense columns as the classifier reads them, or None
        #: per comment, ``FittedFeatures.context_facts`` (the contexts it was compared with
        #: and its word cosine to each), or None when the batch had no context
        self.contexts = contexts

    def of(self, i: int, attribute: str) -> tuple[dict, dict]:
        """``(facts, contributions)`` of comment ``i`` for ``attribute``: ``{name: value}``
        and ``{name: log-odds added}``; both empty when the model reads no such column.
        For an attribute that reads the context, ``facts["contexts"]`` lists the contexts
        the comment was compared with (empty: none was known)."""
        if self.extra is None or self.cues is None:
            return {}, {}
        names = list(TEXT_FEATURES) + list(CONTEXT_FEATURES)[: self.extra.shape[1]
                                                              - len(TEXT_FEATURES)]
        column = {name: k for k, name in enumerate(names)}
        coef = self.model.extra_coef_[:, self.model.attributes.index(attribute)]
        row = self.extra[i]
        raw = self.cues[i]
        compared = self.contexts[i] if self.contexts is not None else {"used": [],
                                                                        "similarity": {}}
        facts, contributions = {}, {}
        if any(coef[len(TEXT_FEATURES):]):
            facts["contexts"] = list(compared["used"])
        for name, columns in self.COLUMNS.items():
            ks = [column[c] for c in columns if c in column]
            if not ks or not any(coef[k] for k in ks):
                continue
            context = self.SIMILARITY.get(name)
            if context is not None:
                if context not in compared["used"]:
                    continue
                facts[name] = float(compared["similarity"][context])
            elif name == "length":
                facts[name] = len(self.texts[i])
            else:
                facts[name] = float(raw[TEXT_FEATURES.index(columns[0])])
            contributions[name] = float(sum(coef[k] * row[k] for k in ks))
        return facts, contributions
