"""Sufficient contrast: every text colour of the stylesheet on the backgrounds it is used on
reaches WCAG AA (4.5:1 for normal text), computed from the colours in static/css/ltc.css."""

import re
from pathlib import Path

import pytest

CSS = (Path(__file__).resolve().parents[2] / "static" / "css" / "ltc.css").read_text()
VARIABLES = dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-fA-F]{3,6})", CSS))


def colour(name: str) -> str:
    return VARIABLES.get(name, name)


def luminance(hex_colour: str) -> float:
    value = hex_colour.lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    channels = [int(value[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(foreground: str, background: str) -> float:
    high, low = sorted((luminance(colour(foreground)), luminance(colour(background))), reverse=True)
    return (high + 0.05) / (low + 0.05)


# (text, background, where)
PAIRS = [
    ("ink", "bg", "body text on the page"),
    ("ink", "card", "text in cards and tables"),
    ("muted", "card", "secondary text in cards"),
    ("muted", "bg", "secondary text on the page"),
    ("muted", "#eef2f7", "board columns and table headers"),
    ("ink", "#eef2f7", "table headers"),
    ("brand", "card", "links"),
    ("brand", "#eef2f7", "links on the board"),
    ("#ffffff", "#102a43", "the header"),
    ("#ffffff", "#243b53", "the active menu item"),
    ("#ffffff", "brand", "buttons"),
    ("#ffffff", "brand-dark", "buttons, hovered"),
    ("#ffffff", "bad", "danger buttons"),
    ("#ffffff", "#e12d39", "the notification badge"),
    ("brand-dark", "#ffffff", "the header's search button"),
    ("ok", "#e3f9e5", "success messages"),
    ("bad", "#ffe3e3", "error messages"),
    ("warn", "#fff3c4", "warnings"),
    ("brand-dark", "#e6f0ff", "information messages"),
    ("warn", "card", "due-soon and cadence warnings"),
    ("bad", "card", "overdue and refusals"),
    ("ok", "card", "met checklist items"),
]


def test_the_stylesheet_defines_the_colours_the_pairs_use():
    assert {"ink", "muted", "bg", "card", "brand", "brand-dark", "ok", "warn", "bad"} <= set(
        VARIABLES
    )


@pytest.mark.parametrize("text, background, where", PAIRS, ids=[p[2] for p in PAIRS])
def test_text_reaches_aa_contrast(text, background, where):
    ratio = contrast(text, background)
    assert ratio >= 4.5, f"{where}: {text} on {background} is {ratio:.2f}:1"
