"""Unit tests: grouping keys and label sets as text, one quoting rule in every view, a series' own labels."""

from __future__ import annotations

import sys

import pytest

from bridge.protocol.grouping import GroupKey
from pgwtui.alerts.model import Alert
from pgwtui.labels import key_text, own_labels, pairs_text, quote
from pgwtui.models import Family, Series
from pgwtui.views.alerts import AlertRow, details
from pgwtui.views.detail import series_lines
from pgwtui.views.groups import CellFormatter

BACKUP: GroupKey = (("instance", "db-1"), ("job", "backup"))


@pytest.mark.parametrize(
    ("value", "quoted"),
    [
        ("", '""'),
        ("db-1", '"db-1"'),
        ('a"b', r'"a\"b"'),
        ("a\\b", r'"a\\b"'),
        ("two\nlines", r'"two\nlines"'),
        ("é", '"é"'),
    ],
)
def test_quote_escapes_like_go_and_json(value: str, quoted: str) -> None:
    assert quote(value) == quoted


def test_key_text_quotes_only_what_would_mislead_unless_asked_to_quote_all() -> None:
    key = (("a", "x y"), ("instance", ""), ("job", "backup"), ("path", "/var/log"))
    assert key_text(key) == 'job=backup a="x y" instance="" path=/var/log'
    assert key_text(key, quote_all=True) == 'job="backup" a="x y" instance="" path="/var/log"'


@pytest.mark.parametrize(
    ("key", "labels", "own"),
    [
        (BACKUP, (("instance", "db-1"), ("job", "backup"), ("kind", "full")), (("kind", "full"),)),
        ((("job", "cron"),), (("instance", ""), ("job", "cron"), ("kind", "a")), (("kind", "a"),)),
        ((("job", "cron"),), (("instance", "h1"), ("job", "cron")), (("instance", "h1"),)),
        ((("instance", ""), ("job", "cron")), (("instance", ""), ("job", "cron")), ()),
    ],
    ids=["grouping labels", "injected instance", "a real instance", "instance is a grouping label"],
)
def test_own_labels_drop_the_grouping_labels_and_the_injected_instance(
    key: GroupKey, labels: tuple[tuple[str, str], ...], own: tuple[tuple[str, str], ...]
) -> None:
    assert own_labels(labels, key) == own


def test_the_detail_view_quotes_series_label_values() -> None:
    family = Family("backup_size_bytes", "GAUGE", None, "", (Series((*BACKUP, ("path", 'C:\\"x"')), value="1"),))
    (line,) = series_lines(family, BACKUP)
    assert line.what == r'{path="C:\\\"x\""}'
    assert line.what == "{" + pairs_text([("path", 'C:\\"x"')]) + "}"


def test_the_alerts_view_quotes_alert_label_values() -> None:
    alert = Alert((("alertname", "PushgatewayGroupStale"), ("job", "backup"), ("note", 'say "hi"')))
    text = details(AlertRow(alert, "firing"), CellFormatter(1000.0))
    assert r'labels      job="backup" note="say \"hi\""' in text


def test_a_bare_value_is_quoted_exactly_when_it_holds_whitespace_a_quote_or_an_equals_sign() -> None:
    # Against the rule in words (`str.isspace`, `"`, `=`): every whitespace character there is, and the
    # first 12,288 code points (controls, Latin, combining marks, ...).
    spaces = [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()]
    for char in sorted({*spaces, *map(chr, range(0x3000))}):
        ambiguous = char.isspace() or char in '"='
        text = key_text((("job", f"a{char}b"),))
        assert text.startswith('job="') == ambiguous, (hex(ord(char)), text)
    assert key_text((("job", ""),)) == 'job=""'
