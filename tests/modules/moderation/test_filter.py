"""The sensitive-word filter, pure: evasions undone (full width, traditional and variant
characters, separators, pinyin, initials), innocent look-alikes left alone, the strongest
action wins, replacements mask the original span, and the CSV import's rules."""

from __future__ import annotations

import pytest

from shoplet.modules.moderation.errors import ImportInvalid
from shoplet.modules.moderation.filter import Lexicon, Word
from shoplet.modules.moderation.service import parse_csv, status_of

LEXICON = Lexicon(
    [
        Word(1, "傻逼", "abuse", "block"),
        Word(2, "垃圾", "abuse", "replace"),
        Word(3, "vx", "ads", "hold"),
        Word(4, "發票", "fraud", "hold"),
        Word(5, "你妈死了", "abuse", "block"),
        Word(6, "sb", "abuse", "block"),
    ],
    version=7,
)

# (text, expected action, expected (word, via) pairs)
CASES: list[tuple[str, str | None, set[tuple[str, str]]]] = [
    ("你是傻逼", "block", {("傻逼", "word")}),
    ("你是傻*逼", "block", {("傻逼", "word")}),
    ("你是傻 逼！", "block", {("傻逼", "word")}),
    ("你是傻_-_逼", "block", {("傻逼", "word")}),
    ("你是儍逼", "block", {("傻逼", "word")}),  # a variant OpenCC keeps
    ("你是shabi吗", "hold", {("傻逼", "pinyin")}),
    ("你是SHA BI吗", "hold", {("傻逼", "pinyin")}),
    ("你是sha逼", "hold", {("傻逼", "pinyin")}),
    ("你是沙bi", "hold", {("傻逼", "pinyin")}),
    ("你是SB吧", "block", {("sb", "word")}),  # two letters: only as a word of its own
    ("你是ＳＢ吧", "block", {("sb", "word")}),  # full width
    ("NMSL", "hold", {("你妈死了", "initials")}),
    ("n m s l!", "hold", {("你妈死了", "initials")}),
    ("加vx领券", "hold", {("vx", "word")}),
    ("加ＶＸ领券", "hold", {("vx", "word")}),
    ("开发票吗", "hold", {("發票", "word")}),  # the lexicon's traditional word
    ("開發票吗", "hold", {("發票", "word")}),  # the text's traditional characters
    ("包装垃圾", "replace", {("垃圾", "word")}),
    # Innocent look-alikes.
    ("沙冰很好喝", None, set()),
    ("沙冰bing很好喝", None, set()),  # sha bing: "shabi" is not on syllable boundaries
    ("你是沙比", None, set()),  # a homophone in characters only: left alone (filter.py)
    ("usb接口很稳", None, set()),  # "sb" inside a word is not the word
    ("novx款式", None, set()),  # "vx" inside a longer run of letters
    ("kashabi", None, set()),
    ("很好，推荐", None, set()),
]


@pytest.mark.parametrize(("text", "action", "found"), CASES)
def test_evasions_are_undone_and_look_alikes_pass(
    text: str, action: str | None, found: set[tuple[str, str]]
) -> None:
    scan = LEXICON.scan(text)
    assert scan.action == action
    assert {(h.word, h.via) for h in scan.hits} == found


def test_replace_masks_the_original_span_and_the_strongest_action_wins() -> None:
    scan = LEXICON.scan("包装垃 圾，客服傻逼")
    assert scan.action == "block"
    assert scan.text == "包装* *，客服傻逼"
    assert LEXICON.scan("包装垃圾").text == "包装**"
    assert LEXICON.version == 7
    assert len(LEXICON) == 6
    assert Lexicon([]).scan("傻逼").hits == ()


def test_the_status_rule() -> None:
    assert status_of(filter_action="block", text_state="pass", media=[]) == "rejected"
    assert status_of(filter_action=None, text_state="pass", media=["risky"]) == "rejected"
    assert status_of(filter_action="hold", text_state="skipped", media=["sent"]) == "held"
    assert status_of(filter_action=None, text_state="review", media=[]) == "held"
    assert status_of(filter_action=None, text_state="pass", media=["skipped"]) == "held"
    assert status_of(filter_action=None, text_state="pass", media=[], hold=True) == "held"
    assert status_of(filter_action="replace", text_state="pending", media=[]) == "checking"
    assert status_of(filter_action=None, text_state="pass", media=["sent"]) == "checking"
    assert status_of(filter_action="replace", text_state="pass", media=["pass"]) == "approved"
    assert status_of(filter_action=None, text_state="skipped", media=[]) == "approved"


def test_csv_rows() -> None:
    rows = parse_csv(
        "\ufeffword,category,action\n傻逼,abuse,block\n\n垃圾 , abuse , replace\n傻逼,abuse,hold\n"
    )
    assert rows == [("傻逼", "abuse", "hold"), ("垃圾", "abuse", "replace")]
    for bad in ("傻逼,abuse", "傻逼,nope,block", "傻逼,abuse,nope", "***,abuse,block", ""):
        with pytest.raises(ImportInvalid):
            parse_csv(bad)
