"""The store's rules, and its incremental consistency check against a brute-force full gather."""

from __future__ import annotations

import copy
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bridge.gateway.store.family_checks import family_errors, suffix_base
from bridge.gateway.store.metric_store import Store
from bridge.gateway.store.sanitize import sanitize, timestamp_family
from bridge.gateway.store.types import Change
from bridge.protocol.model import PUSH_FAILURE_TIME, PUSH_TIME, TIMESTAMP_FAMILIES, Metric, MetricFamily, MetricType
from bridge.protocol.textparse import parse_text

NOW = 1_700_000_000_000_000_000


def push(store: Store, grouping: dict[str, str], body: bytes, *, replace: bool = True, now: int = NOW) -> bool:
    return store.push(grouping, parse_text(body), replace=replace, now_ns=now).accepted


def values(store: Store, grouping: dict[str, str], name: str) -> list[float | None]:
    group = store.groups[tuple(sorted(grouping.items()))]
    return [
        m.gauge if m.gauge is not None else (m.untyped if m.untyped is not None else m.counter)
        for m in group.families[name].family.metrics
    ]


def test_put_replaces_and_post_merges_but_timestamps_stay() -> None:
    store = Store()
    assert push(store, {"job": "a"}, b"x 1\ny 2\n")
    assert push(store, {"job": "a"}, b"y 3\nz 4\n", replace=False, now=NOW + 1)
    group = store.groups[(("job", "a"),)]
    assert set(group.families) == {"x", "y", "z", PUSH_TIME, PUSH_FAILURE_TIME}
    assert push(store, {"job": "a"}, b"w 5\n", now=NOW + 2)
    assert set(group.families) == {"w", PUSH_TIME, PUSH_FAILURE_TIME}
    assert values(store, {"job": "a"}, PUSH_TIME) == [(NOW + 2) / 1e9]


def test_failure_records_time_and_keeps_data() -> None:
    store = Store()
    assert push(store, {"job": "a"}, b"x 1\n")
    later = NOW + 10**9  # float seconds cannot tell nanoseconds apart at this epoch, as in Go
    assert not push(store, {"job": "a"}, b"x 2 5\n", now=later)
    assert values(store, {"job": "a"}, "x") == [1.0]
    assert values(store, {"job": "a"}, PUSH_FAILURE_TIME) == [later / 1e9]
    assert not store.groups[(("job", "a"),)].last_push_successful


def test_failure_on_new_group_creates_failure_only_group() -> None:
    store = Store()
    assert push(store, {"job": "a"}, b"# TYPE c counter\nc 1\n")
    assert not push(store, {"job": "b"}, b"c 1\n")
    group = store.groups[(("job", "b"),)]
    assert set(group.families) == {PUSH_TIME, PUSH_FAILURE_TIME}
    assert values(store, {"job": "b"}, PUSH_TIME) == [0.0]


def test_a_grouping_key_that_would_poison_the_store_is_not_created() -> None:
    store = Store()
    assert push(store, {"job": "b"}, b"x 1\n")
    # {job=b,instance=""} exposes the same timestamp series as {job=b}: Go stores it and breaks.
    result = store.push({"job": "b", "instance": ""}, parse_text(b"y 1\n"), replace=True, now_ns=NOW)
    assert not result.accepted
    assert "was collected before" in result.errors[0]
    assert result.changes == []
    assert list(store.groups) == [(("job", "b"),)]
    assert push(store, {"job": "c"}, b"x 2\n")


def test_non_utf8_grouping_value_is_refused_without_a_trace() -> None:
    store = Store()
    result = store.push({"job": "j", "x": "\udcff"}, parse_text(b"y 1\n"), replace=True, now_ns=NOW)
    assert not result.accepted and result.changes == []
    assert store.groups == {}


def test_le_grouping_label_on_a_histogram_is_refused() -> None:
    store = Store()
    assert not push(store, {"job": "j", "le": "5"}, b'# TYPE h histogram\nh_bucket{le="1"} 1\nh_count 1\n')
    assert (
        'explicit "le" label'
        in store.push(
            {"job": "j", "le": "5"}, parse_text(b"# TYPE h histogram\nh_count 1\n"), replace=True, now_ns=NOW
        ).errors[0]
    )


def test_pushed_push_time_is_always_replaced_failure_time_only_later() -> None:
    store = Store()
    assert push(store, {"job": "b"}, b"push_failure_time_seconds 5\npush_time_seconds 7\n")
    assert values(store, {"job": "b"}, PUSH_FAILURE_TIME) == [0.0]
    assert values(store, {"job": "b"}, PUSH_TIME) == [NOW / 1e9]
    assert push(store, {"job": "b"}, b"push_failure_time_seconds 6\n", replace=False)
    assert values(store, {"job": "b"}, PUSH_FAILURE_TIME) == [6.0]


def test_delete_family_keeps_push_time() -> None:
    store = Store()
    assert push(store, {"job": "a"}, b"x 1\ny 2\n")
    change = store.delete_family({"job": "a"}, "x")
    assert change is not None and change.removed == ("x",)
    assert set(store.groups[(("job", "a"),)].families) == {"y", PUSH_TIME, PUSH_FAILURE_TIME}
    assert values(store, {"job": "a"}, PUSH_TIME) == [NOW / 1e9]
    assert store.delete_family({"job": "a"}, "x") is None
    with pytest.raises(ValueError):
        store.delete_family({"job": "a"}, PUSH_TIME)


def test_own_metric_type_is_protected() -> None:
    store = Store({"process_cpu_seconds_total": (MetricType.COUNTER, "cpu")})
    assert not push(store, {"job": "a"}, b"# TYPE process_cpu_seconds_total gauge\nprocess_cpu_seconds_total 1\n")
    assert push(store, {"job": "b"}, b"# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total 1\n")


def test_sanitize_overrides_and_adds_instance() -> None:
    family = MetricFamily("x", MetricType.GAUGE, None, [Metric(labels=(("job", "body"), ("z", "1")), gauge=1)])
    sanitize(family, {"job": ("job", "url")})
    assert family.metrics[0].labels == (("instance", ""), ("job", "url"), ("z", "1"))


# ---------------------------------------------------------------- brute force = Go's full gather
def gather_errors(store: Store) -> list[str]:
    """Check the whole store the way client_golang's Gatherers.Gather would (deterministic variant)."""
    errors: list[str] = []
    types: dict[str, set[MetricType]] = {}
    nonempty: dict[str, set[MetricType]] = {}
    seen: Counter[tuple[str, tuple[tuple[str, str], ...]]] = Counter()
    for name, (mtype, _help) in store.own_families.items():
        types.setdefault(name, set()).add(mtype)
    for group in store.groups.values():
        for name, stored in group.families.items():
            family = stored.family
            types.setdefault(name, set()).add(family.type)
            if family.metrics:
                nonempty.setdefault(name, set()).add(family.type)
            errors.extend(family_errors(family))
            for metric in family.metrics:
                seen[(name, metric.labels)] += 1
    errors.extend(f"dup {k}" for k, n in seen.items() if n > 1)
    errors.extend(f"types {n}" for n, t in nonempty.items() if len(t) > 1)
    for name, ts in types.items():
        own = store.own_families.get(name)
        if own is not None and ts != {own[0]}:
            errors.append(f"own type {name}")
        split = suffix_base(name)
        if split and split[0] in types:
            base_types = types[split[0]]
            if MetricType.HISTOGRAM in base_types or (MetricType.SUMMARY in base_types and split[1] != "_bucket"):
                errors.append(f"suffix {name}")
    return errors


NAMES = ["a", "a_count", "a_sum", "a_bucket", "b", "push_failure_time_seconds"]
TYPES = ["counter", "gauge", "untyped", "summary", "histogram"]


@st.composite
def bodies(draw: st.DrawFn) -> bytes:
    lines = []
    for name in draw(st.lists(st.sampled_from(NAMES), max_size=3, unique=True)):
        mtype = draw(st.sampled_from(TYPES))
        lines.append(f"# TYPE {name} {mtype}")
        for label in draw(
            st.lists(
                st.sampled_from(["", '{l="1"}', '{l="2"}', '{instance="x"}', '{job="z"}', '{__bad="1"}']),
                min_size=1,
                max_size=2,
            )
        ):
            if mtype == "summary":
                lines.append(f"{name}_sum{label} 1")
            elif mtype == "histogram":
                lines.append(f"{name}_count{label} 1")
            else:
                lines.append(f"{name}{label} 1")
        if draw(st.booleans()) and draw(st.booleans()):
            lines.append(f"{name} 1 5")
    return ("\n".join(lines) + "\n").encode()


groupings = st.sampled_from(
    [{"job": "a"}, {"job": "b"}, {"job": "a", "instance": ""}, {"job": "a", "instance": "x"}, {"job": "c", "l": "1"}]
)
ops = st.lists(st.tuples(st.sampled_from(["put", "post", "delete"]), groupings, bodies()), max_size=12)


@settings(max_examples=400, deadline=None)
@given(ops)
def test_incremental_verdicts_equal_a_full_gather(sequence: list[tuple[str, dict[str, str], bytes]]) -> None:
    store = Store({"own_metric": (MetricType.GAUGE, "own")})
    for i, (op, grouping, body) in enumerate(sequence):
        now = NOW + i
        if op == "delete":
            store.delete(grouping)
        else:
            try:
                families = parse_text(body)
            except Exception:
                continue
            # What would the store look like if the push were applied without any check?
            naive = copy.deepcopy(store)
            naive.check = lambda *_args: []  # type: ignore[method-assign]
            naive_result = naive.push(grouping, copy.deepcopy(families), replace=op == "put", now_ns=now)
            assert naive_result.accepted or any("timestamps" in e for e in naive_result.errors)
            expected_ok = naive_result.accepted and not gather_errors(naive)
            result = store.push(grouping, families, replace=op == "put", now_ns=now)
            assert result.accepted == expected_ok, (op, grouping, body, result.errors, gather_errors(naive))
        assert gather_errors(store) == [], (op, grouping, body)
        # Indexes always equal a rebuild from scratch.
        rebuilt = Store(store.own_families)
        for group in store.groups.values():
            rebuilt.replay(Change(group.key, group.labels, dict(group.families), ()))
        for name, index in store.names.items():
            other = rebuilt.names[name]
            assert (index.type_counts, index.nonempty_type_counts, index.owners, set(index.groups)) == (
                other.type_counts,
                other.nonempty_type_counts,
                other.owners,
                set(other.groups),
            )
        assert set(store.names) == set(rebuilt.names)


def test_timestamp_family_labels() -> None:
    family = timestamp_family(PUSH_TIME, {"job": ("job", "j")}, 5.0)
    assert family.metrics[0].labels == (("instance", ""), ("job", "j"))
    assert PUSH_TIME in TIMESTAMP_FAMILIES
