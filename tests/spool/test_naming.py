"""The spool naming rule: file name ↔ grouping key, table-driven, plus a round-trip property."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bridge.errors import SpoolError
from bridge.protocol.methods import Method
from bridge.spool import naming
from bridge.spool.naming import file_name, is_candidate, method_for_dir, parse_name

PARSE_CASES = [
    ("backup.prom", {"job": "backup"}),
    ("backup@instance=db1.prom", {"job": "backup", "instance": "db1"}),
    ("backup@instance=.prom", {"job": "backup", "instance": ""}),
    ("backup@instance=db%2F1@env=prod.prom", {"job": "backup", "instance": "db/1", "env": "prod"}),
    ("a%40b@x=c%3Dd%25e.prom", {"job": "a@b", "x": "c=d%e"}),
    ("caf%C3%A9@k=na%C3%AFve.prom", {"job": "café", "k": "naïve"}),
    ("café@k=naïve.prom", {"job": "café", "k": "naïve"}),
    ("%2Ehidden-job.prom", {"job": ".hidden-job"}),
    ("job.with.dots.prom", {"job": "job.with.dots"}),
    ("j@_under=1@Z9=2.prom", {"job": "j", "_under": "1", "Z9": "2"}),
    ("sp ace@v=a b.prom", {"job": "sp ace", "v": "a b"}),
]

BAD_NAMES = [
    (".prom", "empty"),
    ("@instance=x.prom", "empty"),
    ("job@instance.prom", "no '='"),
    ("job@1abc=x.prom", "invalid grouping label name"),
    ("job@__name=x.prom", "invalid grouping label name"),
    ("job@job=x.prom", "not a label"),
    ("job@a=1@a=2.prom", "twice"),
    ("job@a=b=c.prom", "percent-encoded as %3D"),
    ("a=b.prom", "percent-encoded as %3D"),
    ("job%2.prom", "bad percent-escape"),
    ("job%zz.prom", "bad percent-escape"),
    ("job%FF.prom", "not valid UTF-8"),
    ("job@a=%C3.prom", "not valid UTF-8"),
    ("job.txt", "end in .prom"),
]


@pytest.mark.parametrize(("name", "expected"), PARSE_CASES)
def test_parse_name(name: str, expected: dict[str, str]) -> None:
    assert parse_name(name) == expected


@pytest.mark.parametrize(("name", "reason"), BAD_NAMES)
def test_bad_names_are_refused_with_a_reason(name: str, reason: str) -> None:
    with pytest.raises(SpoolError, match=reason):
        parse_name(name)


@pytest.mark.parametrize(
    ("grouping", "expected"),
    [
        ({"job": "backup"}, "backup.prom"),
        ({"job": "backup", "instance": ""}, "backup@instance=.prom"),
        ({"job": "a/b", "z": "1", "a": "x@y=z%"}, "a%2Fb@a=x%40y%3Dz%25@z=1.prom"),
        ({"job": ".dot", "v": ".dot"}, "%2Edot@v=.dot.prom"),
        ({"job": "tab\there"}, "tab%09here.prom"),
        ({"job": "café"}, "café.prom"),
    ],
)
def test_file_name(grouping: dict[str, str], expected: str) -> None:
    assert file_name(grouping) == expected
    assert parse_name(expected) == grouping


@pytest.mark.parametrize(
    "grouping",
    [{}, {"job": ""}, {"job": "j", "bad-name": "x"}, {"job": "j", "__x": "y"}, {"job": "x" * 300}],
)
def test_file_name_refuses_what_the_rule_cannot_hold(grouping: dict[str, str]) -> None:
    with pytest.raises(SpoolError):
        file_name(grouping)


@pytest.mark.parametrize(
    ("name", "read"),
    [
        ("job.prom", True),
        ("job@a=b.prom", True),
        (".job.prom", False),
        ("job.prom.12345", False),
        ("job.prom.4242.140234", False),
        ("job.prom~", False),
        (".#job.prom", False),
        ("job.prom.tmp", False),
        ("job.txt", False),
        (".prom", False),
        ("job.PROM", False),
    ],
)
def test_only_visible_prom_files_are_read(name: str, read: bool) -> None:
    assert is_candidate(name) is read


def test_directories_select_the_method() -> None:
    assert method_for_dir("") is Method.PUT
    assert method_for_dir("add") is Method.POST
    assert method_for_dir("delete") is Method.DELETE
    assert method_for_dir("failed") is None
    assert method_for_dir("done") is None
    assert naming.METHOD_DIRS[Method.POST] == naming.ADD_DIR


label_names = st.from_regex(r"[a-zA-Z][a-zA-Z0-9_]{0,10}", fullmatch=True).filter(lambda n: n != "job")
values = st.text(st.characters(blacklist_categories=["Cs"]), max_size=12)


@given(job=values.filter(bool), labels=st.dictionaries(label_names, values, max_size=4))
def test_round_trip(job: str, labels: dict[str, str]) -> None:
    grouping = {"job": job, **labels}
    try:
        name = file_name(grouping)
    except SpoolError as exc:
        assert "longer than 255 bytes" in str(exc)
        return
    assert is_candidate(name)
    assert "/" not in name and "\x00" not in name
    assert parse_name(name) == grouping
