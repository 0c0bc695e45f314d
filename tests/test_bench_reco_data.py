"""``bench/reco_data.py``: MovieLens 100k's ratings out of the RecBole wheel as an interactions
CSV, on a tiny wheel made here (the test suite never downloads the data set)."""

from __future__ import annotations

import zipfile
from pathlib import Path

from bench import reco_data

from shoplet.modules.recommend import evaluation

INTER = (
    "user_id:token\titem_id:token\trating:float\ttimestamp:float\n"
    "196\t242\t3\t881250949\n"
    "186\t302\t3.5\t891717742.0\n"
    "22\t377\t1\t878887116\n"
)


def test_the_ratings_become_interactions_the_evaluator_reads(tmp_path: Path) -> None:
    wheel = tmp_path / reco_data.WHEEL
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr(reco_data.MEMBER, INTER)
        archive.writestr("recbole/__init__.py", "")
    output = tmp_path / reco_data.OUTPUT

    assert reco_data.convert(wheel, output) == 3

    text = output.read_text(encoding="utf-8")
    assert text.splitlines() == [
        "user_id,item_id,timestamp",
        "196,242,881250949",
        "186,302,891717742",
        "22,377,878887116",
    ]
    rows = evaluation.parse_csv(text)
    assert [(r.user_id, r.item_id) for r in rows] == [(196, 242), (186, 302), (22, 377)]
    assert not output.with_suffix(".partial").exists()
