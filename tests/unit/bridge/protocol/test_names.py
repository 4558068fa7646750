"""Names: the legacy and UTF-8 rules, the four escapings, the `U__` decoder and text quoting (delta §2.2, §4.2, §6.5)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bridge.protocol.model import Metric, MetricFamily, MetricType
from bridge.protocol.names import (
    Escaping,
    escape_family,
    escape_name,
    escape_values_always,
    exposed_name,
    is_label_name,
    is_metric_name,
    quote_name,
    unescape_values,
)

U, D, V, A = Escaping.UNDERSCORES, Escaping.DOTS, Escaping.VALUES, Escaping.ALLOW_UTF8
utf8_names = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=8)


@pytest.mark.parametrize(
    ("name", "metric", "label", "utf8"),
    [
        ("a_b", True, True, True),
        ("a:b", True, False, True),
        (":a", True, False, True),
        ("_1", True, True, True),
        ("1a", False, False, True),
        ("a.b", False, False, True),
        ("ü", False, False, True),
        ("a\x00b", False, False, True),
        ("", False, False, False),
        ("a\udcff", False, False, False),  # a byte that is not UTF-8
    ],
)
def test_the_two_rules(name: str, metric: bool, label: bool, utf8: bool) -> None:
    assert is_metric_name(name, utf8=False) is metric
    assert is_label_name(name, utf8=False) is label
    assert is_metric_name(name, utf8=True) is utf8
    assert is_label_name(name, utf8=True) is utf8


@pytest.mark.parametrize(
    ("name", "underscores", "dots", "values"),
    [
        # The delta's and the probe's examples (1.11.0's scrapes).
        ("1bad", "_bad", "__bad", "U___31_bad"),
        ("my.metric", "my_metric", "my_dot_metric", "U__my_2e_metric"),
        ("my.metric_x", "my_metric_x", "my_dot_metric__x", "U__my_2e_metric__x"),
        ("dotted.label", "dotted_label", "dotted_dot_label", "U__dotted_2e_label"),
        ("bad-label", "bad_label", "bad__label", "U__bad_2d_label"),
        ("ü", "_", "__", "U___fc_"),
        ("a\x00b", "a_b", "a__b", "U__a_0_b"),
        ("x😀", "x_", "x__", "U__x_1f600_"),
        ("a\udcffb", "a_b", "a__b", "U__a_fffd_b"),  # each invalid byte is one U+FFFD
        ("a1.2", "a1_2", "a1_dot_2", "U__a1_2e_2"),  # digits are legal after the first byte
    ],
)
def test_escapings(name: str, underscores: str, dots: str, values: str) -> None:
    assert escape_name(name, U) == exposed_name(name, U) == underscores
    assert escape_name(name, D) == exposed_name(name, D) == dots
    assert escape_name(name, V) == exposed_name(name, V) == values
    assert escape_name(name, A) == exposed_name(name, A) == name


def test_legacy_names_are_never_rewritten_when_exposed() -> None:
    for scheme in Escaping:
        assert exposed_name("push_time_seconds", scheme) == "push_time_seconds"
        assert exposed_name("a:b", scheme) == "a:b"  # a legacy metric name, so not escaped as a label either
    assert escape_name("push_time_seconds", D) == "push__time__seconds"  # EscapeName itself does (dots)
    assert escape_name("", V) == ""


@pytest.mark.parametrize(
    ("encoded", "decoded"),
    [
        ("U__foo_2e_bar", "foo.bar"),
        ("U___55_____", "U__"),
        ("U__a__b", "a_b"),
        ("U__in_xxx_valid", "U__in_xxx_valid"),
        ("U__x_1F600_y", "x😀y"),
        ("U__x_1f600_y", "x😀y"),
        ("U__x_0_y", "x\x00y"),
        ("U__", ""),
        ("U__x_d800_y", "U__x_d800_y"),  # a surrogate is no rune
        ("U__x_110000_y", "U__x_110000_y"),  # beyond U+10FFFF
        ("U__a_", "U__a_"),  # a lone trailing `_`
        ("U__a_2e", "U__a_2e"),  # no closing `_`
        ("U__a__", "a_"),
        ("foo_2e_bar", "foo_2e_bar"),  # no prefix
        ("u__foo_2e_bar", "u__foo_2e_bar"),
        # Deliberate: six hex digits decode (1.11 gives up at the sixth); seven never do.
        ("U__x_01F600_y", "x😀y"),
        ("U__x_10FFFF_y", "x\U0010ffffy"),
        ("U__x_100000_y", "x\U00100000y"),
        ("U__x_0001F600_y", "U__x_0001F600_y"),
    ],
)
def test_unescape_values(encoded: str, decoded: str) -> None:
    assert unescape_values(encoded) == decoded


@given(utf8_names)
def test_values_escaping_round_trips(name: str) -> None:
    assert unescape_values(escape_values_always(name)) == name
    if not is_metric_name(name, utf8=False):
        assert unescape_values(escape_name(name, V)) == name


def test_six_digit_code_points_round_trip() -> None:
    """The case 1.11's decoder gets wrong: every code point from U+100000 needs six digits."""
    for name in ("\U00100000", "a\U0010fffdb", "\U000fffff"):
        assert unescape_values(escape_name(name, V)) == name


@given(utf8_names, st.sampled_from([U, D, V]))
def test_escaped_names_are_legacy_valid(name: str, scheme: Escaping) -> None:
    assert is_metric_name(exposed_name(name, scheme), utf8=False)


@pytest.mark.parametrize(
    ("name", "quoted"),
    [("a_b", "a_b"), ("a:b", "a:b"), ("a.b", '"a.b"'), ("1x", '"1x"'), ('a"b\\c\nd', '"a\\"b\\\\c\\nd"')],
)
def test_quote_name(name: str, quoted: str) -> None:
    assert quote_name(name) == quoted


def test_escape_family_shares_what_needs_nothing_and_keeps_the_input() -> None:
    plain = Metric(labels=(("instance", ""), ("job", "j")), gauge=1.0)
    odd = Metric(labels=(("dotted.label", "x"), ("job", "j")), gauge=2.0)
    family = MetricFamily("my.metric", MetricType.GAUGE, "h", [plain, odd])
    escaped = escape_family(family, U)
    assert escaped.name == "my_metric" and escaped.help == "h" and escaped.type is MetricType.GAUGE
    assert escaped.metrics[0] is plain
    assert escaped.metrics[1].labels == (("dotted_label", "x"), ("job", "j")) and escaped.metrics[1].gauge == 2.0
    assert family.name == "my.metric" and odd.labels[0][0] == "dotted.label"
    assert escape_family(family, A) is family
