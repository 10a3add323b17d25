"""Build data/labels.csv, the project's own labelled news-comment set.

Run:  python data/build_labels.py [--output data/labels.csv] [--seed N]

Every text is composed from the hand-written inventories in data/_articles.py and
data/_inventory.py (invented for this project; nothing is taken from ../shared). The output is
deterministic: the same seed writes the same bytes. It is written atomically.

Columns: text, toxic, off_topic, article, parent, insult, profanity, threat, identity_attack,
severe_toxicity.  Labels are "1", "0" or "" (unknown).

Labelling guide (applied consistently by the generator):

* toxic = 1 when a comment attacks a person or group: insults / name-calling (of commenters,
  public figures, anyone), threats of violence or harm, identity attacks (hateful
  generalisations about a religion, nationality, ethnicity, sexuality, gender identity or
  disability). toxic = 0 for everything else, including:
    - harsh but legitimate criticism of public figures, parties, governments, companies and
      states about their conduct, honesty, competence or policy ("the minister's plan is a
      disaster and she should resign"). Name-calling a public figure ("the mayor is a moron")
      IS an insult;
    - neutral or positive mentions of identities ("As a gay man I support this");
    - counter-speech, including quoting an insult or slur-free hateful phrase to condemn it
      ("Calling her an 'idiot' is not an argument");
    - profanity that attacks nobody ("holy shit this is great news"): profanity = 1, toxic = 0;
    - spam, gibberish and off-topic rants (unless they also attack someone).
* insult = 1 for name-calling or demeaning a person or group; identity attacks that use
  dehumanising or name-calling language ("vermin", "scum", "thieves") carry insult = 1 too,
  bare hateful generalisations ("X should be deported") carry insult = 0.
* profanity = 1 when the text contains a swear word (fuck, shit, crap, damn, bloody, arse/ass,
  bitch, bastard, dick, piss, prick, twat, bellend, tosser, bollocks, goddamn...; not "hell"),
  plain or obfuscated
  (f*ck, sh1t, a$$hole, fuuuck, f u c k), whether or not anyone is attacked. Quoted profanity in
  counter-speech also counts as profanity (the words are there) while toxic stays 0.
* threat = 1 for wishes or statements of violence or harm against a person or group, including
  veiled intimidation ("I know where you live").
* identity_attack = 1 for hateful generalisations or calls for exclusion or violence aimed at a
  protected identity. Criticising a government or religious institution is not one.
* severe_toxicity = 1 for threats or wishes of killing/serious violence, calls to eliminate or
  dehumanise a group ("vermin", "wiped out"), and the most extreme abuse; 0 otherwise.
* Obfuscated spellings (f*ck, idi0t, stoopid, i d i o t, fuuuck) carry the labels of the plain
  spelling.
* off_topic = 1 when a comment ignores the article it is attached to: spam and self-promotion,
  gibberish, rants about something else, and comments clearly about a different story.
  off_topic = 0 for comments about the article (including replies about it, criticism of it,
  and insults that are about its subject). Every row with off_topic labelled has the article
  column filled, except a small share of spam/gibberish rows left without context on purpose
  (spam is off-topic anywhere). off_topic is left empty (unknown) for rows written without an
  article (generic insults and threats, praise, short civil remarks, criticism of named
  governments): their relation to any article is undetermined.
* parent is the comment replied to, when the row is a reply.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import re
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import _inventory as inv  # noqa: E402
from _articles import parse_articles  # noqa: E402

SEED = 20261124
COLUMNS = ["text", "toxic", "off_topic", "article", "parent", "insult", "profanity", "threat",
           "identity_attack", "severe_toxicity"]
NON_POLITICAL = {"diwali", "iftar", "pride", "recipe", "bakery", "museum", "film", "marathon"}
ATTRS = ["insult", "profanity", "threat", "identity_attack", "severe_toxicity"]

PROFANE_RE = re.compile(
    r"\b(fuck\w*|f\*+ck\w*|shit\w*|bullshit|crap\w*|damn\w*|goddamn\w*|arse\w*|ass|asshole\w*|"
    r"dumbass|bitch\w*|bastard\w*|dick\w*|piss\w*|prick\w*|twat\w*|bellend\w*|tosser\w*|"
    r"bollocks|wank\w*|bloody|stfu)\b",
    re.IGNORECASE,
)

# emoji and closers follow the mood of the words (not the label), so they never give it away
EMOJI = {"pos": ["👍", "👏", "❤️", "🙏", "💯", "😊", "🎉"],
         "neg": ["😡", "😤", "🙄", "😬", "😢", "👎", "🤦"],
         "neu": ["🤔", "🤷", "😮", "😂", "👀"]}
POSITIVE_RE = re.compile(r"\b(great|good|brilliant|love\w*|thank\w*|well done|lovely|wonderful|"
                         r"congrat\w*|proud|legend|star|hero|welcom\w*|excellent|amazing|support|"
                         r"agree|right|kind|best|finally|glad|happy|credit)\b", re.IGNORECASE)
NEGATIVE_RE = re.compile(r"\b(idiot\w*|moron\w*|disaster|resign|kill\w*|shoot|shot|hate\w*|"
                         r"disgrac\w*|pathetic|wrong|scrap|stupid|terrible|shame\w*|worst|useless|"
                         r"scum|vermin|loser|clown|fail\w*|lie\w*|lying|incompetent|mess|awful|"
                         r"sick|ridiculous|outrage\w*|angry|disgust\w*|burn|hang\w*|die|dead)\b",
                         re.IGNORECASE)
POSITIVE_CLOSERS = [" Honestly.", " Just saying.", " lol", " Wow.", " Once again."]


def mood(text: str) -> str:
    neg = len(NEGATIVE_RE.findall(text))
    pos = len(POSITIVE_RE.findall(text))
    return "neg" if neg > pos else "pos" if pos > neg else "neu"

# ------------------------------------------------------------------------- obfuscation
LEET = {"a": ["@", "4"], "e": ["3"], "i": ["1", "!"], "o": ["0"], "s": ["$", "5"], "t": ["7"],
        "u": ["v"], "l": ["1"]}
MISSPELL = {
    "stupid": ["stoopid", "stupud", "stooopid", "stuppid"], "idiot": ["idjit", "idiiot", "idoit"],
    "moron": ["moran", "morron", "mor0n"], "fuck": ["fuk", "phuck", "fook", "fcuk"],
    "fucking": ["fkn", "fuckin", "fookin", "fcking"], "shit": ["shite", "shiit", "sht"],
    "asshole": ["a$$hole", "azzhole", "arsehole", "a-hole"], "bitch": ["biatch", "b1tch", "bytch"],
    "arsehole": ["ar$ehole", "arseh0le", "a r s e h o l e", "arse-hole"],
    "loser": ["looser", "l0ser", "luser"], "pathetic": ["pathetik", "pathedic"],
    "bastard": ["basterd", "b@stard"], "clown": ["klown", "cl0wn"], "dumb": ["dum", "dumm"],
    "scum": ["skum", "scumm"], "kill": ["kil", "k1ll"], "vermin": ["vermim", "v3rmin"],
}
OBF_TARGETS = {
    "idiot", "idiots", "moron", "morons", "stupid", "clown", "loser", "pathetic", "fuck",
    "fucking", "shit", "asshole", "bitch", "bastard", "dumb", "dumbass", "imbecile", "cretin",
    "scum", "prick", "dickhead", "twat", "kill", "shoot", "shot", "bullet", "die", "vermin",
    "parasites", "filthy", "disgusting", "animals", "crap", "damn", "muppet", "halfwit",
    "worthless", "useless", "brainless", "thick", "fool", "ignorant", "beating", "hanged",
    "burn", "subhuman", "plague", "rats", "savages", "criminals", "thieves", "hell",
    "arsehole", "arseholes", "wanker",
}


def obfuscate_word(word: str, rng: random.Random) -> str:
    """Disguise one word the way commenters dodge filters (labels follow the plain word)."""
    low = word.lower()
    method = rng.choice(["leet", "leet", "star", "star", "vowels", "elong", "elong", "space",
                         "dots", "misspell", "misspell", "mixcase"])
    if method == "misspell" and low in MISSPELL:
        return rng.choice(MISSPELL[low])
    if method == "leet" or (method == "misspell" and low not in MISSPELL):
        chars = list(word)
        idx = [i for i, c in enumerate(chars) if c.lower() in LEET]
        for i in rng.sample(idx, min(len(idx), rng.choice([1, 1, 2]))):
            chars[i] = rng.choice(LEET[chars[i].lower()])
        return "".join(chars)
    if method == "star":
        chars = list(word)
        inner = [i for i in range(1, len(chars) - 1) if chars[i].lower() in "aeiou"]
        if not inner:
            inner = list(range(1, max(2, len(chars) - 1)))
        for i in inner[: rng.choice([1, 2])]:
            chars[i] = "*"
        return "".join(chars)
    if method == "vowels":
        stripped = word[0] + re.sub(r"[aeiouAEIOU]", "", word[1:])
        return stripped if len(stripped) >= 2 else word + word[-1] * 3
    if method == "elong":
        vowels = [i for i, c in enumerate(word) if c.lower() in "aeiou"]
        i = rng.choice(vowels) if vowels else len(word) - 1
        return word[: i + 1] + word[i] * rng.randint(2, 5) + word[i + 1:]
    if method == "space":
        return " ".join(word)
    if method == "dots":
        return rng.choice([".", "-", "_"]).join(word)
    return "".join(c.upper() if rng.random() < 0.5 else c.lower() for c in word)


def obfuscate(text: str, rng: random.Random) -> str | None:
    """Obfuscate one or two target words in ``text``; None when it has none."""
    tokens = re.split(r"(\W+)", text)
    spots = [i for i, t in enumerate(tokens) if t.lower() in OBF_TARGETS]
    if not spots:
        return None
    for i in rng.sample(spots, min(len(spots), rng.choice([1, 1, 2]))):
        tokens[i] = obfuscate_word(tokens[i], rng)
    return "".join(tokens)


# ------------------------------------------------------------------------- decoration
def typo(text: str, rng: random.Random) -> str:
    words = text.split(" ")
    idx = [i for i, w in enumerate(words) if len(w) > 4 and w.isalpha()]
    if not idx:
        return text
    i = rng.choice(idx)
    w = words[i]
    j = rng.randrange(1, len(w) - 2)
    if rng.random() < 0.5:
        w = w[:j] + w[j + 1] + w[j] + w[j + 2:]
    else:
        w = w[:j] + w[j + 1:]
    words[i] = w
    return " ".join(words)


def decorate(text: str, rng: random.Random, *, reply: bool = False) -> str:
    """Add the surface noise of real comments: typos, caps, emoji, handles, lower case."""
    r = rng.random()
    if r < 0.07:
        text = typo(text, rng)
    elif r < 0.10:
        text = text.upper()
    elif r < 0.15:
        text = text.lower().rstrip(".")
    r = rng.random()
    if r < 0.10:
        opener = rng.choice(inv.OPENERS)
        keep = opener.endswith(". ") or text[:2] in ("I ", "I'") or text[:1] == "@"
        text = opener + (text if keep else text[:1].lower() + text[1:])
    feel = mood(text)
    if 0.10 <= r < 0.16 and text[-1:] in ".!?":
        text += rng.choice(POSITIVE_CLOSERS if feel == "pos" else inv.CLOSERS)
    if rng.random() < 0.08:
        text = f"{text} {rng.choice(EMOJI[feel])}"
    if reply and rng.random() < 0.35:
        text = f"{rng.choice(inv.HANDLES)} {text}"
    return text


def cap_first(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def fill(template: str, art: dict | None = None, **kw: str) -> str:
    values = dict(kw)
    if art is not None:
        values.setdefault("thing", art["thing"])
        values.setdefault("who", art["who"])
    out = template
    for key, val in values.items():
        out = out.replace("{" + key + "}", val)
    # a sentence that starts with a placeholder starts with a capital
    return re.sub(r"(^|[.!?]\s+)([a-z])", lambda m: m.group(1) + m.group(2).upper(), out)


def third_person(frame: str, target: str, adj: str, noun: str) -> str:
    """``frame`` about ``target`` ({T} capitalised, {t} as is) with {adj} and {noun}, "a"
    turned to "an" before a vowel."""
    text = frame.replace("{T}", cap_first(target)).replace("{t}", target)
    text = text.replace("{adj}", adj).replace("{noun}", noun)
    return re.sub(r"\b([Aa]) ([aeiou])", r"\1n \2", cap_first(text))


# ------------------------------------------------------------------------- the builder
class Builder:
    """Collects rows, deduplicating texts (first wins) and counting categories."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.rows: list[dict] = []
        self.seen: set[str] = set()
        self.counts: dict[str, int] = {}
        self.articles = parse_articles()
        self.by_key = {a["key"]: a for a in self.articles}
        # stories whose {who} is a public figure, body or company that can be criticised,
        # threatened or insulted by name (not a festival committee or a mosque)
        self.political = [a for a in self.articles if a["key"] not in NON_POLITICAL]
        # a few hand-written comments per article are kept back to be misplaced elsewhere
        self.misplace_pool: list[tuple[dict, str]] = []
        self.civil_pool: dict[str, list[str]] = {}
        for art in self.articles:
            comments = list(art["comments"])
            self.rng.shuffle(comments)
            self.misplace_pool += [(art, c) for c in comments[:3]]
            self.civil_pool[art["key"]] = comments[3:]

    def add(self, category: str, text: str, *, toxic: int, off_topic: int | None = None,
            article: str = "", parent: str = "", insult: int | None = 0,
            profanity: int | None = None, threat: int | None = 0,
            identity_attack: int | None = 0, severe: int | None = 0,
            plain: str | None = None) -> bool:
        text = re.sub(r"\s+", " ", text).strip()
        key = text.casefold()
        if not text or key in self.seen:
            return False
        if profanity is None:
            profanity = int(bool(PROFANE_RE.search(plain if plain is not None else text)))

        def lab(v: int | None) -> str:
            return "" if v is None else str(int(v))

        self.seen.add(key)
        self.rows.append({
            "text": text, "toxic": lab(toxic), "off_topic": lab(off_topic), "article": article,
            "parent": parent, "insult": lab(insult), "profanity": lab(profanity),
            "threat": lab(threat), "identity_attack": lab(identity_attack),
            "severe_toxicity": lab(severe),
        })
        self.counts[category] = self.counts.get(category, 0) + 1
        return True

    # helpers -----------------------------------------------------------------------------
    def art(self, template: str = "") -> dict:
        """A random article; one with a public figure or body when ``template`` names {who}."""
        if "{who}" in template:
            return self.rng.choice(self.political)
        return self.rng.choice(self.articles)

    def other_art(self, art: dict) -> dict:
        """An article on a different subject (no shared domain)."""
        doms = inv.ARTICLE_DOMAINS.get(art["key"], set())
        while True:
            other = self.rng.choice(self.articles)
            if other is not art and not (inv.ARTICLE_DOMAINS.get(other["key"], set()) & doms):
                return other

    def parent_for(self, art: dict | None, p: float) -> str:
        if art is None or self.rng.random() >= p:
            return ""
        return self.rng.choice(self.civil_pool[art["key"]] or art["comments"])

    def until(self, category: str, quota: int, make, max_tries: int | None = None) -> None:
        """Call ``make()`` until ``quota`` new rows landed in ``category`` (or tries run out)."""
        tries = 0
        limit = max_tries or quota * 30
        while self.counts.get(category, 0) < quota and tries < limit:
            make()
            tries += 1

    # categories --------------------------------------------------------------------------
    def civil_handwritten(self) -> None:
        for art in self.articles:
            for text in self.civil_pool[art["key"]]:
                parent = self.parent_for(art, 0.35)
                if parent == text:
                    parent = ""
                self.add("civil_on_topic", decorate(text, self.rng, reply=bool(parent)),
                         toxic=0, off_topic=0, article=art["article"], parent=parent)

    def civil_templated(self, quota: int) -> None:
        pools = [(inv.AGREE, "civil_agree", 0.2), (inv.DISAGREE, "civil_disagree", 0.3),
                 (inv.QUESTIONS, "question", 0.15), (inv.QUESTIONS_YOU, "question_you", 1.0),
                 (inv.CORRECTIONS, "correction", 0.4),
                 (inv.REPLY_DISAGREE, "civil_reply", 1.0)]

        def make() -> None:
            templates, cat, p_parent = self.rng.choice(pools)
            art = self.art()
            text = fill(self.rng.choice(templates), art, url=self.rng.choice(inv.URL_SOURCES))
            text = cap_first(text)
            if self.rng.random() < 0.2:  # "you" belongs to civil conversation too
                prefix = self.rng.choice(inv.CIVIL_YOU_PREFIXES)
                text = prefix + (text if prefix.endswith(". ") else text[0].lower() + text[1:])
            if self.rng.random() < 0.25:  # a longer, multi-sentence comment
                extra = self.rng.sample(self.civil_pool[art["key"]], self.rng.choice([1, 2, 3]))
                text = " ".join([text, *extra])
            parent = self.parent_for(art, p_parent)
            self.add(cat, decorate(text, self.rng, reply=bool(parent)), toxic=0, off_topic=0,
                     article=art["article"], parent=parent)

        cats = ("civil_agree", "civil_disagree", "question", "question_you", "correction",
                "civil_reply")
        target = sum(self.counts.get(c, 0) for c in cats) + quota
        tries = 0
        while tries < quota * 30 and sum(self.counts.get(c, 0) for c in cats) < target:
            make()
            tries += 1

    def civil_you(self, quota: int) -> None:
        """Second-person replies that attack nobody, answering another comment."""
        for text in inv.CIVIL_YOU:
            art = self.art()
            self.add("civil_you", decorate(text, self.rng, reply=True), toxic=0,
                     parent=self.parent_for(art, 0.9))

        def make() -> None:
            art = self.art()
            text = fill(self.rng.choice(inv.CIVIL_YOU_LINKS), art,
                        o=self.rng.choice(inv.CIVIL_YOU_OPENERS),
                        s=self.rng.choice(self.civil_pool[art["key"]]))
            self.add("civil_you", decorate(cap_first(text), self.rng, reply=True), toxic=0,
                     off_topic=0, article=art["article"], parent=self.parent_for(art, 0.9))

        self.until("civil_you", quota, make)

    def civil_support(self, quota: int) -> None:
        """Second person in support replies and short reactions: "Hi Martin, glad this works
        for you. What version are you running?", "Erm, yes, well spotted!". No article:
        off_topic stays unknown."""
        for text in inv.SHORT_REACTIONS:
            self.add("civil_support", text, toxic=0)

        def make() -> None:
            greeting = fill(self.rng.choice(inv.SUPPORT_GREETINGS),
                            n=self.rng.choice(inv.SUPPORT_NAMES))
            body = self.rng.choice(inv.SUPPORT_BODIES)
            question = self.rng.choice(inv.SUPPORT_QUESTIONS)
            if not greeting:
                body = cap_first(body)
            elif greeting.endswith("!"):
                body = cap_first(body)
            text = " ".join(part for part in (greeting, body, question) if part)
            if self.rng.random() < 0.3:
                text = text.replace("you're", "youre").replace(".", "", 1)
            self.add("civil_support", text, toxic=0)

        self.until("civil_support", quota, make)

    def people_civil(self, quota: int) -> None:
        """Ordinary mentions of a man, a woman, he, she: words that insults use too."""

        def make() -> None:
            art = self.art()
            text = fill(f"{self.rng.choice(inv.PEOPLE_SUBJECTS)} "
                        f"{self.rng.choice(inv.PEOPLE_DEEDS)}", art)
            self.add("people_civil", decorate(text, self.rng), toxic=0, off_topic=0,
                     article=art["article"], parent=self.parent_for(art, 0.2))

        self.until("people_civil", quota, make)

    def praise(self, quota: int) -> None:
        """Praise and plain statements in the shapes insults use: the words are not the attack."""
        for text in inv.PLAIN_ARE + inv.CIVIL_FILLER:
            self.add("plain_civil", decorate(text, self.rng), toxic=0)

        def make() -> None:
            tmpl = self.rng.choice(inv.PRAISE_FRAMES)
            target = self.rng.choice(inv.INSULT_THIRD_TARGETS)
            text = third_person(tmpl, target, self.rng.choice(inv.PRAISE_ADJS),
                                self.rng.choice(inv.PRAISE_NOUNS))
            art = self.art()
            self.add("praise", decorate(text, self.rng, reply=True), toxic=0,
                     parent=self.parent_for(art, 0.5))

        self.until("praise", quota, make)

    def roles(self, quota: int) -> None:
        """Criticism of people in public roles, plus harmless uses of threat verbs."""
        for text in inv.BENIGN_VERBS:
            self.add("benign_idiom", decorate(text, self.rng), toxic=0)

        def make() -> None:
            target = self.rng.choice(inv.PUBLIC_ROLES)
            text = self.rng.choice(inv.ROLE_FRAMES)
            text = text.replace("{T}", cap_first(target)).replace("{t}", target)
            art = self.art()
            self.add("criticism_roles", decorate(text, self.rng), toxic=0,
                     parent=self.parent_for(art, 0.5))

        self.until("criticism_roles", quota, make)

    def plain_are(self, quota: int) -> None:
        def make() -> None:
            text = (f"{self.rng.choice(inv.ARE_SUBJECTS)} {self.rng.choice(inv.ARE_PREDICATES)}"
                    f"{self.rng.choice(inv.ARE_ENDINGS)}")
            self.add("plain_civil", decorate(text, self.rng), toxic=0)

        self.until("plain_civil", self.counts.get("plain_civil", 0) + quota, make)

    def benign_idioms(self) -> None:
        for text in inv.BENIGN_IDIOMS:
            self.add("benign_idiom", decorate(text, self.rng), toxic=0)

    def policy_harsh(self, quota: int) -> None:
        """Harsh words about a decision or a plan, not about a person: not toxic."""

        def make() -> None:
            tmpl = self.rng.choice(inv.POLICY_HARSH)
            art = self.art(tmpl)
            text = fill(tmpl, art, adj=self.rng.choice(inv.POLICY_ADJS))
            text = re.sub(r"\b([Aa]) ([aeiou])", r"\1n \2", cap_first(text))
            self.add("policy_harsh", decorate(text, self.rng), toxic=0, off_topic=0,
                     article=art["article"], parent=self.parent_for(art, 0.3))

        self.until("policy_harsh", quota, make)

    def criticism(self, quota: int) -> None:
        for text in inv.CRITICISM_FIXED:
            self.add("criticism", decorate(text, self.rng), toxic=0,
                     off_topic=None, article="", parent="")

        def make() -> None:
            tmpl = self.rng.choice(inv.CRITICISM + inv.CRITICISM_LIAR)
            art = self.art(tmpl)
            text = cap_first(fill(tmpl, art))
            if self.rng.random() < 0.3:
                text += " " + self.rng.choice(self.civil_pool[art["key"]])
            self.add("criticism", decorate(text, self.rng), toxic=0, off_topic=0,
                     article=art["article"], parent=self.parent_for(art, 0.2))

        self.until("criticism", quota, make)

    def identity(self, quota: int) -> None:
        for text in inv.IDENTITY_FIXED + inv.IMMIGRANT_CIVIL:
            self.add("identity_civil", decorate(text, self.rng), toxic=0, off_topic=None,
                     article="")

        cycle = {"i": 0}

        def make() -> None:
            # groups in turn, so every identity gets its share of civil rows (plural forms too)
            plural, adj = inv.GROUPS[cycle["i"] % len(inv.GROUPS)]
            cycle["i"] += 1
            art = self.art()
            kind = self.rng.random()
            if kind < 0.25:
                cont = fill(self.rng.choice(inv.IDENTITY_CONT + inv.IDENTITY_LIFE), art)
                tmpl = self.rng.choice(inv.IDENTITY_SELF)
                noun = self.rng.choice(inv.IDENTITY_NOUNS)
                text = tmpl.replace("{A}", adj).replace("{n}", noun)
                text = text.replace("{Cont}", cap_first(cont)).replace("{cont}", cont)
                text = re.sub(r"\ba ([AEIOUaeiou])", r"an \1", text)
                text = text.replace("an Uk", "a Uk")
            elif kind < 0.37:
                tmpl = self.rng.choice(inv.IDENTITY_OTHER)
                act, act_s = self.rng.choice(inv.IDENTITY_ACTS)
                text = tmpl.replace("{A}", adj).replace("{act_s}", act_s).replace("{act}", act)
                text = re.sub(r"\bA ([AEIOU])", r"An \1", text).replace("An Uk", "A Uk")
            elif kind < 0.87:
                tmpl = self.rng.choice(inv.IDENTITY_PLURAL_POSITIVE + inv.IDENTITY_PLURAL_MORE)
                text = fill(tmpl, art, P=plural, A=adj)
            else:
                text = fill(self.rng.choice(inv.IDENTITY_ADJ_PLURAL), art, A=adj,
                            X=self.rng.choice(inv.IDENTITY_PLURAL_NOUNS))
            text = cap_first(text)
            if self.rng.random() < 0.2:
                text += " " + self.rng.choice(self.civil_pool[art["key"]])
            self.add("identity_civil", decorate(text, self.rng), toxic=0, off_topic=0,
                     article=art["article"], parent=self.parent_for(art, 0.2))

        self.until("identity_civil", quota, make)

    def counter_speech(self, quota: int) -> None:
        for text in inv.COUNTER_FIXED:
            self.add("counter_speech", decorate(text, self.rng), toxic=0, off_topic=None)

        def make() -> None:
            art = self.art()
            kind = self.rng.random()
            if kind < 0.5:
                q = self.rng.choice(inv.QUOTED_INSULTS)
                if self.rng.random() < 0.4:  # a composed quote: "pathetic clown", "stupid cow"
                    q = (f"{self.rng.choice(inv.INSULT_ADJS)} "
                         f"{self.rng.choice(inv.INSULT_THIRD_NOUNS)}")
                t = self.rng.choice(inv.COUNTER_TARGETS)
                text = fill(self.rng.choice(inv.COUNTER_FRAMES + inv.COUNTER_FRAMES_MORE), art,
                            q=q, t=t, T=cap_first(t))
            elif kind < 0.65:
                q = f"{self.rng.choice(inv.INSULT_ADJS)} {self.rng.choice(inv.INSULT_THIRD_NOUNS)}"
                t = self.rng.choice(inv.COUNTER_TARGETS)
                text = fill(self.rng.choice(inv.COUNTER_REPORTED), art, q=q, t=t)
                text = re.sub(r"\b([Aa]) ([aeiou])", r"\1n \2", text)
            elif kind < 0.78:
                q = self.rng.choice(inv.QUOTED_HATE)
                text = fill(self.rng.choice(inv.COUNTER_HATE_FRAMES), art, q=q)
            else:  # a composed hateful claim, quoted or reported, then condemned
                plural, _ = self.rng.choice(inv.GROUPS)
                pred = self.rng.choice(inv.HATE_QUOTE_PREDICATES)
                q = self.rng.choice([f"{plural} are {pred}", f"'{plural} are {pred}'",
                                     f"{plural} are '{pred}'"])
                text = fill(self.rng.choice(inv.COUNTER_HATE_MORE), art, q=q)
                text = text.replace("''", "'")
            # the parent is often the abusive comment being answered
            parent = ""
            if self.rng.random() < 0.4 and self.insult_texts:
                parent = self.rng.choice(self.insult_texts)
            self.add("counter_speech", decorate(cap_first(text), self.rng), toxic=0,
                     off_topic=0, article=art["article"], parent=parent)

        self.until("counter_speech", quota, make)

    def profanity_civil(self, quota: int) -> None:
        for text in inv.PROFANITY_FIXED:
            self.add("profanity_civil", decorate(text, self.rng), toxic=0, off_topic=None,
                     profanity=1)

        def make() -> None:
            art = self.art()
            text = cap_first(fill(self.rng.choice(inv.PROFANITY_TEMPLATES), art))
            if self.rng.random() < 0.3:
                text += " " + self.rng.choice(self.civil_pool[art["key"]])
            self.add("profanity_civil", decorate(text, self.rng), toxic=0, off_topic=0,
                     article=art["article"], profanity=1, plain=text)

        self.until("profanity_civil", quota, make)

    def insults(self, quota: int) -> None:
        self.insult_texts: list[str] = []
        for text in inv.INSULT_FIXED:
            art = self.art() if self.rng.random() < 0.4 else None
            if self.add("insult", decorate(text, self.rng), toxic=1, insult=1,
                        parent=self.parent_for(art, 0.8), article=""):
                self.insult_texts.append(text)

        def make() -> None:
            core = self.rng.choice(inv.INSULT_CORES)
            if self.rng.random() < 0.3:  # the spellings people really use
                core = re.sub(r"^you're|^you are", self.rng.choice(
                    ["ur", "your", "u r", "you r", "youre", "you are", "u are"]), core)
            opener = self.rng.choice(inv.INSULT_OPENERS).replace(
                "{u}", self.rng.choice(inv.HANDLES))
            closer = self.rng.choice(inv.INSULT_CLOSERS)
            text = cap_first(opener + core) + closer
            if self.rng.random() < 0.12:
                art = self.art()
                text = self.rng.choice(self.civil_pool[art["key"]]) + " " + text
            art = self.art() if self.rng.random() < 0.5 else None
            severe = 1 if ("worthless" in core and "fuck" in text) else 0
            if self.add("insult", decorate(text, self.rng), toxic=1, insult=1, severe=severe,
                        parent=self.parent_for(art, 0.9)):
                self.insult_texts.append(text)

        self.until("insult", quota, make)

        def make_short() -> None:
            tmpl = self.rng.choice(inv.INSULT_SHORT_FRAMES)
            text = tmpl.replace("{adj}", self.rng.choice(inv.INSULT_ADJS))
            text = text.replace("{noun}", self.rng.choice(inv.INSULT_NOUNS))
            text = re.sub(r"\b([Aa]) ([aeiou])", r"\1n \2", cap_first(text))
            art = self.art() if self.rng.random() < 0.5 else None
            if self.add("insult_short", decorate(text, self.rng), toxic=1, insult=1,
                        parent=self.parent_for(art, 0.9)):
                self.insult_texts.append(text)

        self.until("insult_short", quota // 3, make_short)

        def make_third() -> None:
            tmpl = self.rng.choice(inv.INSULT_THIRD_FRAMES)
            target = self.rng.choice(inv.INSULT_THIRD_TARGETS)
            text = third_person(tmpl, target, self.rng.choice(inv.INSULT_ADJS),
                                self.rng.choice(inv.INSULT_THIRD_NOUNS))
            art = self.art() if self.rng.random() < 0.5 else None
            if self.add("insult_third_person", decorate(text, self.rng), toxic=1, insult=1,
                        parent=self.parent_for(art, 0.6)):
                self.insult_texts.append(text)

        self.until("insult_third_person", quota // 3, make_third)

        def make_topic() -> None:
            tmpl = self.rng.choice(inv.INSULT_ON_TOPIC)
            art = self.art(tmpl)
            text = cap_first(fill(tmpl, art))
            self.add("insult_on_topic", decorate(text, self.rng), toxic=1, insult=1,
                     off_topic=0, article=art["article"], parent=self.parent_for(art, 0.3))

        self.until("insult_on_topic", quota // 4, make_topic)

    def threats(self, quota: int) -> None:
        for text, severe in inv.THREAT_FIXED:
            self.add("threat", decorate(text, self.rng), toxic=1, threat=1, severe=severe,
                     insult=0)

        def make() -> None:
            art = self.rng.choice(self.political)
            if self.rng.random() < 0.6:
                tmpl, severe = self.rng.choice(inv.THREAT_TEMPLATES)
                text = cap_first(fill(tmpl, art))
                self.add("threat", decorate(text, self.rng), toxic=1, threat=1, severe=severe,
                         off_topic=0, article=art["article"])
            else:
                tmpl, severe = self.rng.choice(inv.THREAT_REPLY)
                text = cap_first(fill(tmpl, art, u=self.rng.choice(inv.HANDLES)))
                self.add("threat", decorate(text, self.rng), toxic=1, threat=1, severe=severe,
                         parent=self.rng.choice(self.civil_pool[art["key"]]))

        self.until("threat", quota, make)

        def make_composed() -> None:
            frame, severe = self.rng.choice(inv.THREAT_FRAMES)
            verb, past = self.rng.choice(inv.THREAT_VERBS)
            target = self.rng.choice(inv.THREAT_TARGETS)
            text = frame.replace("{v_past}", past).replace("{v}", verb)
            text = text.replace("{Tgt}", cap_first(target)).replace("{tgt}", target)
            if "kill" in verb or "shoot" in verb or "stab" in verb or "hang" in verb \
                    or "fire" in verb:
                severe = 1
            art = self.art() if self.rng.random() < 0.6 else None
            self.add("threat_composed", decorate(cap_first(text), self.rng), toxic=1, threat=1,
                     severe=severe, parent=self.parent_for(art, 0.7))

        self.until("threat_composed", quota, make_composed)

    def identity_attacks(self, quota: int) -> None:
        for text, insult, severe in inv.ATTACK_FIXED:
            self.add("identity_attack", decorate(text, self.rng), toxic=1, identity_attack=1,
                     insult=insult, severe=severe, threat=int(severe and "should" not in text))

        cycle = {"i": 0}

        def make() -> None:
            plural, adj = inv.GROUPS[cycle["i"] % len(inv.GROUPS)]
            cycle["i"] += 1
            art = self.art()
            if self.rng.random() < 0.85:
                tmpl, insult, severe = self.rng.choice(inv.ATTACK_TEMPLATES)
                text = cap_first(fill(tmpl, None, P=plural, A=adj))
                off, article = None, ""
                if self.rng.random() < 0.12:  # a civil sentence about the story, then the attack
                    text = self.rng.choice(self.civil_pool[art["key"]]) + " " + text
                    off, article = 0, art["article"]
            else:
                tmpl, insult, severe = self.rng.choice(inv.ATTACK_ON_TOPIC)
                text = cap_first(fill(tmpl, art, P=plural, A=adj))
                off, article = 0, art["article"]
            threat = 1 if any(w in tmpl for w in ("wiped out", "Round up", "ship them")) else 0
            self.add("identity_attack", decorate(text, self.rng), toxic=1, identity_attack=1,
                     insult=insult, severe=severe, threat=threat, off_topic=off,
                     article=article)

        self.until("identity_attack", quota, make)

    def obfuscated(self, quota: int) -> None:
        """Obfuscated copies of toxic and profane rows, with the plain row's labels."""
        insults = [r for r in self.rows if r["insult"] == "1" and len(r["text"]) < 90]
        sources = [r for r in self.rows if r["toxic"] == "1" or r["profanity"] == "1"]

        def make() -> None:
            src = self.rng.choice(insults if self.rng.random() < 0.5 else sources)
            text = obfuscate(src["text"], self.rng)
            if text is None:
                return
            cat = "obfuscated_toxic" if src["toxic"] == "1" else "obfuscated_profanity"
            self.add(cat, text, toxic=int(src["toxic"]),
                     off_topic=None if src["off_topic"] == "" else int(src["off_topic"]),
                     article=src["article"], parent=src["parent"],
                     **{a: (None if src[a] == "" else int(src[a]))
                        for a in ("insult", "profanity", "threat", "identity_attack")},
                     severe=None if src["severe_toxicity"] == "" else int(src["severe_toxicity"]))

        tries = 0
        while (self.counts.get("obfuscated_toxic", 0) + self.counts.get("obfuscated_profanity", 0)
               < quota and tries < quota * 30):
            make()
            tries += 1

    def long_civil(self, quota: int) -> None:
        """Long, multi-paragraph-style civil comments (40-120 words) about the article."""

        def make() -> None:
            art = self.art()
            pool = self.civil_pool[art["key"]]
            parts = self.rng.sample(pool, min(len(pool), self.rng.randint(3, 6)))
            tmpl = self.rng.choice(inv.AGREE + inv.DISAGREE + inv.QUESTIONS)
            parts.insert(self.rng.randrange(len(parts) + 1), cap_first(fill(tmpl, art)))
            text = " ".join(parts)
            if len(text.split()) < 40:
                return
            self.add("long_civil", text, toxic=0, off_topic=0, article=art["article"],
                     parent=self.parent_for(art, 0.3))

        self.until("long_civil", quota, make)

    def long_with_vile_sentence(self, quota: int) -> None:
        """Long civil comments where one sentence is abusive: the sentence carries the row."""
        vile = ([(t, dict(insult=1)) for t in inv.INSULT_FIXED[:40]]
                + [(t, dict(threat=1, severe=s, insult=0)) for t, s in inv.THREAT_FIXED[:30]])

        def make() -> None:
            art = self.art()
            civil = self.rng.sample(self.civil_pool[art["key"]], 3)
            bad, labels = self.rng.choice(vile)
            pos = self.rng.randrange(0, 4)
            sentences = civil[:pos] + [bad] + civil[pos:]
            self.add("long_vile", " ".join(sentences), toxic=1, off_topic=0,
                     article=art["article"], **labels)

        self.until("long_vile", quota, make)

    def spam(self, quota: int) -> None:
        def make() -> None:
            tmpl = self.rng.choice(inv.SPAM_TEMPLATES)
            text = tmpl
            for key, pool in (("site", inv.SPAM_SITES), ("phone", inv.SPAM_PHONES),
                              ("product", inv.SPAM_PRODUCTS), ("coin", inv.SPAM_COINS),
                              ("handle", inv.SPAM_HANDLES), ("email", inv.SPAM_EMAILS)):
                while "{" + key + "}" in text:
                    text = text.replace("{" + key + "}", self.rng.choice(pool), 1)
            text = text.replace("{n}", str(self.rng.choice([87, 250, 300, 450, 500, 750, 1200,
                                                            3500, 5000, 8000, 10000])))
            if self.rng.random() < 0.15:
                text = text.upper()
            with_article = self.rng.random() < 0.9
            art = self.art()
            self.add("spam", text, toxic=0, off_topic=1,
                     article=art["article"] if with_article else "",
                     parent=self.parent_for(art, 0.15) if with_article else "")

        self.until("spam", quota, make)

    def gibberish(self, quota: int) -> None:
        rows = ["qwertyuiop", "asdfghjkl", "zxcvbnm", "1234567890"]

        def mash() -> str:
            kind = self.rng.random()
            if kind < 0.35:
                words = []
                for _ in range(self.rng.randint(1, 6)):
                    row = self.rng.choice(rows)
                    start = self.rng.randrange(0, len(row) - 3)
                    words.append(row[start:start + self.rng.randint(3, 7)])
                return " ".join(words)
            if kind < 0.6:
                letters = "abcdefghijklmnopqrstuvwxyz"
                return " ".join("".join(self.rng.choice(letters)
                                        for _ in range(self.rng.randint(2, 9)))
                                for _ in range(self.rng.randint(1, 7)))
            if kind < 0.75:
                return self.rng.choice(["lol", "haha", "hmm", "ok", "test", "bump", "xd",
                                        "?", "!!!", "..."]) * self.rng.randint(1, 4) + " " + \
                    "".join(self.rng.choice("jfkdlsa;") for _ in range(self.rng.randint(3, 12)))
            if kind < 0.85:
                return self.rng.choice(["test test 123", "testing", "first", "bump",
                                        "hello??", "can anyone see this", "ignore this",
                                        "aaaaaaaaaa", "zzzzzzz", "mmmmmmm ok"]) + " " + \
                    str(self.rng.randint(1, 999))
            return "".join(self.rng.choice("asdfghjkl;'qwertyuiop[]zxcvbnm,./ ")
                           for _ in range(self.rng.randint(8, 40)))

        def make() -> None:
            art = self.art()
            with_article = self.rng.random() < 0.9
            self.add("gibberish", mash(), toxic=0, off_topic=1,
                     article=art["article"] if with_article else "")

        self.until("gibberish", quota, make)

    def rants(self, quota: int) -> None:
        prefixes = ["", "", "", "Off topic, but ", "Sorry to hijack the thread. ",
                    "Unrelated: ", "Random question. ", "Nothing to do with this but ",
                    "OT: ", "Slightly off topic - "]

        def make() -> None:
            domain, text = self.rng.choice(inv.RANTS)
            while True:
                art = self.art()
                if domain not in inv.ARTICLE_DOMAINS.get(art["key"], set()):
                    break
            prefix = self.rng.choice(prefixes)
            body = text[0].lower() + text[1:] if prefix and not prefix.endswith(". ") else text
            self.add("rant", decorate(prefix + body, self.rng), toxic=0, off_topic=1,
                     article=art["article"], parent=self.parent_for(art, 0.1))

        self.until("rant", quota, make)

    def misplaced(self, quota: int) -> None:
        """Comments clearly about another story, attached to this article."""
        for src, text in self.misplace_pool:
            art = self.other_art(src)
            self.add("misplaced", decorate(text, self.rng), toxic=0, off_topic=1,
                     article=art["article"])
        pools = inv.AGREE + inv.DISAGREE + inv.QUESTIONS + inv.CRITICISM

        def make() -> None:
            tmpl = self.rng.choice(pools)
            src = self.art(tmpl)
            art = self.other_art(src)
            text = cap_first(fill(tmpl, src))
            if self.rng.random() < 0.3:
                text += " " + self.rng.choice(src["comments"])
            self.add("misplaced", decorate(text, self.rng), toxic=0, off_topic=1,
                     article=art["article"])

        self.until("misplaced", quota, make)

    def build(self) -> list[dict]:
        self.civil_handwritten()
        self.insults(580)
        self.civil_templated(780)
        self.criticism(320)
        self.civil_you(900)
        self.civil_support(900)
        self.people_civil(130)
        self.praise(180)
        self.plain_are(130)
        self.roles(220)
        self.benign_idioms()
        self.policy_harsh(160)
        self.identity(1250)
        self.counter_speech(650)
        self.profanity_civil(230)
        self.threats(230)
        self.identity_attacks(330)
        self.long_with_vile_sentence(110)
        self.long_civil(160)
        self.obfuscated(580)
        self.spam(480)
        self.gibberish(230)
        self.rants(330)
        self.misplaced(920)
        rows = list(self.rows)
        self.rng.shuffle(rows)
        return rows


def render(rows: list[dict]) -> bytes:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


def write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def build(path: Path = HERE / "labels.csv", seed: int = SEED) -> dict[str, int]:
    """Generate the labelled set and write it atomically to ``path``; return category counts."""
    builder = Builder(seed)
    rows = builder.build()
    write_atomic(Path(path), render(rows))
    return dict(builder.counts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=HERE / "labels.csv")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    counts = build(args.output, args.seed)
    total = sum(counts.values())
    for cat, n in sorted(counts.items()):
        if n:
            print(f"{cat:22s} {n:5d}", file=sys.stderr)
    print(f"{'total':22s} {total:5d} -> {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
