"""``shoplet reco evaluate``: leave-last-out HR/NDCG on a hand-checked file, the tie rule, bad
files (exit 2 with line numbers)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shoplet.cli import app
from shoplet.modules.recommend import evaluation, synthetic

# Shoppers 1 and 2 bought 10, 20 then 30; shopper 3 10 then 20; shopper 4 40 then 50; shopper 5
# only 60 (training only). Held out: 30, 30, 20, 50. Training popularity: 10:3, 20:2, 40:1,
# 60:1, 30:0, 50:0. Popularity ranks (unseen products, ties by id): shopper 1 and 2 see
# 40, 60, 30, 50 → 30 is 3rd; shopper 3 sees 20 first; shopper 4 sees 10, 20, 60, 30, 50 → 5th.
# Item cosine: 10~20 only (2/√6); shoppers 1, 2 score every unseen product 0 → by id, 30 is 1st;
# shopper 3: 20 first; shopper 4: all 0 → 10, 20, 30, 50 → 4th.
TINY = """user_id,item_id,timestamp
1,10,1
1,20,2
1,30,3
2,20,2
2,10,1
2,30,3
3,10,1
3,20,2
4,40,1
4,50,2
5,60,1
"""


def _run(tmp_path: Path, text: str, *args: str) -> tuple[int, str, str]:
    path = tmp_path / "interactions.csv"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(app, ["reco", "evaluate", "--interactions", str(path), *args])
    return result.exit_code, result.stdout, result.stderr


def _last_json(stdout: str) -> dict[str, object]:
    parsed: dict[str, object] = json.loads(stdout.strip().splitlines()[-1])
    return parsed


@pytest.mark.parametrize(
    ("k", "popularity"),
    [
        (2, {"hr": 0.25, "ndcg": 0.25}),
        (3, {"hr": 0.75, "ndcg": 0.5}),  # (1/log2(4) * 2 + 1) / 4
        (10, {"hr": 1.0, "ndcg": 0.596713}),  # (0.5 + 0.5 + 1 + 1/log2(6)) / 4
    ],
)
def test_popularity_hand_checked(tmp_path: Path, k: int, popularity: dict[str, float]) -> None:
    code, out, _ = _run(tmp_path, TINY, "--k", str(k), "--model", "cosine")
    assert code == 0
    summary = _last_json(out)
    assert summary["users"] == 4
    assert summary["k"] == k
    assert summary["popularity"] == popularity


def test_model_hand_checked(tmp_path: Path) -> None:
    code, out, _ = _run(tmp_path, TINY, "--k", "3", "--model", "cosine")
    assert code == 0
    assert _last_json(out)["model"] == {"hr": 0.75, "ndcg": 0.75}
    code, out, _ = _run(tmp_path, TINY, "--k", "10", "--model", "cosine")
    assert _last_json(out)["model"] == {"hr": 1.0, "ndcg": 0.857669}  # (3 + 1/log2(5)) / 4
    assert set(_last_json(out)) == {
        "users",
        "k",
        "half_life",
        "model",
        "popularity",
        "popularity_context",
        "context_weight",
    }
    assert _last_json(out)["half_life"] == 3.0


# Shopper 9 had 10 then 20 and holds out 21; 11 and 21 are as close to 10 and 20 (cosine 2/√6,
# shoppers 1-4). Unweighted they tie and 11 (lower id) ranks first: a miss at k = 1. Weighted by
# recency, 20 (the latest) counts 1 and 10 2^-1/3, so 21 ranks first: a hit. The other four
# shoppers miss either way (their held-out 12 / 22 has no training interactions): 0 → 1/5.
RECENT = """user_id,item_id,timestamp
1,10,1
1,11,2
1,12,3
2,10,1
2,11,2
2,12,3
3,20,1
3,21,2
3,22,3
4,20,1
4,21,2
4,22,3
9,10,1
9,20,2
9,21,3
"""


@pytest.mark.parametrize("model", ["cosine", "ease"])
def test_recency_ranks_the_latest_interactions_neighbours_first(tmp_path: Path, model: str) -> None:
    code, out, _ = _run(tmp_path, RECENT, "--k", "1", "--model", model, "--half-life", "0")
    assert code == 0
    assert _last_json(out)["model"] == {"hr": 0.0, "ndcg": 0.0}
    assert _last_json(out)["half_life"] == 0.0
    code, out, _ = _run(tmp_path, RECENT, "--k", "1", "--model", model, "--half-life", "3")
    assert code == 0
    assert _last_json(out)["model"] == {"hr": 0.2, "ndcg": 0.2}
    assert _last_json(out)["half_life"] == 3.0


def test_ease_is_the_default_model(tmp_path: Path) -> None:
    code, out, _ = _run(tmp_path, TINY)
    assert code == 0
    assert "ease trained" in out
    assert _last_json(out)["k"] == 10


def test_popularity_ties_go_to_the_lower_item_id(tmp_path: Path) -> None:
    # Products 5 and 7 tie (one shopper each); shopper 3 holds out 7 after 9: with ties broken
    # by id ascending, 5 ranks before 7, so HR@1 is 0; by id descending it would be 1.
    text = "user_id,item_id,timestamp\n1,5,1\n2,7,1\n3,9,1\n3,7,2\n"
    code, out, _ = _run(tmp_path, text, "--k", "1", "--model", "cosine")
    assert code == 0
    assert _last_json(out)["popularity"] == {"hr": 0.0, "ndcg": 0.0}
    code, out, _ = _run(tmp_path, text, "--k", "2", "--model", "cosine")
    assert _last_json(out)["popularity"] == pytest.approx({"hr": 1.0, "ndcg": 0.63093}, abs=1e-5)


def test_leave_last_out_orders_by_timestamp_then_item_id() -> None:
    rows = evaluation.parse_csv("user_id,item_id,timestamp\n1,30,5\n1,20,5\n1,10,1\n")
    split = evaluation.leave_last_out(rows)
    assert split.index.items[split.test_items].tolist() == [30]  # (5, 20) < (5, 30)
    assert split.train.toarray().tolist() == [[1.0, 1.0, 0.0]]


@pytest.mark.parametrize(
    ("text", "errors"),
    [
        ("user,item,ts\n1,2,3\n", ["line 1: the header must be user_id,item_id,timestamp"]),
        ("", ["line 1: the header must be user_id,item_id,timestamp"]),
        ("user_id,item_id,timestamp\n", ["line 2: no interactions"]),
        (
            "user_id,item_id,timestamp\n1,2,3\n1,x,3\n2,3\n3,4,2026-01-01T00:00:00\n-1,2,3\n",
            [
                "line 3: invalid literal for int() with base 10: 'x'",
                "line 4: expected 3 fields, got 2",
                "line 5: an ISO date-time needs a time zone",
                "line 6: ids must not be negative",
            ],
        ),
    ],
)
def test_bad_csv_exits_2_with_line_numbers(tmp_path: Path, text: str, errors: list[str]) -> None:
    code, out, err = _run(tmp_path, text)
    assert code == 2
    assert out == ""
    # each line: "error: <file>: line N: what"
    assert [line.split(": ", 2)[2] for line in err.strip().splitlines()] == errors


def test_iso_timestamps_and_unknown_model(tmp_path: Path) -> None:
    text = "user_id,item_id,timestamp\n1,1,2026-01-01T00:00:00+08:00\n1,2,2026-01-02T00:00:00Z\n"
    assert _run(tmp_path, text)[0] == 0
    code, _, err = _run(tmp_path, TINY, "--model", "bpr")
    assert code == 2
    assert "--model must be one of ease, cosine, als" in err


def test_missing_file_exits_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["reco", "evaluate", "--interactions", str(tmp_path / "none.csv")]
    )
    assert result.exit_code == 2


def test_ease_beats_popularity_twice_on_the_generated_shop(tmp_path: Path) -> None:
    path = tmp_path / "shop.csv"
    count = synthetic.write_csv(path, synthetic.generate(users=1500, items=600, seed=11))
    assert count > 10_000
    rows = evaluation.parse_csv(path.read_text(encoding="utf-8"))
    result = evaluation.evaluate(rows, k=10)
    assert result.model.hr >= 2 * result.popularity.hr


def test_generate_writes_a_seeded_csv_the_evaluator_reads(tmp_path: Path) -> None:
    out = tmp_path / "shop.csv"
    args = ["reco", "generate", "--out", str(out), "--users", "50", "--items", "40"]
    first = CliRunner().invoke(app, [*args, "--seed", "3"])
    assert first.exit_code == 0, first.stdout
    text = out.read_text(encoding="utf-8")
    assert text.startswith("user_id,item_id,timestamp\n")
    CliRunner().invoke(app, [*args, "--seed", "3"])
    assert out.read_text(encoding="utf-8") == text  # seeded: the same file again
    code, stdout, _ = _run(tmp_path, text)
    assert code == 0
    assert 0 < int(_last_json(stdout)["users"]) <= 50  # shoppers with two products or more
