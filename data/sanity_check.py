"""Quick sanity check of data/labels.csv: train a plain word+char TF-IDF logistic regression on
the file alone and score fresh, held-out sentences (none of them are in the file).

Run:  python data/sanity_check.py [path/to/labels.csv]
"""

from __future__ import annotations

import csv
import os
import sys
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import HashingVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import precision_recall_curve, roc_auc_score
from sklearn.model_selection import cross_val_predict

CREG = float(os.environ.get("SANITY_C", "4"))

INSULTS = [
    "You are a complete idiot and nobody wants your opinion.",
    "Shut up, you pathetic clown.",
    "What an absolute moron this commenter is.",
    "You're a stupid, ignorant fool.",
    "Go away you worthless loser.",
    "You brainless muppet, learn to read.",
    "Only an imbecile would write that.",
    "You are such a dumb idiot.",
    "Get lost, you disgusting creep.",
    "Nobody cares what a moron like you thinks.",
]
IDENTITY_CIVIL = [
    "My Muslim neighbours invited us to dinner during Eid.",
    "As a Jewish teacher, I think the school budget cuts go too far.",
    "The Mexican restaurant on the corner has been open for twenty years.",
    "I'm gay and I've been married to my husband for ten years.",
    "My autistic son loves the new quiet hour at the supermarket.",
    "Our deaf colleague gave a great talk on accessibility.",
    "The Sikh temple is hosting a free lunch for the flood victims.",
    "Nigerian immigrants run several of the best shops in town.",
    "As a lesbian mum I found the school very welcoming.",
    "Blind voters should have accessible ballot papers.",
    "The Hindu festival brought lots of visitors to the market.",
    "I'm a trans man and I take this bus every day.",
    "Chinese students make up a big part of the university.",
    "My wife is Polish and she agrees with the article.",
    "Black families have lived in this neighbourhood for a century.",
    "Refugees from Syria opened a bakery near the station.",
    "Catholic and Protestant churches organised the vigil together.",
    "Wheelchair users need step-free access at every station.",
]
COUNTER_PAIRS = [
    ("Calling the nurses 'idiots' is not a real argument.", "The nurses are idiots."),
    ("Somebody called her a 'stupid cow' below, which is disgraceful.", "She is a stupid cow."),
    ("Writing 'moron' under every comment doesn't make you right.", "You are a moron."),
    ("Please don't call people 'losers' just because they disagree.", "You're a loser."),
    ("The reply calling him 'pathetic scum' should be removed.", "He is pathetic scum."),
    ("'Go back to your country' is racist, and I've reported it.",
     "Go back to your country."),
    ("Someone said 'clown' about the mayor. Argue the policy instead.", "The mayor is a clown."),
    ("Whoever called the reporter an 'imbecile' should apologise.",
     "The reporter is an imbecile."),
]
OBFUSCATED_PAIRS = [
    ("You are a f*cking idiot.", "You are a fucking idiot."),
    ("What an idi0t.", "What an idiot."),
    ("You st00pid m0ron.", "You stupid moron."),
    ("Shut up you a$$hole.", "Shut up you asshole."),
    ("You're a l o s e r.", "You're a loser."),
    ("What an idioooooot.", "What an idiot."),
    ("You dumb b!tch.", "You dumb bitch."),
    ("You're such a m.o.r.o.n.", "You're such a moron."),
]
ARTICLE = ("Council approves new swimming pool for Northgate\n\nThe council approved a 12 million "
           "leisure centre with a 25-metre pool in Northgate. It will open in 2028. Residents "
           "had campaigned for a pool since the old baths closed in 2015.")
SPAM = [
    "Make $600 a day from your couch!!! Details at www.fastmoney-now.example",
    "Check out my gaming channel youtube.com/@ProGamerX, new video every day!",
    "Cheap sunglasses 80% off, free shipping worldwide: http://shades-sale.example",
    "Text 07700 900777 for quick loans, no credit checks!",
    "Join my Telegram for crypto pump signals https://t.me/pumpzone",
    "sdfkj weoiru xcvmn qpwoe",
]
ON_TOPIC = [
    "A 25-metre pool in Northgate is great news, my kids have to travel 40 minutes to swim.",
    "12 million for a leisure centre seems expensive. Who pays for the running costs?",
    "I campaigned for this pool for years. Thank you to the council.",
    "Will the pool have lane swimming sessions for adults in the evening?",
    "Opening in 2028 is too late, the old baths closed in 2015.",
    "I disagree, the money should go to the library instead of a pool.",
]
# a second fresh set across more categories: (text, expected toxic)
MORE = [
    ("I know your address and I'm coming for you.", 1),
    ("Someone ought to shoot the referee.", 1),
    ("I'll break every bone in your body.", 1),
    ("Refugees are cockroaches and should be sent back.", 1),
    ("Gay people are perverts.", 1),
    ("Jews are greedy, always have been.", 1),
    ("Disabled people are useless leeches.", 1),
    ("You absolute waste of space, stop posting.", 1),
    ("The councillor is a spineless, brainless idiot.", 1),
    ("F u c k you, moron.", 1),
    ("ur a st*pid l0ser", 1),
    ("Holy shit, the tram actually opened on time!", 0),
    ("Damn, what a fucking brilliant concert.", 0),
    ("The government's housing policy is a failure and the minister should go.", 0),
    ("This council is wasteful and incompetent, vote them out.", 0),
    ("You're right that the budget is tight, but libraries matter.", 0),
    ("Thanks, you've explained it well.", 0),
    ("As a Muslim dad, I'm glad the school kept its music lessons.", 0),
    ("My wife uses a wheelchair and the new ramps are excellent.", 0),
    ("Calling people 'morons' won't win the argument about parking.", 0),
    ("Somebody in this thread said refugees are 'cockroaches'. That's vile.", 0),
    ("I disagree with the article; the pool will cost too much to run.", 0),
    ("Where can I find the timetable for the new route?", 0),
    ("The chef killed it with this recipe.", 0),
]
MISPLACED = [
    "The striker they signed is useless in the air, waste of money.",
    "My heat pump bill went down after we insulated the loft.",
    "Which roads close for the parade on Sunday?",
    "The nurses deserve a proper pay rise, not 4%.",
]


def load(path):
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def vectorizers():
    return (TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True),
            TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True))


def fit(texts, y):
    word, char = vectorizers()
    x = hstack([word.fit_transform(texts), char.fit_transform(texts)]).tocsr()
    clf = LogisticRegression(C=CREG, max_iter=2000, class_weight="balanced").fit(x, y)

    def score(batch):
        xb = hstack([word.transform(batch), char.transform(batch)]).tocsr()
        return clf.predict_proba(xb)[:, 1]

    return score, x, clf


def threshold_at_precision(y, p, target=0.9):
    prec, rec, thr = precision_recall_curve(y, p)
    ok = np.where(prec[:-1] >= target)[0]
    return float(thr[ok[0]]) if len(ok) else 0.5


def main(path: str) -> int:
    rows = load(path)
    tox = [r for r in rows if r["toxic"] in ("0", "1")]
    texts = [r["text"] for r in tox]
    y = np.array([int(r["toxic"]) for r in tox])
    score, x, clf = fit(texts, y)
    cv = cross_val_predict(LogisticRegression(C=CREG, max_iter=2000, class_weight="balanced"),
                           x, y, cv=5, method="predict_proba")[:, 1]
    thr = threshold_at_precision(y, cv, 0.9)
    print(f"toxic: n={len(y)} pos={y.mean():.1%} cv AUC={roc_auc_score(y, cv):.3f} "
          f"threshold@P0.9={thr:.3f}")
    failures = 0

    s = score(INSULTS)
    bad = [(t, v) for t, v in zip(INSULTS, s, strict=True) if v < thr]
    failures += len(bad)
    print(f"(a) insults above threshold: {len(INSULTS) - len(bad)}/{len(INSULTS)} "
          f"min={s.min():.3f}", *[f"\n    LOW {v:.3f} {t}" for t, v in bad])

    s = score(IDENTITY_CIVIL)
    bad = [(t, v) for t, v in zip(IDENTITY_CIVIL, s, strict=True) if v >= thr]
    failures += len(bad)
    print(f"(b) identity civil below threshold: {len(IDENTITY_CIVIL) - len(bad)}/"
          f"{len(IDENTITY_CIVIL)} max={s.max():.3f}",
          *[f"\n    HIGH {v:.3f} {t}" for t, v in bad])

    c = score([a for a, _ in COUNTER_PAIRS])
    i = score([b for _, b in COUNTER_PAIRS])
    bad = [(p, a, b) for p, a, b in zip(COUNTER_PAIRS, c, i, strict=True) if a >= b]
    failures += len(bad)
    for (a_, b_), sa, sb in zip(COUNTER_PAIRS, c, i, strict=True):
        print(f"    {sa:.3f} {a_}  |  {sb:.3f} {b_}")
    print(f"(c) counter-speech below its insult: {len(c) - len(bad)}/{len(c)} "
          f"(counter mean {c.mean():.3f}, above thr {int((c >= thr).sum())}; insult mean "
          f"{i.mean():.3f})", *[f"\n    {a:.3f} >= {b:.3f} {p[0]}" for p, a, b in bad])

    o = score([a for a, _ in OBFUSCATED_PAIRS])
    p = score([b for _, b in OBFUSCATED_PAIRS])
    bad = [(q, a, b) for q, a, b in zip(OBFUSCATED_PAIRS, o, p, strict=True)
           if abs(a - b) > 0.25 or a < thr]
    failures += len(bad)
    print(f"(d) obfuscated near plain and flagged: {len(o) - len(bad)}/{len(o)} "
          f"max |diff|={np.abs(o - p).max():.3f}",
          *[f"\n    {a:.3f} vs {b:.3f} {q[0]}" for q, a, b in bad])

    m = score([t for t, _ in MORE])
    wrong = [(t, e, v) for (t, e), v in zip(MORE, m, strict=True) if (v >= thr) != bool(e)]
    failures += len(wrong)
    print(f"(f) second fresh set (threats, identity attacks, profanity, criticism, civil 'you'): "
          f"{len(MORE) - len(wrong)}/{len(MORE)} on the right side",
          *[f"\n    expected {e} got {v:.3f} {t}" for t, e, v in wrong])

    off = [r for r in rows if r["off_topic"] in ("0", "1")]
    ot, oy = [r["text"] for r in off], np.array([int(r["off_topic"]) for r in off])
    oa = [r["article"] for r in off]
    word, char = vectorizers()
    # hashed word + character n-grams: similarity also works for words never seen in training
    ctx_w = HashingVectorizer(stop_words="english", n_features=2**18, alternate_sign=False,
                              norm="l2")
    ctx_c = HashingVectorizer(analyzer="char_wb", ngram_range=(4, 5), n_features=2**18,
                              alternate_sign=False, norm="l2")

    def sims(texts, articles):
        out = []
        for vec in (ctx_w, ctx_c):
            out.append(np.asarray(vec.transform(texts).multiply(vec.transform(articles))
                                  .sum(axis=1)))
        return np.hstack(out)

    def ofeatures(texts, articles, fit_=False):
        w = word.fit_transform(texts) if fit_ else word.transform(texts)
        c = char.fit_transform(texts) if fit_ else char.transform(texts)
        sim = sims(texts, articles)
        has = np.array([[1.0 if a else 0.0] for a in articles])
        return hstack([w, c, csr_matrix(np.hstack([sim * 5, has]))]).tocsr()

    ox = ofeatures(ot, oa, fit_=True)
    ocv = cross_val_predict(LogisticRegression(C=CREG, max_iter=2000, class_weight="balanced"),
                            ox, oy, cv=5, method="predict_proba")[:, 1]
    oclf = LogisticRegression(C=CREG, max_iter=2000, class_weight="balanced").fit(ox, oy)
    othr = threshold_at_precision(oy, ocv, 0.9)
    sp = oclf.predict_proba(ofeatures(SPAM, [ARTICLE] * len(SPAM)))[:, 1]
    on = oclf.predict_proba(ofeatures(ON_TOPIC, [ARTICLE] * len(ON_TOPIC)))[:, 1]
    mis = oclf.predict_proba(ofeatures(MISPLACED, [ARTICLE] * len(MISPLACED)))[:, 1]
    failures += int((sp < othr).sum()) + int((on >= othr).sum())
    for t, v in zip(ON_TOPIC + MISPLACED, list(on) + list(mis), strict=True):
        print(f"    {v:.3f} {t}")
    print(f"(e) off_topic text+article similarity: n={len(oy)} pos={oy.mean():.1%} cv AUC="
          f"{roc_auc_score(oy, ocv):.3f} thr={othr:.3f}; spam flagged {int((sp >= othr).sum())}/"
          f"{len(sp)} (min {sp.min():.3f}); on-topic clear {int((on < othr).sum())}/{len(on)} "
          f"(max {on.max():.3f}); other-story comments flagged {int((mis >= othr).sum())}/"
          f"{len(mis)} (info only)")
    print("FAILURES:", failures)
    return 1 if failures else 0


if __name__ == "__main__":
    default = Path(__file__).resolve().parent / "labels.csv"
    raise SystemExit(main(sys.argv[1] if len(sys.argv) > 1 else str(default)))
