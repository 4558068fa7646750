"""Grouping keys in URLs: Go's splitLabels/decodeBase64 rules, and the @base64 encoder clients use."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bridge.errors import GroupingKeyError
from bridge.protocol.grouping import (
    decode_base64,
    encode_base64,
    grouping_path,
    is_grouping_label_name,
    parse_grouping,
    split_labels,
)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("YQ", "a"),
        ("YQ=", "a"),
        ("YQ==", "a"),
        ("=", ""),
        ("==", ""),
        ("", ""),
        ("L3Vzcg", "/usr"),
        ("Pz8-", "??>"),
        ("YR", "a"),
        ("Y\nQ", "a"),
    ],
)
def test_decode_base64_like_go(text: str, value: str) -> None:
    assert decode_base64(text) == value


@pytest.mark.parametrize("text", ["Y", "a+b", "Y=Q", "YQ====YQ", "a/b"])
def test_decode_base64_errors(text: str) -> None:
    with pytest.raises(ValueError, match="illegal base64 data at input byte"):
        decode_base64(text)


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        ("", {}),
        ("/", {}),
        ("/instance/", {"instance": ""}),
        ("/a/1/a/2", {"a": "2"}),
        ("/a@base64/L3Vzcg", {"a": "/usr"}),
        ("/a@base64/=/b/x", {"a": "", "b": "x"}),
    ],
)
def test_split_labels(labels: str, expected: dict[str, str]) -> None:
    assert split_labels(labels) == expected


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        ("/a", "odd number of components"),
        ("/__name__/x", "improper label name"),
        ("/1x/y", "improper label name"),
        ("/x@base64@base64/YQ", 'improper label name "x@base64"'),
        ("/@base64/YQ", 'improper label name ""'),
        ("/a@base64/Y", "invalid base64 encoding for label a"),
    ],
)
def test_split_labels_errors(labels: str, message: str) -> None:
    with pytest.raises(GroupingKeyError, match=message):
        split_labels(labels)


def test_check_order_and_job_override() -> None:
    with pytest.raises(GroupingKeyError, match="invalid base64 encoding in job name"):
        parse_grouping("Y", "/1x/2", job_base64=True)
    with pytest.raises(GroupingKeyError, match="improper label name"):
        parse_grouping("=", "/1x/2", job_base64=True)
    with pytest.raises(GroupingKeyError, match="job name is required"):
        parse_grouping("=", "", job_base64=True)
    assert parse_grouping("j", "/job/other", job_base64=False) == {"job": "j"}


def test_empty_values_are_never_a_double_slash() -> None:
    assert encode_base64("") == "="
    assert "//" not in grouping_path({"job": "j", "a": "", "b": ""})


label_name = st.from_regex(r"[a-zA-Z][a-zA-Z0-9_]{0,8}", fullmatch=True).filter(lambda n: n != "job")
value = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12)


@given(
    st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=12),
    st.dictionaries(label_name, value, max_size=4),
)
def test_grouping_path_round_trips_through_the_url_grammar(job: str, labels: dict[str, str]) -> None:
    path = grouping_path({"job": job, **labels})
    rest = path[len("/metrics/job@base64/") :]
    job_part, _, label_part = rest.partition("/")
    assert parse_grouping(job_part, "/" + label_part if label_part else "", job_base64=True) == {"job": job, **labels}


@pytest.mark.parametrize(
    ("name", "allowed"),
    [
        ("instance", True),
        ("_x", True),
        ("a1_B", True),
        ("job", True),
        ("__name__", False),
        ("__x", False),
        ("1a", False),
        ("a-b", False),
        ("", False),
        ("é", False),
        ("a\n", False),
    ],
)
def test_grouping_label_names(name: str, allowed: bool) -> None:
    assert is_grouping_label_name(name) is allowed
    if not allowed:
        with pytest.raises(GroupingKeyError, match="improper label name"):
            split_labels(f"/{name}/v")
