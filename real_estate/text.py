"""Text taken from data (file names, column names, values, error messages) made safe to show.

Whatever a producer writes can reach logs, check descriptions and Slack: it is shown bounded in
length, with non-printable characters replaced, and escaped where it would be markup.
"""

import re
from collections.abc import Sequence

MAX_NAME = 120
MAX_NAMES = 20
MAX_REASON = 300
# What can start markup in a markdown table cell (GitHub-flavoured, as the Dagster UI renders it):
# emphasis, code, links and images, raw HTML, entities, strikethrough, a cell break, and the
# literal autolinks `https://…`, `www.…` and `name@host`.
_MARKDOWN = re.compile(r"_+|://|(?i:\bwww)\.|[\\`*\[\]()<>|#!~&@]")


def bounded(text: str, limit: int = MAX_NAME) -> str:
    """`text` cut to `limit` characters (marked with …), non-printable characters as `?`."""
    printable = "".join(char if char.isprintable() else "?" for char in text[:limit])
    return printable + ("…" if len(text) > limit else "")


def one_line(text: str, limit: int = MAX_REASON) -> str:
    """`text` (an error message, say) on one line, its runs of whitespace as one space, bounded."""
    head = text[: 2 * limit]
    line = bounded(" ".join(head.split()), limit)
    return line if len(text) == len(head) or line.endswith("…") else line + "…"


def name_list(names: Sequence[str], limit: int = MAX_NAMES) -> str:
    """The first `limit` names, each bounded, then how many more there are."""
    listed = ", ".join(bounded(name) for name in names[:limit])
    return listed + (f" and {len(names) - limit} more" if len(names) > limit else "")


def slack_escaped(text: str) -> str:
    """Text that Slack shows as typed: `&`, `<` and `>` escaped, so no mention or link is live."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def markdown_escaped(text: str) -> str:
    """`text` as markdown that shows it as typed: every character that could start markup
    backslash-escaped, except underscores inside a word, which cannot (`predicted_price`)."""

    def escape(match: re.Match[str]) -> str:
        token = match.group()
        if token.startswith("_"):
            before, after = text[match.start() - 1 : match.start()], text[match.end() : match.end() + 1]
            return token if before.isalnum() and after.isalnum() else "\\_" * len(token)
        if token == "://":
            return "\\://"
        return token[:-1] + "\\" + token[-1]  # `www\.` or one character

    return _MARKDOWN.sub(escape, text)
