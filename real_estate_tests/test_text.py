"""Text taken from data, made safe to show: bounded, on one line, inert as markup."""

from real_estate.text import one_line


def test_one_line_collapses_whitespace_and_bounds_a_huge_message() -> None:
    message = 'could not parse `"<!channel> ' + "x" * 20_000_000 + "`\n\nConsider setting this."

    shown = one_line(message, 300)

    assert shown.startswith('could not parse `"<!channel> xxx') and shown.endswith("…")
    assert len(shown) == 301
    assert one_line("found more fields\n\n  than defined") == "found more fields than defined"
    assert one_line("a\n" * 1000, 10) == "a a a a a …"
