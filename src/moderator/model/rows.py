"""The rows training learns from, beyond the sources' own: labels implied by others
(an insult is toxic), sources that teach positives only, off-topic pairs made from real
threads, contextless copies, large threads split, and the row weights that balance sources
and classes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from ..labels import LabelledRow, LabelledSource


def label_matrix(rows: Sequence[LabelledRow], attributes: Iterable[str]):
    """(n, k) int8 array: 1/0 labels, -1 unknown."""

    attributes = list(attributes)
    y = np.full((len(rows), len(attributes)), -1, dtype=np.int8)
    index = {a: j for j, a in enumerate(attributes)}
    for i, row in enumerate(rows):
        for attribute, value in row.labels.items():
            j = index.get(attribute)
            if j is not None:
                y[i, j] = value
    return y


#: Kinds of toxicity: they imply ``toxicity`` = 1 when a row's toxicity is unknown (an insult
#: is toxic by definition), and a model scores them at most its toxicity score. Not
#: profanity: "holy shit, what a goal" attacks nobody (capping it cut its CV ROC AUC on
#: data/labels.csv from 0.996 to 0.710). Nothing implies a 0: unknown stays unknown.
IMPLIES_TOXICITY = ("severe_toxicity", "insult", "threat", "identity_attack")
#: Sources of real comments labelled by people (``LabelledSource.kind``).
REAL_KINDS = ("corpus", "feedback")
#: A made pair repeats a comment's text, so at full weight it teaches the n-gram weights to
#: cancel out: SemEval-2015 off_topic dev ROC AUC (SemEval train split alone) 0.751 with
#: pairs at weight 1, 0.783 at 0.25, 0.845 without pairs. They still teach the context
#: columns (a comment under another thread's article).
PAIRS_WEIGHT = 0.25
#: Pairs made of real threads whose comments carry no off-topic label (news, forum and
#: Reddit comments with their article or parent): on topic beside their own context, off
#: topic beside another thread's. At most this many comments per source. A comment already
#: labelled on topic gets no pair: its off-topic copy alone (10,536 of them in the default
#: model, SemEval's good answers and the labels file's) taught the words of good answers as
#: off-topic - off_topic dev ROC AUC SemEval-2015 / 2016 0.769 / 0.790 with them, 0.818 /
#: 0.829 without (0.797 / 0.817 with the labels file's only).
THREAD_PAIRS_SOURCE = "real-thread pairs"
THREAD_PAIRS_PER_SOURCE = 1000
#: The other thread of a pair is one of the source's DONOR_WINDOW threads nearest in length
#: on either side: an article of 40 words beside one of 4,000 would be trivially told apart.
DONOR_WINDOW = 10
#: Pooled sources: each labelled row of source s weighs ``n_s ** -SOURCE_BALANCE`` (a big
#: corpus does not drown a small one), and where 2+ sources label an attribute, a source's
#: positives and negatives are pulled towards equal totals by ``CLASS_BALANCE`` (so a
#: corpus's own base rate - civil-spans 67% toxic, context-toxicity 1% - is not learned as
#: "this corpus's style is toxic"). See ``row_weights``.
SOURCE_BALANCE = 0.5
CLASS_BALANCE = 0.5
#: off_topic's sources count alike whatever their size (each source's rows weigh 1 / n_s):
#: its sources are few and unlike each other (forum answers, YouTube spam, the labels file,
#: made pairs and copies). YouTube spam dev ROC AUC 0.965 at 0.5 -> 0.972, SemEval-2015 /
#: 2016 0.818 / 0.829 -> 0.817 / 0.830 (the pooled feature space, off_topic's rows only).
OFF_TOPIC_SOURCE_BALANCE = 1.0
CONTEXTLESS_SOURCE = "on-topic comments without context"


def implied_labels(labels: dict[str, int]) -> dict[str, int]:
    if "toxicity" not in labels and any(labels.get(a) == 1 for a in IMPLIES_TOXICITY):
        return {**labels, "toxicity": 1}
    return labels


def positives_only(sources: Sequence[LabelledSource], rows: list[LabelledRow]) -> dict:
    """Unlabel, in ``rows``, each attribute a corpus labels with positives only, where other
    sources label it with both classes. Returns {source name: [attributes]}.

    A hate-speech corpus's hate posts are toxic (``IMPLIES_TOXICITY``), but with no
    negatives beside them they teach only "this corpus's topics are toxic": pooled with the
    Gab, HatEval and Stormfront hate posts as toxicity positives, the toxicity ROC AUC on
    held-out Reddit comments (Ruddit) fell from 0.965 to 0.925. A user's own labels and
    review queues are kept whatever they hold. Negatives-only sources stay: civil rows are
    civil for every kind of toxicity.
    """
    corpus_names = {s.name for s in sources if s.kind == "corpus"}
    corpus_names |= {r.source for s in sources if s.kind == "corpus" for r in s.rows}
    classes: dict[tuple[str, str], set[int]] = {}
    for row in rows:
        for attribute, value in row.labels.items():
            classes.setdefault((row.source, attribute), set()).add(value)
    both = {a for (_, a), values in classes.items() if values == {0, 1}}
    drop = {(source, a) for (source, a), values in classes.items()
            if values == {1} and a in both and source in corpus_names}
    if not drop:
        return {}
    for row in rows:
        for attribute in [a for a in row.labels if (row.source, a) in drop]:
            del row.labels[attribute]
    rows[:] = [r for r in rows if r.labels]
    out: dict[str, list[str]] = {}
    for source, attribute in sorted(drop):
        out.setdefault(source, []).append(attribute)
    return out


def _context_of(row: LabelledRow) -> str:
    """The text a row's comment is judged against: its article, else its parent."""
    if row.article and not row.article.isspace():
        return row.article
    return row.parent if row.parent and not row.parent.isspace() else ""


def make_offtopic_pairs(
    rows: Sequence[LabelledRow], seed: int = 0, per_source: int = THREAD_PAIRS_PER_SOURCE
) -> list[LabelledRow]:
    """Off-topic examples from real threads: a comment beside another thread's context.

    Comments of real threads whose ``off_topic`` is unknown (news, forum and Reddit comments
    with their article or parent) give both sides: the comment with its own
    article/parent/thread (``off_topic`` = 0, source ``THREAD_PAIRS_SOURCE``; it stands in
    for its comment in the thread, see ``thread_members``) and the same comment beside
    another thread's (1); at most ``per_source`` comments per source. Rows labelled
    ``off_topic`` get none (``THREAD_PAIRS_SOURCE`` says why).

    The other thread is not chosen to be trivially easy: it comes from the same source
    (site), and its context is of similar length (one of the nearest in length among the
    source's other threads). The made rows label ``off_topic`` only. Needs two contexts.
    """

    rng = np.random.default_rng(seed)
    contexts = [_context_of(r) for r in rows]
    keys = [r.group or c for r, c in zip(rows, contexts, strict=True)]
    by_source: dict[str, list[int]] = {}
    for i, row in enumerate(rows):
        if contexts[i]:
            by_source.setdefault(row.source, []).append(i)
    pairs = []
    for members in by_source.values():
        threads: dict = {}
        for i in members:
            threads.setdefault(keys[i], []).append(i)
        if len(threads) < 2:
            continue
        order = sorted(threads, key=lambda k: (len(contexts[threads[k][0]]), str(k)))
        rank = {key: r for r, key in enumerate(order)}
        unlabelled = [i for i in members if "off_topic" not in rows[i].labels]
        if len(unlabelled) > per_source:
            unlabelled = sorted(rng.choice(unlabelled, per_source, replace=False).tolist())
        for i in unlabelled:
            donor = _similar_donor(i, order, rank, threads, keys, contexts, rng)
            if donor is None:
                continue
            pairs.append(LabelledRow(
                text=rows[i].text, labels={"off_topic": 0}, article=rows[i].article,
                parent=rows[i].parent, group=rows[i].group, source=THREAD_PAIRS_SOURCE,
                weight=PAIRS_WEIGHT,
            ))
            pairs.append(LabelledRow(
                text=rows[i].text, labels={"off_topic": 1}, article=rows[donor].article,
                parent=rows[donor].parent, group=rows[donor].group, source=THREAD_PAIRS_SOURCE,
                weight=PAIRS_WEIGHT,
            ))
    return pairs


def _similar_donor(i, order, rank, threads, keys, contexts, rng, window=DONOR_WINDOW,
                   tries=20):
    """A row of another thread among the ``window`` threads nearest in context length to
    row i's on either side (``order``: the source's threads sorted by it), or None."""
    at = rank[keys[i]]
    lo, hi = max(0, at - window), min(len(order), at + window + 1)
    nearby = [k for k in order[lo:hi] if k != keys[i]]
    for _ in range(tries):
        candidates = threads[nearby[int(rng.integers(len(nearby)))]]
        j = candidates[int(rng.integers(len(candidates)))]
        if contexts[j] != contexts[i]:
            return j
    return None


def split_large_threads(rows: list[LabelledRow], seed: int = 0, largest: int = 30) -> None:
    """Cut threads of more than ``largest`` rows into random threads of 3..``largest``.

    Labels files group every comment under one article into one "thread" of hundreds; the
    threads being scored are mostly far smaller, and their "rest of the thread" vectors far
    noisier. Training on realistic sizes keeps the thread-similarity weight honest.
    """

    rng = np.random.default_rng(seed)
    members: dict = {}
    for i, row in enumerate(rows):
        if row.group is not None:
            members.setdefault(row.group, []).append(i)
    for group, indices in members.items():
        if len(indices) <= largest:
            continue
        order = rng.permutation(indices)
        start, part = 0, 0
        while start < len(order):
            size = int(rng.integers(3, largest + 1))
            for i in order[start : start + size]:
                rows[i].group = f"{group}/{part}"
            start += size
            part += 1


def make_contextless_copies(rows: Sequence[LabelledRow]) -> list[LabelledRow]:
    """On-topic comments again without article, parent or thread, still ``off_topic`` = 0.

    Without them every labelled row lacking an article is spam or gibberish (nobody labels
    a context-free comment "on topic"), and the model learns "no article = off-topic".
    """
    return [
        LabelledRow(text=r.text, labels={"off_topic": 0}, source=CONTEXTLESS_SOURCE)
        for r in rows
        if r.labels.get("off_topic") == 0 and r.article and not r.article.isspace()
    ]


def thread_members(rows: Sequence[LabelledRow], n_original: int):
    """Which rows make up their thread's "rest of the thread" for the others: the original
    rows, except spam (``off_topic`` = 1 without an article: YouTube spam is half of its
    "threads", where a thread being scored is mostly real comments; its links would count
    as the thread's topic). Made pairs and copies are compared with a thread, never part
    of it - but for the on-topic side of a real-thread pair, which stands in for its
    comment: the copy is the member and the original (which labels no ``off_topic`` and is
    compared with nothing) is not. Beside its original, the copy was compared with a thread
    holding its own text: its mean thread cosine was 0.87 (0.13 without itself), and
    off_topic learned that a comment like the rest of its thread is on topic, which no
    scored comment is."""

    stand_ins = {(r.text, r.group) for r in rows[n_original:] if _stands_in(r)}
    return np.array([
        _stands_in(row) if i >= n_original else
        not (row.labels.get("off_topic") == 1 and not row.article.strip())
        and (row.text, row.group) not in stand_ins
        for i, row in enumerate(rows)
    ], dtype=bool)


def _stands_in(row: LabelledRow) -> bool:
    """A made row that is its comment with its own thread (a real-thread pair's on-topic
    side)."""
    return (row.source == THREAD_PAIRS_SOURCE and row.group is not None
            and row.labels.get("off_topic") == 0)


def row_weights(rows, Y, source_balance=SOURCE_BALANCE, class_balance=CLASS_BALANCE):
    """(n, k) sample weights, each column scaled to mean 1 over its labelled rows.

    Per attribute, a labelled row of source s (``row.source``; the made pairs and copies
    are sources of their own) weighs ``row.weight * n_s ** -source_balance``, ``n_s`` being
    the rows of s labelled for it. Where two or more sources label the attribute, a source
    with both classes has its positives weighted by ``(n_s / (2 * positives_s)) **
    class_balance`` and its negatives likewise (1 = equal totals). One source alone keeps
    its own class balance.
    """

    W = np.tile(np.array([r.weight for r in rows], dtype=np.float64)[:, None], (1, Y.shape[1]))
    names = np.array([r.source for r in rows])
    for j in range(Y.shape[1]):
        known = Y[:, j] >= 0
        if not known.any():
            continue
        labelled_by = np.unique(names[known])
        for name in labelled_by:
            members = known & (names == name)
            W[members, j] *= float(members.sum()) ** -source_balance
            pos = members & (Y[:, j] == 1)
            neg = members & (Y[:, j] == 0)
            if class_balance and len(labelled_by) > 1 and pos.any() and neg.any():
                W[pos, j] *= (members.sum() / (2.0 * pos.sum())) ** class_balance
                W[neg, j] *= (members.sum() / (2.0 * neg.sum())) ** class_balance
        W[known, j] /= W[known, j].mean()
    return W
