"""What literal values a region test names: regex alternatives and spellings of one region."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from agentxray.analyze.behaviour.geofence import regional_label
from agentxray.analyze.js.behaviour import regex_literals
from agentxray.model import Finding, Notice


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
        ("country", "ir", "Iran"),  # a country source lower-cased by the program (one policy
        # with Python: `answer["country_code"].lower() == "ir"`)
        ("country", "xx", None),  # no such country
    ],
)
def test_regional_label(kind: str, value: str, label: str | None) -> None:
    assert regional_label(kind, value) == label


def test_a_language_test_that_picks_translated_sentences_is_not_a_geofence(
    run_all: Callable[..., tuple[list[Finding], list[Notice]]],
) -> None:
    src = (
        'const PHRASES_ZH = ["正在加载，请稍候...", "正在思考中...", "马上就好..."];\n'
        'const PHRASES_EN = ["Loading, please wait...", "Thinking hard...", "Almost there..."];\n'
        "function phrases(lang) {\n"
        '  return (lang ?? navigator.language).toLowerCase().startsWith("zh") ? PHRASES_ZH : PHRASES_EN;\n'
        "}\n"
        'const MODELS_CN = ["qwen-lite", "qwen-mini"];\n'
        'const MODELS = ["qwen-max", "qwen-plus"];\n'
        "function models() {\n"
        '  return navigator.language.toLowerCase().startsWith("zh") ? MODELS_CN : MODELS;\n'  # line 9
        "}\n"
        "export { phrases, models };\n"
    )
    findings, _ = run_all(src.encode())
    # the loading phrases are translations; which models a Chinese-language user gets is not
    assert [(f.rule, f.location.line) for f in findings if f.category == "geofence"] == [
        ("js-geofence", 9)
    ]
