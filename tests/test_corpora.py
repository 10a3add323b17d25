"""Corpus adapters: invented fixtures in each real format, the real files when ../shared is
there (row and label counts as their SOURCES.md states), and every bad-input path."""

from __future__ import annotations

from collections import Counter

import pytest

from conftest import FIXTURES, shared_path
from moderator.corpora import (
    CIVIL_NEGATIVE_WEIGHT,
    CORPORA,
    YOUTUBE_HAM_WEIGHT,
    CorpusRow,
    load_corpus,
    parse_data_option,
    split_rows,
    unescape_impermium,
)
from moderator.errors import LabelsError
from moderator.files import file_sha256
from moderator.labels import LabelledRow, LabelledSource

CORPORA_DIR = FIXTURES / "corpora"
ALL_TOXIC = {
    "toxicity": 0,
    "severe_toxicity": 0,
    "insult": 0,
    "profanity": 0,
    "threat": 0,
    "identity_attack": 0,
}


def label_counts(rows) -> Counter:
    return Counter((a, v) for r in rows for a, v in r.labels.items())


# ------------------------------------------------------------------ registry


def test_registry_has_license_notes_and_known_attributes():
    from moderator.attributes import ATTRIBUTES

    for name in ("jigsaw", "civil-spans", "olid", "davidson", "kaggle-insults", "semeval-cqa"):
        assert name in CORPORA
    for adapter in CORPORA.values():
        assert adapter.license and adapter.title
        assert set(adapter.attributes) <= set(ATTRIBUTES)
    assert CORPORA["jigsaw"].license == "CC0 data; comment text CC BY-SA 3.0 (Wikipedia)"
    assert CORPORA["civil-spans"].license == "CC0 1.0"
    assert CORPORA["davidson"].license == "MIT"


def test_load_corpus_returns_a_source_with_hash_and_license():
    path = CORPORA_DIR / "jigsaw" / "train.csv"
    source = load_corpus("jigsaw", path)
    assert isinstance(source, LabelledSource)
    assert source.kind == "corpus"
    assert source.sha256 == file_sha256(path)
    assert source.license == CORPORA["jigsaw"].license
    assert all(isinstance(r, LabelledRow) and isinstance(r, CorpusRow) for r in source.rows)
    # a folder finds the file; several files hash as one digest of digests
    assert load_corpus("jigsaw", CORPORA_DIR / "jigsaw").sha256 == source.sha256
    several = load_corpus("youtube-spam", CORPORA_DIR / "youtube")
    assert len(several.sha256) == 64 and several.sha256 != file_sha256(
        CORPORA_DIR / "youtube" / "Youtube01-Song.csv"
    )


def test_unknown_corpus_and_missing_path(tmp_path):
    with pytest.raises(LabelsError, match=r"unknown corpus \(known: civil-spans, "):
        load_corpus("wikipedia", tmp_path)
    with pytest.raises(LabelsError, match="no such file or folder"):
        load_corpus("olid", tmp_path / "nope.tsv")


def test_parse_data_option():
    assert parse_data_option("olid=a/b.tsv") == ("olid", __import__("pathlib").Path("a/b.tsv"))
    with pytest.raises(LabelsError, match="expected NAME=PATH"):
        parse_data_option("olid")
    with pytest.raises(LabelsError, match="unknown corpus"):
        parse_data_option("nope=x.csv")


# ------------------------------------------------------------------ each adapter on fixtures


def test_jigsaw_fixture():
    rows = load_corpus("jigsaw", CORPORA_DIR / "jigsaw" / "train.csv").rows
    assert len(rows) == 5
    assert rows[0].text.startswith("Thanks for fixing") and "\nI checked" in rows[0].text
    assert rows[0].labels == ALL_TOXIC
    assert rows[2].labels == {
        "toxicity": 1,
        "severe_toxicity": 1,
        "profanity": 1,
        "threat": 1,
        "insult": 0,
        "identity_attack": 0,
    }
    assert rows[3].text == 'The "history" section needs a better map, in my opinion.'
    assert rows[4].labels["identity_attack"] == 1
    assert rows[1].id == "a000000000000002"
    assert "off_topic" not in rows[0].labels  # Jigsaw says nothing about topic


def test_jigsaw_test_labels_minus_one_is_unknown(tmp_path):
    path = tmp_path / "test_merged.csv"
    path.write_text(
        "id,comment_text,toxic,severe_toxic,obscene,threat,insult,identity_hate\n"
        "x1,hello there,-1,-1,-1,-1,-1,-1\n"
        "x2,you idiot,1,0,0,0,1,0\n"
    )
    rows = load_corpus("jigsaw", path).rows
    assert [r.id for r in rows] == ["x2"]  # a row with no known label is not kept


def test_civil_spans_tsd_file_and_folder():
    rows = load_corpus("civil-spans", CORPORA_DIR / "civil" / "tsd_train.csv").rows
    assert [r.labels for r in rows] == [{"toxicity": 1}, {"toxicity": 0}, {"toxicity": 1}]
    assert rows[0].spans == [[10, 15]]
    assert rows[0].text[10:15] == "moron"
    assert rows[2].spans == [[0, 5], [30, 35]]
    assert rows[1].spans == []
    # the negatives were rated toxic by half the original raters: weak, they count less
    assert [r.weight for r in rows] == [1.0, CIVIL_NEGATIVE_WEIGHT, 1.0]
    # a folder without comments.csv reads every tsd_*.csv
    assert len(load_corpus("civil-spans", CORPORA_DIR / "civil").rows) == 4


def test_civil_spans_annotation_folder():
    source = load_corpus("civil-spans", CORPORA_DIR / "civil_folder")
    by_id = {r.id: r for r in source.rows}
    assert sorted(by_id) == ["101", "102", "103"]  # 104 is a 1-1 tie: unknown, left out
    pig = by_id["101"]
    assert pig.labels == {
        "toxicity": 1,
        "identity_attack": 1,
        "insult": 1,
        "threat": 0,
        "profanity": 0,
    }
    assert pig.spans == [[0, 30], [31, 45]]
    assert pig.text[31:45] == "you filthy pig"
    assert by_id["102"].labels == ALL_TOXIC  # two of three raters: not toxic
    assert by_id["102"].weight == CIVIL_NEGATIVE_WEIGHT < 1.0 == pig.weight
    fool = by_id["103"]
    # insult marked by 2 of 3 (one type truncated to "Insu" as in the real file);
    # profanity by 1 of 3: unknown
    assert fool.labels == {"toxicity": 1, "insult": 1, "identity_attack": 0, "threat": 0}
    assert fool.spans == [[18, 22]]
    # the comments.csv path means the folder too
    same = load_corpus("civil-spans", CORPORA_DIR / "civil_folder" / "comments.csv")
    assert [r.labels for r in same.rows] == [r.labels for r in source.rows]


def test_olid_fixture():
    rows = load_corpus("olid", CORPORA_DIR / "olid").rows
    assert len(rows) == 5
    assert rows[0].labels == {"toxicity": 1, "insult": 1}  # TIN
    assert rows[1].text == 'this weather is "lovely URL'  # QUOTE_NONE keeps the quote
    assert rows[1].labels == ALL_TOXIC  # NOT
    assert rows[2].labels == {  # UNT: untargeted profanity
        "toxicity": 1,
        "profanity": 1,
        "insult": 0,
        "threat": 0,
        "identity_attack": 0,
    }
    assert rows[3].labels == {"toxicity": 1, "insult": 1}


def test_davidson_fixture():
    rows = load_corpus("davidson", CORPORA_DIR / "davidson").rows
    assert [r.labels.get("toxicity") for r in rows] == [0, 1, 1, 1]
    assert [r.labels.get("identity_attack") for r in rows] == [0, 0, 1, 0]
    assert rows[0].labels == ALL_TOXIC
    assert rows[0].text == "Morning run done & coffee in hand, have a good one"
    assert rows[3].text == "shut up you clown \u201cexpert\u201d"
    assert rows[2].id == "2"


def test_kaggle_insults_fixture():
    rows = load_corpus("kaggle-insults", CORPORA_DIR / "kaggle_insults").rows
    assert [r.labels for r in rows] == [
        {"insult": 1, "toxicity": 1},
        {"insult": 0},  # not an insult to a participant says nothing about toxicity
        {"insult": 0},
        {"insult": 1, "toxicity": 1},
    ]
    assert rows[0].text == "You are a pathetic little troll."
    assert rows[1].text == "I see your point.  Still, the numbers say otherwise."
    # double-escaped: \\xc2\\xa0 (UTF-8 no-break space), \\n, \\', \\xe2\\x80\\x99
    assert rows[2].text == "A fair point.\n\nBut the coach's plan didn\u2019t work."
    assert rows[3].text == "shut up, moron\u2019s opinion is worthless\nlike yours"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ('"plain"', "plain"),
        ('"caf\\xc3\\xa9"', "caf\u00e9"),  # UTF-8 bytes
        ('"50\\xb0 north"', "50\u00b0 north"),  # a lone Latin-1 byte
        ('"a\\\\\\\\nb"', "a\nb"),  # triple escaping
        ('"tab\\there"', "tab\there"),
        ("no quotes", "no quotes"),
    ],
)
def test_unescape_impermium(raw, expected):
    assert unescape_impermium(raw) == expected


def test_semeval_cqa_csv_and_raw_xml_agree():
    rows = load_corpus("semeval-cqa", CORPORA_DIR / "semeval_cqa").rows
    # Dialogue: off_topic unknown, Not English: skipped
    assert [(r.id, r.labels) for r in rows] == [
        ("Q1_C1", {"off_topic": 0}),
        ("Q1_C2", {"off_topic": 1}),
        ("Q2_C1", {"off_topic": 0}),
        ("Q2_C3", {"off_topic": 1}),
    ]
    assert rows[0].article == "Family visa\nHow long does a family visa take to process?"
    assert rows[0].group == rows[1].group == "semeval-cqa#Q1" != rows[2].group
    raw = load_corpus("semeval-cqa", CORPORA_DIR / "semeval_cqa" / "raw").rows
    xml = load_corpus(
        "semeval-cqa", CORPORA_DIR / "semeval_cqa" / "raw" / "CQA-QL-devel-input.xml"
    ).rows
    for other in (raw, xml):
        assert [(r.id, r.text, r.article, r.group, r.labels) for r in other] == [
            (r.id, r.text, r.article, r.group, r.labels) for r in rows
        ]


def test_semeval2016_cqa_fixture():
    rows = load_corpus("semeval2016-cqa", CORPORA_DIR / "semeval2016").rows
    # Bad -> off_topic 1; Good and PotentiallyUseful -> 0; dev and test files both read
    assert [(r.id, r.labels["off_topic"]) for r in rows] == [
        ("dev:0:1", 0), ("dev:0:2", 0), ("dev:0:3", 1), ("dev:1:1", 0), ("dev:1:2", 1),
        ("test:0:1", 0),
    ]
    assert rows[0].article == (
        "Driving licence\nHow long does it take to convert a UK driving licence here?")
    assert rows[0].group == rows[2].group == "semeval2016-cqa#dev:0" != rows[3].group
    # the same question in the test file is another thread
    assert rows[5].article == rows[3].article and rows[5].group != rows[3].group
    one = load_corpus("semeval2016-cqa", CORPORA_DIR / "semeval2016" / "subtaskA_test.csv")
    assert [r.text for r in one.rows] == ["The hotel gyms sell monthly passes."]


def test_semeval2016_cqa_without_thread_columns_groups_consecutive_questions(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("question_subject,question_body,comment,label\n"
                    "Gym,Where?,Near the mall,Good\nGym,Where?,lol,Bad\n"
                    "Visa,How long?,Two weeks,Good\n")
    rows = load_corpus("semeval2016-cqa", path).rows
    assert rows[0].group == rows[1].group != rows[2].group
    assert [r.labels for r in rows] == [{"off_topic": 0}, {"off_topic": 1}, {"off_topic": 0}]


def test_semeval2016_cqa_empty_folder(tmp_path):
    with pytest.raises(LabelsError, match="no subtaskA_\\*.csv files here"):
        load_corpus("semeval2016-cqa", tmp_path)


def test_semeval_cqa_xml_without_gold(tmp_path):
    xml = tmp_path / "threads.xml"
    xml.write_text((CORPORA_DIR / "semeval_cqa" / "raw" / "CQA-QL-devel-input.xml").read_text())
    with pytest.raises(LabelsError, match="no gold file"):
        load_corpus("semeval-cqa", xml)
    (tmp_path / "threads-gold.txt").write_text("Q1_C1\tGood\n")
    with pytest.raises(LabelsError, match="no gold label for comment 'Q1_C2'"):
        load_corpus("semeval-cqa", xml)


def test_fox_news_fixture():
    rows = load_corpus("fox-news", CORPORA_DIR / "fox_news").rows
    assert [r.labels for r in rows] == [
        {"identity_attack": 1, "toxicity": 1},
        {"identity_attack": 0},
        {"identity_attack": 0},
    ]
    assert rows[0].article == "City approves new bike lanes\nThe council voted 5-2 for bike lanes."
    assert rows[0].group == rows[1].group != rows[2].group


def test_youtube_spam_fixture():
    rows = load_corpus("youtube-spam", CORPORA_DIR / "youtube").rows
    assert [r.labels["off_topic"] for r in rows] == [1, 0, 1, 0, 0]
    # "not spam" without the video is a weak on-topic label
    assert [r.weight for r in rows] == [1.0, YOUTUBE_HAM_WEIGHT, 1.0, YOUTUBE_HAM_WEIGHT,
                                        YOUTUBE_HAM_WEIGHT]
    assert {r.group for r in rows} == {
        "youtube-spam#Youtube01-Song",
        "youtube-spam#Youtube02-Dance",
    }
    assert all(r.article == "" for r in rows)
    one = load_corpus("youtube-spam", CORPORA_DIR / "youtube" / "Youtube02-Dance.csv").rows
    assert len(one) == 3


def test_context_toxicity_fixture():
    rows = load_corpus("context-toxicity", CORPORA_DIR / "context").rows
    assert [r.labels["toxicity"] for r in rows] == [1, 0, 0, 1, 0]
    assert rows[0].parent == "I think the article cites the wrong year."
    assert rows[2].parent == ""
    small = load_corpus("context-toxicity", CORPORA_DIR / "context" / "cat_small.csv").rows
    # the in-context label: sarcasm that is only toxic given its parent
    assert [r.labels for r in small] == [{"toxicity": 1}, {"toxicity": 0}]
    assert small[0].parent == "You deleted the whole page by mistake."


def test_sfu_ctc_fixture():
    rows = load_corpus("sfu-ctc", CORPORA_DIR / "sfu").rows
    # answer 2 (mildly toxic) is unknown and left out
    assert [(r.id, r.labels["toxicity"]) for r in rows] == [("9001", 0), ("9002", 1), ("9004", 1)]
    assert rows[0].text == "The tax plan ignores renters.\n\nA credit would help."
    assert rows[0].article == "Tax plan unveiled"


def test_ruddit_fixture():
    rows = load_corpus("ruddit", CORPORA_DIR / "ruddit").rows
    assert [(r.id, r.labels["toxicity"]) for r in rows] == [
        ("r1", 0),
        ("r2", 1),
        ("r4", 1),  # the threshold is inclusive; r3 is [deleted]
        ("r5", 0),
    ]
    assert rows[0].article == "CMV: Cities should ban cars downtown"


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    ("name", "file_name", "content", "message"),
    [
        ("jigsaw", "train.csv", "", r"train.csv: the file is empty"),
        (
            "jigsaw",
            "train.csv",
            "id,text,toxic\n1,hi,0\n",
            r"train.csv, row 1: missing column 'comment_text' \(found: id, text, toxic\)",
        ),
        (
            "jigsaw",
            "train.csv",
            "comment_text,toxic\nfine,0\nbad,yes\n",
            r"train.csv, row 3, column 'toxic': label 'yes' is not 0 or 1",
        ),
        ("jigsaw", "train.csv", "comment_text,toxic\n", r"train.csv: no labelled rows"),
        (
            "jigsaw",
            "train.csv",
            "comment_text,toxic\nfine,0,extra\n",
            r"train.csv, row 2: 3 fields where the header has 2",
        ),
        (
            "olid",
            "o.tsv",
            "id\ttweet\tsubtask_a\tsubtask_b\n1\thi\tMAYBE\tNULL\n",
            r"o.tsv, row 2, column 'subtask_a': label 'MAYBE' is not one of OFF, NOT",
        ),
        (
            "olid",
            "o.tsv",
            "id\ttweet\tsubtask_a\tsubtask_b\n1\thi\tNOT\tTIN\n",
            r"o.tsv, row 2, column 'subtask_b': TIN for a NOT tweet",
        ),
        (
            "davidson",
            "d.csv",
            ",count,class,tweet\n0,3,5,hello\n",
            r"d.csv, row 2, column 'class': label '5' is not one of 0, 1, 2",
        ),
        (
            "kaggle-insults",
            "k.csv",
            'Insult,Date,Comment\n,,"""hi"""\n',
            r"k.csv, row 2, column 'Insult': label '' is not 0 or 1",
        ),
        (
            "civil-spans",
            "tsd.csv",
            'spans,text\n"[1, two]",hello\n',
            r"tsd.csv, row 2, column 'spans': spans '\[1, two\]' is not a list",
        ),
        (
            "semeval-cqa",
            "c.csv",
            "question_id,question_subject,question_body,comment_body,label\nQ1,s,b,c,Great\n",
            r"c.csv, row 2, column 'label': label 'Great' is not one of Good",
        ),
        (
            "semeval2016-cqa",
            "c16.csv",
            "question_subject,question_body,comment,label\ns,b,c,Potential\n",
            r"c16.csv, row 2, column 'label': label 'Potential' is not one of Good, "
            r"PotentiallyUseful, Bad",
        ),
        (
            "fox-news",
            "f.jsonl",
            '{"text": "x", "label": 1}\nnot json\n',
            r"f.jsonl, row 2: not JSON",
        ),
        (
            "fox-news",
            "f.jsonl",
            '{"text": "x", "label": 2}\n',
            r"f.jsonl, row 1, column 'label': label 2 is not 0 or 1",
        ),
        (
            "ruddit",
            "r.csv",
            "comment_body,offensiveness_score\nhi,high\n",
            r"r.csv, row 2, column 'offensiveness_score': score 'high' is not a number",
        ),
        (
            "sfu-ctc",
            "s.csv",
            "comment,title,is_toxic_popular_answer_1\nhi,t,9\n",
            r"s.csv, row 2, column 'is_toxic_popular_answer_1': label '9' is not one of",
        ),
    ],
)
def test_bad_input_names_file_row_and_column(tmp_path, name, file_name, content, message):
    path = tmp_path / file_name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(LabelsError, match=message):
        load_corpus(name, path)


def test_not_utf8(tmp_path):
    path = tmp_path / "train.csv"
    path.write_bytes(b"comment_text,toxic\n\xff\xfe bad,1\n")
    with pytest.raises(LabelsError, match="not UTF-8"):
        load_corpus("jigsaw", path)


def test_civil_folder_inconsistencies(tmp_path):
    folder = tmp_path / "civil"
    folder.mkdir()
    (folder / "comments.csv").write_text("comment_id,comment_text\n1,hi\n")
    (folder / "annotations.csv").write_text(
        "annotation,comment_id,worker,country,all toxic,not toxic\n1,2,7,USA,False,False\n"
    )
    with pytest.raises(LabelsError, match=r"annotations.csv, row 2, column 'comment_id'"):
        load_corpus("civil-spans", folder)
    (folder / "annotations.csv").write_text(
        "annotation,comment_id,worker,country,all toxic,not toxic\n1,1,7,USA,False,perhaps\n"
    )
    with pytest.raises(LabelsError, match="'perhaps' is not True or False"):
        load_corpus("civil-spans", folder)
    (folder / "annotations.csv").write_text(
        "annotation,comment_id,worker,country,all toxic,not toxic\n1,1,7,USA,False,False\n"
    )
    (folder / "spans.csv").write_text("annotation,type,start,end\n1,Sarcasm,0,2\n")
    with pytest.raises(LabelsError, match=r"spans.csv, row 2, column 'type': span type 'Sarcasm'"):
        load_corpus("civil-spans", folder)
    (folder / "spans.csv").write_text("annotation,type,start,end\n9,Insult,0,2\n")
    with pytest.raises(LabelsError, match="annotation '9' is not in annotations.csv"):
        load_corpus("civil-spans", folder)


def test_folder_without_the_corpus_files(tmp_path):
    with pytest.raises(LabelsError, match="no Youtube"):
        load_corpus("youtube-spam", tmp_path)
    with pytest.raises(LabelsError, match="no comments.csv"):
        load_corpus("civil-spans", tmp_path)


# ------------------------------------------------------------------ split


def test_split_is_fixed_stratified_and_keeps_threads_together():
    rows = load_corpus("jigsaw", CORPORA_DIR / "jigsaw").rows * 20
    for i, row in enumerate(rows):
        rows[i] = CorpusRow(text=f"{row.text} {i}", labels=row.labels)
    train, dev = split_rows(rows, "toxicity", dev_fraction=0.2, seed=1)
    assert len(train) + len(dev) == 100 and len(dev) == 20
    # 60 positives / 40 negatives -> 12 / 8 in dev
    assert Counter(r.labels["toxicity"] for r in dev) == {1: 12, 0: 8}
    again = split_rows(rows, "toxicity", dev_fraction=0.2, seed=1)
    assert [r.text for r in again[1]] == [r.text for r in dev]

    threads = load_corpus("semeval-cqa", CORPORA_DIR / "semeval_cqa").rows * 1
    threaded = [
        CorpusRow(text=r.text, labels=r.labels, group=f"{r.group}-{k}")
        for k in range(10)
        for r in threads
    ]
    train, dev = split_rows(threaded, "off_topic", dev_fraction=0.3, seed=3)
    assert not {r.group for r in train} & {r.group for r in dev}
    assert len(dev) == 12  # 6 of 20 threads, 2 comments each


# ------------------------------------------------------------------ the real corpora


def test_real_jigsaw():
    source = load_corpus("jigsaw", shared_path("data", "jigsaw"))
    assert len(source.rows) == 2886
    assert source.sha256.startswith("165efc6169df")
    counts = label_counts(source.rows)
    assert counts[("toxicity", 1)] == 294
    assert counts[("severe_toxicity", 1)] == 35
    assert counts[("profanity", 1)] == 159
    assert counts[("threat", 1)] == 12
    assert counts[("insult", 1)] == 158
    assert counts[("identity_attack", 1)] == 31


def test_real_civil_spans():
    folder = shared_path("data", "civil_comments_toxic_spans")
    rows = load_corpus("civil-spans", folder).rows
    counts = label_counts(rows)
    # SOURCES.md: majority "not toxic" 4,701; toxic or tied 9,392 (25 ties are unknown)
    assert counts[("toxicity", 0)] == 4701
    assert counts[("toxicity", 1)] == 9392 - 25
    assert len(rows) == 14093 - 25
    train = load_corpus("civil-spans", folder / "tsd_train.csv").rows
    assert len(train) == 7939
    assert label_counts(train)[("toxicity", 0)] == 485
    assert len(load_corpus("civil-spans", folder / "tsd_trial.csv").rows) == 690


def test_real_olid():
    rows = load_corpus("olid", shared_path("data", "olid")).rows
    counts = label_counts(rows)
    assert len(rows) == 13240
    assert counts[("toxicity", 1)] == 4400 and counts[("toxicity", 0)] == 8840
    assert counts[("insult", 1)] == 3876
    assert counts[("profanity", 1)] == 524


def test_real_kaggle_insults():
    rows = load_corpus("kaggle-insults", shared_path("data", "kaggle_insults")).rows
    counts = label_counts(rows)
    assert len(rows) == 3947
    assert counts[("insult", 1)] == 1049 and counts[("insult", 0)] == 2898
    # every escape decoded: no literal \n, \x.. or \u.... left
    assert not [r.text for r in rows if "\\n" in r.text or "\\x" in r.text or "\\u" in r.text]


def test_real_semeval_cqa():
    folder = shared_path("data", "semeval2015_task3_cqa")
    rows = load_corpus("semeval-cqa", folder).rows
    counts = label_counts(rows)
    # dev: Bad 269; Good 875 + Potential 187; Dialogue 312 unknown; Not English 2 skipped
    assert counts == {("off_topic", 1): 269, ("off_topic", 0): 1062}
    assert len({r.group for r in rows}) == 287  # of 300 threads, 13 hold only Dialogue
    raw = load_corpus("semeval-cqa", folder / "raw").rows
    assert [(r.id, r.labels) for r in raw] == [(r.id, r.labels) for r in rows]


def test_real_semeval2016_cqa():
    folder = shared_path("data", "semeval2016_task3_cqa")
    rows = load_corpus("semeval2016-cqa", folder).rows
    counts = label_counts(rows)
    # SOURCES.md: dev Bad 2,290 of 4,930; test Bad 3,037 of 6,768; 493 + 677 threads
    assert counts == {("off_topic", 1): 2290 + 3037, ("off_topic", 0): 4930 + 6768 - 5327}
    assert len({r.group for r in rows}) == 493 + 677
    assert all(r.article and r.text for r in rows)


@pytest.mark.parametrize(
    ("name", "folder", "rows", "counts"),
    [
        ("fox-news", "fox_news_comments", 1528, {("identity_attack", 1): 435}),
        ("youtube-spam", "youtube_spam", 1956, {("off_topic", 1): 1005, ("off_topic", 0): 951}),
        ("context-toxicity", "context_toxicity", 20000, {("toxicity", 1): 151 + 59}),
        ("sfu-ctc", "sfu_ctc", 1121 - 177, {("toxicity", 1): 35 + 7, ("toxicity", 0): 902}),
        ("ruddit", "ruddit", 6000 - 342, {("toxicity", 1): 488}),
    ],
)
def test_real_extra_corpora(name, folder, rows, counts):
    loaded = load_corpus(name, shared_path("data", folder)).rows
    assert len(loaded) == rows
    found = label_counts(loaded)
    for key, value in counts.items():
        assert found[key] == value


# ------------------------------------------------------------------ corpora of the default model


def test_jigsaw_extra_fixture_keeps_unfilled_labels_unknown():
    rows = load_corpus("jigsaw-extra", CORPORA_DIR / "jigsaw_extra").rows
    assert [r.labels for r in rows] == [
        {"toxicity": 0},  # only `toxic` is filled: the other five are unknown, not 0
        {"toxicity": 1},
        {"toxicity": 1, "severe_toxicity": 0, "profanity": 0, "threat": 1, "insult": 1,
         "identity_attack": 0},
        {**ALL_TOXIC},
    ]
    assert {r.source for r in rows} == {"jigsaw-extra"}
    assert rows[2].id == "00a1b2c3d4e5f601" and rows[0].id is None


def test_tweeteval_hate_negatives_are_not_civil_and_test_split_is_left_out():
    rows = load_corpus("tweeteval-hate", CORPORA_DIR / "tweeteval_hate").rows
    # "not hate" says nothing about toxicity: a profane tweet is "not hate" too
    assert [r.labels for r in rows] == [
        {"identity_attack": 0}, {"identity_attack": 1}, {"identity_attack": 0},
        {"identity_attack": 1},
    ]
    assert [r.id for r in rows] == ["train:0", "train:1", "train:2", "val:0"]


def test_stormfront_labels_detokenised_text_and_posts_as_groups():
    rows = load_corpus("stormfront", CORPORA_DIR / "stormfront").rows
    # relation (hateful only with its neighbours) and idk/skip are left out
    assert [(r.id, r.labels) for r in rows] == [
        ("900001_1", {"identity_attack": 0}),
        ("900001_2", {"identity_attack": 1}),
        ("900002_2", {"identity_attack": 0}),
    ]
    assert rows[0].text == "We meet on Saturday at the library, bring a friend."
    assert rows[1].text == "Those people are a plague and don't belong here."
    assert rows[2].text == "It's snowing (again) in the hills."
    assert rows[0].group == rows[1].group != rows[2].group


def test_gab_hate_maps_each_code_and_leaves_toxicity_of_unlabelled_posts_unknown():
    rows = load_corpus("gab-hate", CORPORA_DIR / "gab_hate").rows
    assert [r.labels for r in rows] == [
        {"identity_attack": 0, "threat": 0, "profanity": 0},
        {"identity_attack": 1, "threat": 0, "profanity": 0, "toxicity": 1},
        {"identity_attack": 0, "threat": 1, "profanity": 0, "toxicity": 1},
        {"identity_attack": 0, "threat": 0, "profanity": 1, "toxicity": 1},
    ]
    assert rows[0].text == 'Good morning, the "market" opens at nine.'


def test_hatexplain_three_classes_and_duplicates_share_a_group():
    rows = load_corpus("hatexplain", CORPORA_DIR / "hatexplain").rows
    normal = {k: v for k, v in ALL_TOXIC.items() if k != "profanity"}  # banter may swear
    assert [r.labels for r in rows] == [
        normal,
        {"toxicity": 1, "identity_attack": 0},
        {"toxicity": 1, "identity_attack": 1},
        normal,
    ]
    assert rows[0].group == rows[3].group != rows[1].group


def test_convabuse_majorities_types_and_context():
    rows = load_corpus("convabuse", CORPORA_DIR / "convabuse").rows
    # the folder reads train and test; row 4 (two "ambiguous" of three) is left out
    assert [r.id for r in rows] == ["1.0", "2.0", "3.0"]
    # "1, 1" (a repeat annotation) counts once; swearing is not labelled: profanity unknown
    assert rows[0].labels == {k: v for k, v in ALL_TOXIC.items() if k != "profanity"}
    assert rows[1].labels == {"toxicity": 1, "severe_toxicity": 0, "identity_attack": 0,
                              "insult": 1}
    assert rows[2].labels == {"toxicity": 1, "severe_toxicity": 1, "identity_attack": 1,
                              "insult": 0}
    assert rows[1].parent == "It will rain."
    assert rows[0].group == rows[1].group != rows[2].group


@pytest.mark.parametrize(
    ("name", "file_name", "content", "message"),
    [
        ("tweeteval-hate", "t.csv", "split,row_in_split,text,label\ndev,0,hi,0\n",
         r"t.csv, row 2, column 'split': label 'dev' is not one of train, val, test"),
        ("tweeteval-hate", "t.csv", "split,row_in_split,text,label\ntrain,0,hi,2\n",
         r"t.csv, row 2, column 'label': label '2' is not 0 or 1"),
        ("stormfront", "s.csv", "file_id,post_id,label,text\n1_1,1,maybe,hi\n",
         r"s.csv, row 2, column 'label': label 'maybe' is not one of hate, noHate"),
        ("gab-hate", "g.tsv", "text\thd\tcv\tvo\nhi\t1\t\t0\n",
         r"g.tsv, row 2, column 'cv': label '' is not 0 or 1"),
        ("gab-hate", "g.tsv", "text\thd\tcv\nhi\t1\t0\n",
         r"g.tsv, row 1: missing column 'vo'"),
        ("hatexplain", "h.csv", "text,label\nhi,3\n",
         r"h.csv, row 2, column 'label': label '3' is not one of 0, 1, 2"),
        ("convabuse", "c.csv",
         "example_id,conv_id,agent,user,Annotator1_is_abuse.1\n1,1,a,u,yes\n",
         r"c.csv, row 2, column 'Annotator1_is_abuse.1': value 'yes' is not 0 or 1"),
    ],
)
def test_new_corpora_bad_input(tmp_path, name, file_name, content, message):
    path = tmp_path / file_name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(LabelsError, match=message):
        load_corpus(name, path)


def test_convabuse_folder_without_files(tmp_path):
    with pytest.raises(LabelsError, match="no ConvAbuse\\*.csv files here"):
        load_corpus("convabuse", tmp_path)


@pytest.mark.parametrize(
    ("name", "folder", "rows", "counts"),
    [
        # SOURCES.md: 18,006 rows, toxic 1,738, 980 rows with all six labels
        ("jigsaw-extra", "jigsaw_train_extra", 18006,
         {("toxicity", 1): 1738, ("toxicity", 0): 18006 - 1738, ("threat", 0): 975,
          ("threat", 1): 5, ("insult", 1): 47}),
        # train + val (the official test split, 2,969 rows here, is kept apart)
        ("tweeteval-hate", "tweeteval_hate", 9000 + 1000,
         {("identity_attack", 1): 3783 + 427, ("identity_attack", 0): 5217 + 573}),
        # hate 1,196 / noHate 9,507; relation 168 and idk/skip 73 left out
        ("stormfront", "stormfront_hate", 10944 - 168 - 73,
         {("identity_attack", 1): 1196, ("identity_attack", 0): 9507}),
        ("gab-hate", "gab_hate_corpus", 27546,
         {("identity_attack", 1): 2348, ("threat", 1): 155, ("profanity", 1): 1748,
          ("toxicity", 1): 3377}),
        ("hatexplain", "hatexplain_magpie", 18962,
         {("toxicity", 0): 7709, ("toxicity", 1): 5401 + 5852, ("identity_attack", 1): 5852}),
        # abusive by majority: 338 + 112 + 129 (SOURCES.md counts 331 + 108 + 123 with
        # repeat annotations "1, 1" not read as a tick)
        ("convabuse", "convabuse", 3872, {("toxicity", 1): 578, ("toxicity", 0): 3294}),
    ],
)
def test_real_new_corpora(name, folder, rows, counts):
    loaded = load_corpus(name, shared_path("data", folder)).rows
    assert len(loaded) == rows
    found = label_counts(loaded)
    for key, value in counts.items():
        assert found[key] == value, key
    # a corpus that does not label toxicity leaves it unknown on its negatives
    if name in ("tweeteval-hate", "stormfront"):
        assert ("toxicity", 0) not in found


def test_shared_splits_share_one_split_and_drop_train_rows_seen_in_dev(tmp_path):
    from moderator.corpora import dev_split, shared_splits

    data = tmp_path / "data"
    data.mkdir()
    (data / "jigsaw").symlink_to(CORPORA_DIR / "jigsaw")
    hatexplain = data / "hatexplain_magpie"
    hatexplain.mkdir()
    lines = ["text,label"] + [f"post number {i} about the game,{i % 3}" for i in range(40)]
    lines.append("post number 0 about the game,0")  # a duplicate of a row
    (hatexplain / "hatexplain_preprocessed.csv").write_text("\n".join(lines) + "\n")
    splits = shared_splits(data, ["jigsaw", "hatexplain"])
    assert [s.corpus for s in splits] == ["jigsaw", "hatexplain"]
    rows = load_corpus("hatexplain", hatexplain).rows
    train, dev = dev_split(rows, "toxicity")
    split = splits[1]
    assert [r.text for r in split.dev] == [r.text for r in dev]
    dev_texts = {r.text.lower() for s in splits for r in s.dev}
    assert not {r.text.lower() for s in splits for r in s.train.rows} & dev_texts
    assert split.train.license == CORPORA["hatexplain"].license
    # HateXplain does not teach the default model toxicity; its dev rows still judge it
    assert not any("toxicity" in r.labels for r in split.train.rows)
    assert all("toxicity" in r.labels for r in split.dev)
    # the same call gives the same split
    again = shared_splits(data, ["jigsaw", "hatexplain"])
    assert [r.text for r in again[1].train.rows] == [r.text for r in split.train.rows]
    with pytest.raises(LabelsError, match="missing corpus folder\\(s\\) olid"):
        shared_splits(data, ["jigsaw", "olid"])
    assert [s.corpus for s in shared_splits(data, ["jigsaw", "olid"], require_all=False)] \
        == ["jigsaw"]
    with pytest.raises(LabelsError, match="not a shared corpus"):
        shared_splits(data, ["wikipedia"])


def test_a_corpus_file_that_is_not_utf8_is_named_in_the_error(tmp_path):
    """Line-based corpus files (SemEval gold, JSON lines) share one reader: an unreadable
    file is a LabelsError naming it, never a UnicodeDecodeError traceback."""
    from moderator.corpora.common import text_lines
    from moderator.errors import LabelsError

    path = tmp_path / "gold.txt"
    path.write_bytes(b"\xef\xbb\xbfQ1_R1_C1\tGood\n")
    assert text_lines(path) == ["Q1_R1_C1\tGood"]  # the BOM is dropped
    path.write_bytes(b"Q1\t\xff\xfe bad\n")
    with pytest.raises(LabelsError, match="cannot read") as caught:
        text_lines(path)
    assert str(path) in str(caught.value)
    with pytest.raises(LabelsError, match="cannot read"):
        text_lines(tmp_path / "missing.txt")
