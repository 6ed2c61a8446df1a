"""Text taken from data, made safe to show: bounded, on one line, inert as markup."""

import datetime as dt

import polars as pl
import pytest

from real_estate.metadata import markdown_table
from real_estate.text import markdown_escaped, one_line


def test_one_line_collapses_whitespace_and_bounds_a_huge_message() -> None:
    message = 'could not parse `"<!channel> ' + "x" * 20_000_000 + "`\n\nConsider setting this."

    shown = one_line(message, 300)

    assert shown.startswith('could not parse `"<!channel> xxx') and shown.endswith("…")
    assert len(shown) == 301
    assert one_line("found more fields\n\n  than defined") == "found more fields than defined"
    assert one_line("a\n" * 1000, 10) == "a a a a a …"


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("[Re-auth](https://example.invalid)", r"\[Re-auth\]\(https\://example.invalid\)"),
        ("a|b|c", r"a\|b\|c"),
        ("**bold** _em_ `code` ~~gone~~", r"\*\*bold\*\* \_em\_ \`code\` \~\~gone\~\~"),
        ("![img](x) <b>&amp; # @you", r"\!\[img\]\(x\) \<b\>\&amp; \# \@you"),
        ("see www.example.invalid", r"see www\.example.invalid"),
        (r"C:\path", r"C:\\path"),
        # Underscores inside a word cannot start emphasis: column and rule names stay as they are.
        ("predicted_price sqft__lot", "predicted_price sqft__lot"),
        ("_private trailing_ __init__", r"\_private trailing\_ \_\_init\_\_"),
        ("98103 -122.35 2026-07-01 1,250,000 3.5%", "98103 -122.35 2026-07-01 1,250,000 3.5%"),
    ],
)
def test_markdown_escaped_leaves_no_markup_live(text: str, escaped: str) -> None:
    assert markdown_escaped(text) == escaped


def test_a_preview_escapes_and_bounds_strings_and_leaves_numbers_and_dates_alone() -> None:
    frame = pl.DataFrame(
        {
            "note|x": ["[Re-auth](https://example.invalid)", "a|b|c", "y" * 500, None],
            "sqft_living": [1180, 2570, 770, 1960],
            "price": [221900.0, 538000.5, 180000.0, None],
            "sale_date": [dt.date(2026, 7, 1)] * 4,
        }
    )

    table = markdown_table(frame)

    header, rule, *rows = table.splitlines()
    assert [cell.strip() for cell in header.strip("|").split(" | ")] == [
        r"note\|x",
        "sqft_living",
        "price",
        "sale_date",
    ]
    assert all(line.count(" | ") == 3 for line in rows), table
    assert r"\[Re-auth\]\(https\://example.invalid\)" in rows[0] and "| 221900.0 " in rows[0]
    assert r"a\|b\|c" in rows[1] and "| 538000.5 " in rows[1] and "| 2026-07-01 |" in rows[1]
    assert "y" * 60 + "…" in rows[2] and "y" * 61 not in rows[2]
    assert "| null " in rows[3]


def test_a_preview_of_thousands_of_huge_columns_is_bounded() -> None:
    frame = pl.DataFrame({f"<!channel> {n} " + "x" * 10_000: ["v"] for n in range(2_000)})

    table = markdown_table(frame)

    assert len(table) < 20_000 and r"\<\!channel\> 0 xxx" in table
    assert "and 1960 more columns" in table


def test_a_preview_shows_lists_and_structs_as_escaped_json() -> None:
    frame = pl.DataFrame({"reasons": [["a|b", "[x](y)"]], "where": [{"zip": "98103"}]})

    row = markdown_table(frame).splitlines()[2]

    assert r'\["a\|b", "\[x\]\(y\)"\]' in row and '{"zip": "98103"}' in row
