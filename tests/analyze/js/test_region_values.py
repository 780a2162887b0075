"""What literal values a region test names: regex alternatives and spellings of one region."""

from __future__ import annotations

import pytest

from agentxray.analyze.js.region import regex_literals, regional_label


@pytest.mark.parametrize(
    ("pattern", "literals"),
    [
        (r"^(Asia\/Shanghai|Asia\/Urumqi)$", ["Asia/Shanghai", "Asia/Urumqi"]),
        (r"^zh", ["zh"]),
        (r"^(zh|ru)-(CN|RU)$", ["zh-CN", "zh-RU", "ru-CN", "ru-RU"]),
        (r"^(vi)[-_](VN)$", ["vi-VN"]),
        (r"^[a-z]+$", []),  # a class of strings, not a list of literals
    ],
)
def test_regex_literals_expand_groups(pattern: str, literals: list[str]) -> None:
    assert regex_literals(pattern) == literals


@pytest.mark.parametrize(
    ("kind", "value", "label"),
    [
        ("locale", "TR", "Turkey"),  # the territory part of `locale.endsWith("-TR")`
        ("locale", "zh-CN", "Chinese (Simplified, China)"),
        ("timezone", "asia/kolkata", "India"),
        ("country", "us", None),  # lower case: a language code, not an ISO country code
    ],
)
def test_regional_label(kind: str, value: str, label: str | None) -> None:
    assert regional_label(kind, value) == label
