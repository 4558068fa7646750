"""Grouping keys in URLs: Go's splitLabels/decodeBase64 rules, and the @base64 encoder clients use."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bridge.errors import GroupingKeyError
from bridge.protocol.gostr import go_quote
from bridge.protocol.grouping import (
    decode_base64,
    encode_base64,
    grouping_path,
    is_grouping_label_name,
    parse_grouping,
    split_labels,
    url_name,
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


# ----------------------------------------------------------------- UTF-8 names (--push.enable-utf8-names)
# name in the URL → (label without the flag, label with it); None: 400 improper label name. Delta §2.2, probe §3.4.
URL_NAMES = [
    ("foo.bar", None, "foo.bar"),
    ("U__foo_2e_bar", "U__foo_2e_bar", "foo.bar"),
    ("U___55_____", "U___55_____", "U__"),
    ("U__a__b", "U__a__b", "a_b"),
    ("U__in_xxx_valid", "U__in_xxx_valid", "U__in_xxx_valid"),
    ("U__x_1F600_y", "U__x_1F600_y", "x😀y"),
    ("U__x_01F600_y", "U__x_01F600_y", "x😀y"),  # deliberate: 1.11 keeps this one undecoded
    ("U__x_0_y", "U__x_0_y", "x\x00y"),
    ("U__x_d800_y", "U__x_d800_y", "U__x_d800_y"),
    ("ü", None, "ü"),
    ("\udcff", None, None),  # %FF: not UTF-8
    ("U__", "U__", None),  # decodes to ""
    ("1x", None, "1x"),
    ("a:b", None, "a:b"),
    ("", None, None),
    ("__x", None, None),
    ("U______foo", "U______foo", None),  # deliberate: decodes to __foo, reserved (1.11 lets it in)
    ("U___5f__5f_foo", "U___5f__5f_foo", None),
]


@pytest.mark.parametrize(("name", "legacy", "utf8"), URL_NAMES)
def test_url_label_names_with_and_without_the_flag(name: str, legacy: str | None, utf8: str | None) -> None:
    for mode, expected in ((False, legacy), (True, utf8)):
        if expected is None:
            with pytest.raises(GroupingKeyError) as info:
                split_labels(f"/{name}/v", utf8=mode)
            assert str(info.value) == f"improper label name {go_quote(name)}"
        else:
            assert split_labels(f"/{name}/v", utf8=mode) == {expected: "v"}
            assert split_labels(f"/{name}@base64/YmF6", utf8=mode) == {expected: "baz"}


def test_the_base64_suffix_is_stripped_once_before_decoding() -> None:
    assert split_labels("/U__foo_2e_bar@base64/YmF6", utf8=True) == {"foo.bar": "baz"}
    assert split_labels("/x@base64@base64/YQ", utf8=True) == {"x@base64": "a"}
    with pytest.raises(GroupingKeyError, match='improper label name ""'):
        split_labels("/@base64/YQ", utf8=True)


def test_the_job_is_never_decoded() -> None:
    assert parse_grouping("U__a_2e_b", "", job_base64=False, utf8=True) == {"job": "U__a_2e_b"}


utf8_label_names = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=8).filter(
    lambda n: not n.startswith("__") and n != "job"
)


@given(st.dictionaries(utf8_label_names, st.text(max_size=5), max_size=4), st.text(min_size=1, max_size=5))
def test_utf8_grouping_paths_round_trip(labels: dict[str, str], job: str) -> None:
    path = grouping_path({"job": job, **labels}, utf8=True)
    assert path.isascii()  # every non-legacy name goes U__-encoded, every value base64
    rest = path[len("/metrics/job@base64/") :]
    job_part, _, label_part = rest.partition("/")
    parsed = parse_grouping(job_part, "/" + label_part if label_part else "", job_base64=True, utf8=True)
    assert parsed == {"job": job, **labels}


def test_a_legacy_name_that_looks_encoded_is_encoded_for_a_utf8_gateway() -> None:
    assert url_name("U__x", utf8=True) == "U__U____x"
    assert url_name("U__x", utf8=False) == "U__x"
    assert url_name("instance", utf8=True) == "instance"
    assert url_name("a.b", utf8=True) == "U__a_2e_b"
    with pytest.raises(GroupingKeyError):
        url_name("a.b", utf8=False)
    with pytest.raises(GroupingKeyError):
        url_name("__a", utf8=True)


@pytest.mark.parametrize(("name", "legacy", "utf8"), [("a_b", True, True), ("a.b", False, True), ("__a", False, False)])
def test_is_grouping_label_name_under_each_rule(name: str, legacy: bool, utf8: bool) -> None:
    assert is_grouping_label_name(name) is legacy
    assert is_grouping_label_name(name, utf8=True) is utf8
