"""Text from outside (Shopify, Cin7 Core, CSV and JSON files) shown as itself, wherever it is shown.

A product title, SKU, tax line or customer name is data. Printed raw it can retitle or redraw the
terminal (ESC, OSC, BEL), reorder what a person reads (bidi overrides), break the console
(`[/]` is a markup error) or become a live link (`[link=…]`). Every face of the tool passes such
text through one of these before it reaches a screen, a terminal or a report:

- `safe_text`: control characters made visible (ESC → ␛, U+202E → <U+202E>), for plain text.
- `markup`: the same, with markup escaped, for a Rich or Textual markup string.
- `md_text` / `md_code`: the same, escaped so Markdown renders it literally.
- `json_text`: a JSON document with the characters a terminal acts on written as \\u escapes.

No Textual import here: the core (reports) uses this module too.
"""

from __future__ import annotations

import re
import string

# Bidirectional controls (Trojan Source, CVE-2021-42574) and line/paragraph separators that
# terminals and editors act on although they are not C0 or C1 controls.
_FORMAT_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u2028\u2029\ufeff"
_UNSAFE = re.compile(f"[\x00-\x1f\x7f-\x9f{_FORMAT_CONTROLS}\ud800-\udfff]")
_UNSAFE_MULTILINE = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_FORMAT_CONTROLS}\ud800-\udfff]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)  # the Unicode control pictures: ␛ ␇ ␊ ␍ …
    if code == 0x7F:
        return "␡"
    return f"<U+{code:04X}>"  # C1, bidi controls, separators, lone surrogates


def safe_text(value: object, *, multiline: bool = False) -> str:
    """`value` as text with every control character made visible; `multiline` keeps newlines and tabs."""
    text = value if isinstance(value, str) else str(value)
    return (_UNSAFE_MULTILINE if multiline else _UNSAFE).sub(_visible, text)


def is_safe(text: str, *, multiline: bool = False) -> bool:
    """True when `text` holds no character a terminal would act on."""
    return (_UNSAFE_MULTILINE if multiline else _UNSAFE).search(text) is None


def markup(value: object, *, multiline: bool = False) -> str:
    """Safe text for a Rich or Textual markup string: every `[` escaped, so no tag is ever read.

    Textual reads `\\[` as a literal bracket and leaves other backslashes alone, so escaping every
    bracket (not only those that look like tags, as `rich.markup.escape` does) keeps `TEE[RED]`
    whole. A backslash ending the value would escape a tag written right after it: there, build a
    `textual.content.Content` with the value as a variable instead.
    """
    return safe_text(value, multiline=multiline).replace("[", "\\[")


# CommonMark renders any backslash-escaped ASCII punctuation literally; escaping all of it also
# keeps `.`, `:` and `@` from being linkified (Textual's Markdown is "gfm-like", with linkify).
# A hyphen acts only at the start of a line (a list item), so names like demo-apparel stay readable.
_MD_PUNCTUATION = re.compile("([" + re.escape(string.punctuation.replace("-", "")) + "]|^-)")


def md_text(value: object) -> str:
    """Safe text for Markdown (a table cell or a line): punctuation backslash-escaped, one line."""
    text = safe_text(value).replace("\u240a", " ")  # a newline would end the table row
    return _MD_PUNCTUATION.sub(r"\\\1", text)


def md_code(value: object) -> str:
    """A code span showing `value` literally, also inside a Markdown table cell."""
    text = safe_text(value).replace("|", "\\|")  # GFM splits cells on | even inside code spans
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{fence}{pad}{text}{pad}{fence}"


_JSON_UNSAFE = re.compile(f"[\x7f-\x9f{_FORMAT_CONTROLS}\ud800-\udfff]")


def json_text(document: str) -> str:
    """A JSON document (from `json.dumps(..., ensure_ascii=False)`) with what a terminal acts on escaped.

    `json.dumps` already escapes C0 controls; DEL, C1, bidi controls and lone surrogates pass
    through it raw. Written as \\uXXXX they read back as the same string.
    """
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", document)
