"""The attributes a model can score, one home for the names the model, training and the site
policy share."""

from __future__ import annotations

#: Every attribute a model can have, in output order. ``toxicity`` is the umbrella label.
ATTRIBUTES = (
    "toxicity",
    "severe_toxicity",
    "insult",
    "profanity",
    "threat",
    "identity_attack",
    "off_topic",
)

#: Attributes judged against the comment's context (article, parent), not the text alone.
CONTEXT_ATTRIBUTES = ("off_topic",)

#: The kinds of toxicity (every attribute judged on the text alone): a moderator rejecting a
#: comment for any of them confirms ``toxicity`` too (moderator.feedback), and people's
#: toxic-span marks are about them (moderator.model.spans).
TOXICITY_FAMILY = tuple(a for a in ATTRIBUTES if a not in CONTEXT_ATTRIBUTES)
