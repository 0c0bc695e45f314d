"""A full bench run rewrites the report but keeps the sections of benches run on their own."""

from __future__ import annotations

from pathlib import Path

from bench.sections import keep_sections, replace_section


def _section(name: str, body: str) -> str:
    return f"<!-- {name}:begin -->\n{body}\n<!-- {name}:end -->"


def test_a_full_report_keeps_standalone_sections_and_replaces_its_own() -> None:
    old = "\n\n".join(
        ["# Shoplet benchmarks", _section("flashsale", "old flash"), _section("search", "p99 3.6")]
    )
    new = "\n\n".join(["# Shoplet benchmarks", "rows", _section("flashsale", "new flash")])

    text = keep_sections(old, new)

    assert "new flash" in text
    assert "old flash" not in text
    assert text.count("<!-- flashsale:begin -->") == 1
    assert text.rstrip().endswith(_section("search", "p99 3.6"))


def test_nothing_to_keep_leaves_the_report_as_rendered() -> None:
    assert keep_sections("", "# report\n") == "# report\n"
    assert keep_sections("<!-- search:begin --> unterminated", "# report\n") == "# report\n"


def test_a_kept_section_is_still_replaced_in_place_by_its_bench(tmp_path: Path) -> None:
    report = tmp_path / "benchmarks.md"
    report.write_text(keep_sections(_section("search", "old"), "# report\n"))
    replace_section(
        report,
        "<!-- search:begin -->",
        "<!-- search:end -->",
        lambda add: add(_section("search", "new")),
    )
    assert report.read_text().count("search:begin") == 1
    assert "new" in report.read_text()
    assert "old" not in report.read_text()
