"""Unit tests: parsing /api/v1/metrics (Go and ours) into groups; grouping keys come only from `labels`."""

from __future__ import annotations

import gc
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bridge.protocol.grouping import GroupKey
from pgwtui.errors import GatewayProtocolError
from pgwtui.labels import key_text
from pgwtui.models import decode_groups, parse_group, parse_groups


def entry(
    labels: dict[str, str], ok: bool = True, pushed: str = "1.7e+09", failed: str = "0", **families: object
) -> dict[str, object]:
    out: dict[str, object] = {"labels": labels, "last_push_successful": ok}
    gauge = {"time_stamp": "2026-05-28T20:26:40Z", "type": "GAUGE", "help": "", "metrics": []}
    out["push_time_seconds"] = {**gauge, "metrics": [{"labels": labels, "value": pushed}]}
    out["push_failure_time_seconds"] = {**gauge, "metrics": [{"labels": labels, "value": failed}]}
    out.update(families)
    return out


def body(*entries: dict[str, object]) -> bytes:
    return json.dumps({"status": "success", "data": list(entries)}).encode()


def test_grouping_key_is_exactly_the_labels_object():
    # Series labels carry the injected instance="" and other labels; the key must not.
    family = {
        "type": "GAUGE",
        "time_stamp": "x",
        "metrics": [{"labels": {"job": "a", "instance": "", "path": "/x", "extra": "1"}, "value": "1"}],
    }
    groups, unreadable = parse_groups(body(entry({"job": "a", "path": "/x"}, g=family)))
    assert unreadable == 0
    assert groups[0].key == (("job", "a"), ("path", "/x"))
    assert groups[0].family_count == 1 and groups[0].series_count == 1


def test_timestamps_failure_zero_means_never():
    groups, _ = parse_groups(body(entry({"job": "a"}, pushed="1.795499034602204e+09", failed="0")))
    assert groups[0].last_push == pytest.approx(1795499034.602204)
    assert groups[0].last_failure is None
    assert not groups[0].failed


def test_failed_group_and_group_created_by_a_failed_push():
    failed = entry({"job": "a"}, ok=False, pushed="100", failed="200")
    only_failure = {
        "labels": {"job": "b"},
        "last_push_successful": False,
        "push_failure_time_seconds": failed["push_failure_time_seconds"],
    }
    groups, _ = parse_groups(body(failed, only_failure))
    assert groups[0].failed and groups[0].last_failure == 200.0
    assert groups[1].last_push is None and groups[1].failed


def test_a_family_named_labels_makes_the_key_unreadable_not_guessed():
    # In the Go gateway a family named `labels` overwrites the grouping key in the API.
    clobbered = entry({"job": "a"})
    clobbered["labels"] = {"type": "GAUGE", "metrics": [{"labels": {"job": "a"}, "value": "1"}]}
    groups, unreadable = parse_groups(body(clobbered, entry({"job": "ok"})))
    assert unreadable == 1
    assert [g.job for g in groups] == ["ok"]


def test_pushed_max_age_takes_the_smallest_positive_value():
    def gauge(value: str) -> dict[str, object]:
        return {"type": "GAUGE", "time_stamp": "x", "metrics": [{"labels": {}, "value": value}]}

    e = entry(
        {"job": "a"}, a_max_age_seconds=gauge("7200"), b_max_age_seconds=gauge("3600"), c_max_age_seconds=gauge("0")
    )
    groups, _ = parse_groups(body(e))
    assert groups[0].pushed_max_age == ("b_max_age_seconds", 3600.0)


def test_families_histogram_summary_and_order():
    hist = {
        "type": "HISTOGRAM",
        "help": "Latency.",
        "time_stamp": "x",
        "metrics": [
            {"labels": {"job": "a"}, "buckets": {"+Inf": "3", "0.1": "1", "1": "2"}, "count": "3", "sum": "0.5"}
        ],
    }
    summ = {
        "type": "SUMMARY",
        "time_stamp": "x",
        "metrics": [{"labels": {}, "quantiles": {"0.99": "2", "0.5": "1"}, "count": "4", "sum": "1"}],
    }
    groups, _ = parse_groups(body(entry({"job": "a"}, lat=hist, q=summ)))
    families = groups[0].families()
    assert [f.name for f in families] == ["lat", "q", "push_failure_time_seconds", "push_time_seconds"]
    lat = families[0]
    assert lat.help == "Latency." and lat.type == "HISTOGRAM"
    assert lat.series[0].buckets == (("0.1", "1"), ("1", "2"), ("+Inf", "3"))
    assert families[1].series[0].quantiles == (("0.5", "1"), ("0.99", "2"))
    assert families[2].managed and not lat.managed


@pytest.mark.parametrize(
    "text",
    [b"not json", b'{"status": "error"}', b'{"status": "success", "data": {}}', b"[]"],
)
def test_not_a_pushgateway_answer(text: bytes):
    with pytest.raises(GatewayProtocolError):
        parse_groups(text)


def test_key_text_job_first_and_quotes_what_would_be_ambiguous():
    assert key_text((("a", "x"), ("instance", ""), ("job", "j"))) == 'job=j a=x instance=""'
    assert key_text((("job", "two words"),)) == 'job="two words"'
    assert key_text((("job", "k=v"),)) == 'job="k=v"'


def reference(document: dict[str, Any]) -> list[tuple[GroupKey, bool, Any]]:
    """What parse_groups must agree with: the whole document through json.loads."""
    out = []
    for e in document["data"]:
        labels = e.get("labels")
        if isinstance(labels, dict) and labels.get("job") and all(isinstance(v, str) for v in labels.values()):
            out.append(
                (tuple(sorted(labels.items())), e.get("last_push_successful") is not False, json.loads(json.dumps(e)))
            )
    return out


label_values = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=8)
entries = st.fixed_dictionaries(
    {
        "labels": st.dictionaries(st.sampled_from(["instance", "x", "path"]), label_values, max_size=3).map(
            lambda d: {"job": "j", **d}
        ),
        "last_push_successful": st.booleans(),
    },
    optional={
        "f": st.fixed_dictionaries(
            {
                "type": st.just("GAUGE"),
                "metrics": st.lists(
                    st.fixed_dictionaries({"labels": st.just({}), "value": st.sampled_from(["1", "NaN", "-2.5e+10"])}),
                    max_size=2,
                ),
            }
        )
    },
)


@given(st.lists(entries, max_size=5), st.sampled_from([None, 0, 2]), st.booleans())
def test_streaming_decoder_agrees_with_json_loads(data: list[dict[str, Any]], indent: int | None, status_last: bool):
    document = {"data": data, "status": "success"} if status_last else {"status": "success", "data": data}
    text = json.dumps(document, indent=indent, ensure_ascii=indent == 2)
    groups, unreadable = parse_groups(text.encode())
    expected = reference(document)
    assert unreadable == len(data) - len(expected)
    assert [(g.key, g.last_push_successful, json.loads(g.raw)) for g in groups] == expected


@pytest.mark.parametrize(
    "text",
    [
        b'{"status":"success","data":[]} x',
        b'{"status":"success","data":[{}',
        b'{"status":"success"}',
        b"{}",
        b'{"data":[]}',
    ],
)
def test_streaming_decoder_rejects_broken_documents(text: bytes):
    with pytest.raises(GatewayProtocolError):
        parse_groups(text)


def test_families_are_decoded_from_the_kept_text():
    e = entry({"job": "a"}, g={"type": "GAUGE", "time_stamp": "x", "metrics": [{"labels": {}, "value": "1"}]})
    groups, _ = parse_groups(body(e))
    assert json.loads(groups[0].raw) == e
    assert groups[0].family_names == {"g", "push_time_seconds", "push_failure_time_seconds"}
    assert groups[0].text == "job=a"


# ----------------------------------------------------------------- decoding a refresh against the last answer
def answer(*entries: dict[str, object]) -> str:
    """As both gateways send it: compact, keys sorted."""
    return json.dumps({"status": "success", "data": list(entries)}, separators=(",", ":"), sort_keys=True)


def facts(groups) -> list[tuple[object, ...]]:
    return [
        (g.key, g.raw, g.last_push, g.last_failure, g.failed, g.family_count, g.series_count, g.family_names, g.text)
        for g in groups
    ]


def test_a_refresh_reuses_unchanged_groups_and_decodes_the_rest():
    a, b, c = entry({"job": "a"}), entry({"job": "b"}, pushed="100"), entry({"job": "c"})
    first = decode_groups(answer(a, b, c))
    changed = entry({"job": "b"}, pushed="200", extra={"type": "GAUGE", "metrics": [{"labels": {}, "value": "1"}]})
    added = entry({"job": "d"})
    second = decode_groups(answer(a, changed, added), first)  # b changed, c removed, d added
    assert facts(second.groups) == facts(decode_groups(answer(a, changed, added)).groups)
    assert second.reused == 1
    assert second.groups[0] is first.groups[0]  # a: the very object
    assert second.groups[1].last_push == 200.0 and second.groups[1].family_count == 1
    assert [g.job for g in second.groups] == ["a", "b", "d"]


def test_reused_entries_still_fail_on_a_broken_document():
    first = decode_groups(answer(entry({"job": "a"})))
    with pytest.raises(GatewayProtocolError):
        decode_groups(answer(entry({"job": "a"}))[:-1], first)


def test_an_unreadable_entry_is_reused_and_still_counted():
    clobbered = entry({"job": "a"})
    clobbered["labels"] = {"type": "GAUGE", "metrics": []}
    first = decode_groups(answer(clobbered, entry({"job": "ok"})))
    second = decode_groups(answer(clobbered, entry({"job": "ok"})), first)
    assert (second.unreadable, second.reused, [g.job for g in second.groups]) == (1, 2, ["ok"])


def test_a_shuffled_answer_is_matched_by_head():
    # The Go gateway lists groups in a new order on every read: once many entries are not where they
    # were, the earlier ones are found by their first characters.
    many = [entry({"job": f"j{i:03d}", "instance": f"host-{i}"}) for i in range(300)]
    first = decode_groups(answer(*many))
    shuffled = many[::7] + [e for i, e in enumerate(many) if i % 7]
    second = decode_groups(answer(*shuffled), first)
    assert facts(second.groups) == facts(decode_groups(answer(*shuffled)).groups)
    assert second.reused > 200
    by_key = {g.key: g for g in first.groups}
    assert sum(g is by_key[g.key] for g in second.groups) == second.reused


def test_equal_family_name_sets_are_one_object():
    first = decode_groups(answer(entry({"job": "a"}), entry({"job": "b"})))
    a, b = first.groups
    assert a.family_names is b.family_names
    third = decode_groups(answer(entry({"job": "a"}, pushed="5"), entry({"job": "c"})), first)
    assert {id(g.family_names) for g in third.groups} == {id(a.family_names)}


@pytest.mark.parametrize(
    "family",
    [
        {"metrics": []},
        {"metrics": {"0": {"value": "1"}}},
        {"metrics": ["1"]},
        {"metrics": [{"labels": {}}]},
        {"metrics": [{"value": "NaN"}]},
        {"metrics": [{"value": "soon"}]},
        {"metrics": [{"value": None}]},
        {"type": "GAUGE"},
        "1.5",
    ],
)
def test_a_timestamp_that_is_not_a_number_is_none(family: object):
    e = entry({"job": "a"})
    e["push_time_seconds"] = family
    groups, _ = parse_groups(answer(e))
    assert groups[0].last_push is None


mutations = st.lists(
    st.tuples(st.sampled_from(["keep", "drop", "change", "add"]), st.integers(0, 10**6)), min_size=1, max_size=12
)


@given(st.lists(entries, max_size=6), mutations, st.booleans())
def test_incremental_decoding_agrees_with_decoding_from_scratch(
    data: list[dict[str, object]], steps: list[tuple[str, int]], shuffle: bool
):
    current = list(data)
    previous = decode_groups(answer(*current))
    for step, seed in steps:
        if step == "drop" and current:
            current.pop(seed % len(current))
        elif step == "change" and current:
            i = seed % len(current)
            current[i] = {**current[i], "last_push_successful": not current[i]["last_push_successful"]}
        elif step == "add":
            current.append({"labels": {"job": f"new{seed}"}, "last_push_successful": True})
        if shuffle and len(current) > 1:
            current = current[seed % len(current) :] + current[: seed % len(current)]
        text = answer(*current)
        decoded = decode_groups(text, previous)
        fresh = decode_groups(text)
        assert facts(decoded.groups) == facts(fresh.groups)
        assert decoded.unreadable == fresh.unreadable
        previous = decoded


# ----------------------------------------------------------------- what msgspec reads, and what it leaves to json
def test_an_answer_msgspec_refuses_is_read_by_the_standard_library():
    # NaN is not JSON, but Python's json (and so pgwtui before msgspec) reads it: still one group, same facts.
    e = entry({"job": "a"}, g={"type": "GAUGE", "metrics": [{"labels": {}, "value": "1"}]})
    text = answer(e).replace('"1"}]', "NaN}]")
    groups, unreadable = parse_groups(text)
    assert (unreadable, [g.job for g in groups], groups[0].series_count) == (0, ["a"], 1)


@pytest.mark.parametrize(
    "odd",
    [
        {"g": "a string where a family belongs"},
        {"g": True, "h_max_age_seconds": {"metrics": [{"value": "60"}]}},  # true where a family belongs
        {"push_time_seconds": True},  # and where a timestamp does
        {"g": {"metrics": {"not": "a list"}}},
        {"g": {"metrics": [1, 2]}},
        {"labels": {"job": "a", "metrics": "x"}},
        {"last_push_successful": "no"},
    ],
)
def test_an_entry_of_another_shape_is_read_as_json_reads_it(odd: dict[str, object]):
    e = {**entry({"job": "a"}, g={"type": "GAUGE", "metrics": [{"labels": {}, "value": "1"}]}), **odd}
    fast = decode_groups(answer(e, entry({"job": "b"})))
    by_json = [
        parse_group(item, json.dumps(item, separators=(",", ":"), sort_keys=True)) for item in (e, entry({"job": "b"}))
    ]
    assert facts(fast.groups) == facts([g for g in by_json if g is not None])


def test_groups_are_outside_the_garbage_collector_and_compare_by_their_facts():
    first = decode_groups(answer(entry({"job": "a"}, pushed="5"), entry({"job": "b"})))
    a = first.groups[0]
    assert not gc.is_tracked(a)
    twin = parse_group(json.loads(a.raw), raw="{}")
    assert twin == a and hash(twin) == hash(a)  # the entry text is not a fact
    assert twin != first.groups[1]
    assert "job" in repr(a) and "5.0" in repr(a)
