"""The read model of a Pushgateway, parsed from `/api/v1/metrics` only (pure: no I/O, no clock).

The grouping key of a group is exactly the `labels` object of its API entry: never rebuilt from
`/metrics` sample labels (that is how cleaners end up deleting the wrong group).

The answer is decoded one group at a time: each group keeps its entry as JSON text, and its
families are parsed only when someone looks at them. 10,000 groups are then ~10,000 small objects
instead of millions of dicts, which keeps the garbage collector from pausing the UI. msgspec splits
the answer into entries and reads of each entry only what a group row shows (the key, the
timestamps, the counts), skipping the series' labels and values in C; an answer (or an entry) it
will not read goes through the standard library's decoder, which sets what is accepted.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any

import msgspec

from bridge.protocol.grouping import GroupKey
from bridge.protocol.model import PUSH_FAILURE_TIME, PUSH_TIME, TIMESTAMP_FAMILIES
from pgwtui.errors import GatewayProtocolError
from pgwtui.labels import key_text

MAX_AGE_SUFFIX = "_max_age_seconds"
_FACTS = ("key", "last_push", "last_failure", "last_push_successful", "family_count", "series_count", "pushed_max_age")
_ENTRY_FIELDS = frozenset({"labels", "last_push_successful"})


@dataclass(frozen=True, slots=True)
class Series:
    """One series of a family, values as the gateway printed them (no precision lost)."""

    labels: tuple[tuple[str, str], ...]
    value: str | None = None
    count: str | None = None
    sum: str | None = None
    buckets: tuple[tuple[str, str], ...] = ()
    quantiles: tuple[tuple[str, str], ...] = ()
    native_buckets: tuple[tuple[int, str, str, str], ...] = ()
    """A native histogram's buckets as 1.11 lists them: (boundaries code, lower, upper, count)."""


@dataclass(frozen=True, slots=True)
class Family:
    """One metric family of a group."""

    name: str
    type: str
    help: str | None
    pushed_at: str
    series: tuple[Series, ...]

    @property
    def managed(self) -> bool:
        """Whether the gateway maintains this family itself (`push_time_seconds`, ...)."""
        return self.name in TIMESTAMP_FAMILIES


class Group(msgspec.Struct, frozen=True, gc=False):
    """One group: its grouping key, timestamps, counts, and its API entry as JSON text.

    Immutable and outside the cyclic garbage collector (`gc=False`: it refers to strings, tuples
    and frozensets only, so it can be in no reference cycle): 50,000 of them cost a collection
    nothing, and building one is a C call.
    """

    key: GroupKey
    last_push: float | None
    last_failure: float | None
    last_push_successful: bool
    family_count: int
    series_count: int
    pushed_max_age: tuple[str, float] | None
    raw: str = "{}"
    """The group's `/api/v1/metrics` entry, verbatim (decoded on demand by `families`)."""
    family_names: frozenset[str] = frozenset()
    text: str = ""
    """The key as one line (`labels.key_text`), computed once while parsing."""

    def __repr__(self) -> str:
        facts = ", ".join(f"{name}={value!r}" for name, value in zip(_FACTS, self._facts(), strict=True))
        return f"Group({facts}, text={self.text!r})"

    def __eq__(self, other: object) -> bool:
        """The facts about the group (not the entry text it was read from, nor the cached key text)."""
        if not isinstance(other, Group):
            return NotImplemented
        return self._facts() == other._facts()

    def __hash__(self) -> int:
        return hash(self._facts())

    def _facts(self) -> tuple[object, ...]:
        return (
            self.key,
            self.last_push,
            self.last_failure,
            self.last_push_successful,
            self.family_count,
            self.series_count,
            self.pushed_max_age,
        )

    @property
    def labels(self) -> dict[str, str]:
        """The grouping labels as a dict."""
        return dict(self.key)

    @property
    def job(self) -> str:
        """The `job` label (every group has one)."""
        for name, value in self.key:
            if name == "job":
                return value
        return ""

    @property
    def failed(self) -> bool:
        """Whether the last push to this group failed."""
        return not self.last_push_successful

    def families(self) -> tuple[Family, ...]:
        """Every family, user families first (by name), then the gateway's timestamps."""
        entry = json.loads(self.raw)
        parsed = [_family(name, body) for name, body in entry.items() if name not in _ENTRY_FIELDS]
        parsed.sort(key=lambda f: (f.managed, f.name))
        return tuple(parsed)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything one read of `/api/v1/metrics` returned.

    `unreadable` counts entries whose grouping key cannot be trusted (on the Go gateway a family
    named `labels` overwrites the key); they are left out, never guessed at.
    """

    groups: tuple[Group, ...]
    fetched_at: float
    unreadable: int = 0


_DECODER = json.JSONDecoder()
_SPACE = frozenset(" \t\n\r")
_HEAD = 240
"""How much of an entry's text keys the lookup of unchanged entries (the grouping labels are usually in it)."""
_TRIES = 8
"""At most this many earlier entries with the same head are compared before decoding the entry."""
_SHUFFLED = 64
"""Entries not where expected, beyond which the earlier ones are indexed by head (at least 1/64 of them)."""
_MAX_NAME_SETS = 4096


def _skip(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in _SPACE:
        pos += 1
    return pos


def _expect(text: str, pos: int, char: str) -> int:
    pos = _skip(text, pos)
    if pos >= len(text) or text[pos] != char:
        raise ValueError(f"expected {char!r} at offset {pos}")
    return pos + 1


def _entries(text: str, take: Callable[[str, int], int]) -> object:
    """Walk the top level; `take` consumes the `data` entry starting at an offset and returns its end; return `status`."""
    status: object = None
    seen_data = False
    pos = _expect(text, 0, "{")
    pos = _skip(text, pos)
    if text.startswith("}", pos):
        raise ValueError("no `data` list")
    while True:
        name, pos = _DECODER.raw_decode(text, _skip(text, pos))
        pos = _expect(text, pos, ":")
        pos = _skip(text, pos)
        if name == "data" and text.startswith("[", pos):
            seen_data = True
            pos = _skip(text, pos + 1)
            if text.startswith("]", pos):
                pos += 1
            else:
                while True:
                    pos = _skip(text, take(text, _skip(text, pos)))
                    if text.startswith("]", pos):
                        pos += 1
                        break
                    pos = _expect(text, pos, ",")
        else:
            value, pos = _DECODER.raw_decode(text, pos)
            if name == "status":
                status = value
        pos = _skip(text, pos)
        if text.startswith("}", pos):
            break
        pos = _expect(text, pos, ",")
    if _skip(text, pos + 1) != len(text):
        raise ValueError(f"extra data at offset {pos + 1}")
    if not seen_data:
        raise ValueError("no `data` list")
    return status


@dataclass(frozen=True, slots=True)
class Decoded:
    """One answer: its groups in the gateway's order, how many entries had no trustworthy key, how many were reused.

    `entries` (each entry's text) and `groups_of` (the Group of each entry, None when unreadable)
    are what the next decode of the same gateway compares against.
    """

    groups: list[Group]
    unreadable: int
    reused: int
    entries: Sequence[str] = ()
    groups_of: Sequence[Group | None] = ()
    names: Mapping[frozenset[str], frozenset[str]] = field(default_factory=dict, repr=False)
    """Family-name sets seen, each once: the next decode gives its new groups these same objects."""


NOTHING = Decoded([], 0, 0)


def decode_groups(body: bytes | str, previous: Decoded = NOTHING) -> Decoded:
    """Decode an `/api/v1/metrics` answer, reusing the Group of every entry whose text is in `previous` unchanged.

    An entry's text is a complete JSON object: where the new answer has an earlier entry's exact
    text, that entry would be read exactly as before, so its Group is reused without decoding it.
    Entries are expected in the earlier order (our gateway keeps it); once many are not where
    expected (the Go gateway shuffles them), earlier entries are also looked up by their first
    characters. Anything else is decoded.

    Raises:
        GatewayProtocolError: not JSON, or not the shape a Pushgateway >= 1.2 sends.

    """
    reader = _Reader(previous)
    try:
        answer = _ANSWER.decode(body)
        pieces = [str(piece, "utf-8") for piece in answer.data]
    except (msgspec.MsgspecError, UnicodeDecodeError):
        return _decode_slowly(body, _Reader(previous))  # the standard library says what is wrong, or reads it
    status = answer.status
    if status != "success":
        raise GatewayProtocolError(f"/api/v1/metrics answered status {status!r}, not 'success'")
    names = reader.names
    try:
        for text in pieces:
            if reader.match(text, 0) is None:
                reader.add(text, _read_group(text, names))
    except ValueError:  # an entry msgspec split off that the standard library will not read
        return _decode_slowly(body, _Reader(previous))
    return reader.decoded()


def _decode_slowly(body: bytes | str, reader: _Reader) -> Decoded:
    """The standard library's decoder, walking the answer entry by entry (for what msgspec will not read)."""

    def take(text: str, start: int) -> int:
        old = reader.match(text, start)
        if old is not None:
            return start + len(old)
        entry, end = _DECODER.raw_decode(text, start)
        raw = text[start:end]
        reader.add(raw, parse_group(entry, raw, reader.names))
        return end

    try:
        text = body.decode("utf-8") if isinstance(body, bytes) else body
        status = _entries(text, take)
    except (ValueError, UnicodeDecodeError) as exc:
        raise GatewayProtocolError(
            f"/api/v1/metrics did not answer {{status: success, data: [...]}} JSON ({exc}); is this a Pushgateway?"
        ) from None
    if status != "success":
        raise GatewayProtocolError(f"/api/v1/metrics answered status {status!r}, not 'success'")
    return reader.decoded()


class _Reader:
    """One decode: the earlier answer to match entries against, and the entries and groups read so far."""

    def __init__(self, previous: Decoded) -> None:
        self._old_entries = previous.entries
        self._old_groups = previous.groups_of
        self.entries: list[str] = []
        self.groups_of: list[Group | None] = []
        self._expected = 0
        self._reused = 0
        self._misses = 0
        self._heads: dict[int, list[int]] | None = None
        self._shuffled = max(_SHUFFLED, len(self._old_entries) // _SHUFFLED)
        # Groups of one job push the same families: one frozenset for them all keeps the collector's work
        # small. Copied, so `previous` stays as it was; started afresh if it ever grows large.
        self.names = dict(previous.names) if len(previous.names) < _MAX_NAME_SETS else {}

    def match(self, text: str, start: int) -> str | None:
        """The earlier entry `text` holds at `start`, now taken with its Group; None when none is there."""
        old_entries = self._old_entries
        expected = self._expected
        if expected < len(old_entries) and text.startswith(old := old_entries[expected], start):
            self._take(expected, old)
            return old
        self._misses += 1
        if self._heads is None and self._misses > self._shuffled:
            heads: dict[int, list[int]] = {}
            for index, raw in enumerate(old_entries):
                heads.setdefault(hash(raw[:_HEAD]), []).append(index)
            self._heads = heads
        if self._heads:
            for index in self._heads.get(hash(text[start : start + _HEAD]), ())[:_TRIES]:
                if text.startswith(old := old_entries[index], start):
                    self._take(index, old)
                    return old
        return None

    def _take(self, index: int, old: str) -> None:
        self.entries.append(old)
        self.groups_of.append(self._old_groups[index])
        self._expected = index + 1
        self._reused += 1

    def add(self, raw: str, group: Group | None) -> None:
        """An entry decoded anew (None: its grouping key cannot be trusted)."""
        self.entries.append(raw)
        self.groups_of.append(group)
        self._expected += 1  # a re-pushed group keeps its place: expect the one after it next

    def decoded(self) -> Decoded:
        """What was read."""
        groups_of = self.groups_of
        groups = [g for g in groups_of if g is not None]
        return Decoded(groups, len(groups_of) - len(groups), self._reused, self.entries, groups_of, self.names)


class _Answer(msgspec.Struct):
    data: list[msgspec.Raw]
    status: Any = None


class _Series(msgspec.Struct, gc=False):
    value: Any = None


class _Family(msgspec.Struct):
    metrics: list[_Series] = []


class _Entry(msgspec.Struct):
    labels: dict[str, str]
    last_push_successful: Any = True


_ANSWER = msgspec.json.Decoder(_Answer)
_ENTRY = msgspec.json.Decoder(_Entry)
_FAMILIES = msgspec.json.Decoder(dict[str, _Family | bool])


def _read_group(raw: str, names: dict[frozenset[str], frozenset[str]]) -> Group | None:
    """`parse_group` of one entry's text, reading only the fields a Group holds (the standard library for odd ones)."""
    try:
        entry = _ENTRY.decode(raw)
        families = _FAMILIES.decode(raw)
    except msgspec.MsgspecError:
        return parse_group(json.loads(raw), raw, names)  # not the shape both gateways send: as parse_group reads it
    labels = entry.labels
    if not labels.get("job"):
        return None
    shape = _shape(tuple(families))
    series_count = _series_count(families, shape)
    if series_count is None:
        return parse_group(
            json.loads(raw), raw, names
        )  # `true` where a family belongs: not one, as parse_group reads it
    family_count, found = len(shape.counted), shape.names
    max_age = _max_age(families, shape.max_ages) if shape.max_ages else None
    key: GroupKey = tuple(sorted(labels.items()))
    return Group(
        key=key,
        last_push=_stamp(families.get(PUSH_TIME)),
        last_failure=_stamp(families.get(PUSH_FAILURE_TIME)),
        last_push_successful=entry.last_push_successful is not False,
        family_count=family_count,
        series_count=series_count,
        pushed_max_age=max_age,
        raw=raw,
        family_names=names.setdefault(found, found),
        text=key_text(key),
    )


class _Shape(msgspec.Struct, frozen=True, gc=False):
    """What an entry's keys say, the same for every group of a job: which families count, which give a maximum age."""

    names: frozenset[str]
    """Every family (the timestamps too)."""
    counted: tuple[str, ...]
    """The families the counts are of (not the timestamps)."""
    max_ages: tuple[str, ...]
    """The counted families named `*_max_age_seconds`."""


_SHAPES: dict[tuple[str, ...], _Shape] = {}
_MAX_SHAPES = 4096
_METRICS = attrgetter("metrics")


def _shape(keys: tuple[str, ...]) -> _Shape:
    shape = _SHAPES.get(keys)
    if shape is None:
        names = [k for k in keys if k not in _ENTRY_FIELDS]
        counted = tuple(k for k in names if k not in TIMESTAMP_FAMILIES)
        shape = _Shape(frozenset(names), counted, tuple(k for k in counted if k.endswith(MAX_AGE_SUFFIX)))
        if len(_SHAPES) >= _MAX_SHAPES:
            _SHAPES.clear()
        _SHAPES[keys] = shape
    return shape


def _series_count(families: dict[str, _Family | bool], shape: _Shape) -> int | None:
    """The series of the counted families (C-level passes); None when one of the entry's families is `true`."""
    if isinstance(families.get(PUSH_TIME), bool) or isinstance(families.get(PUSH_FAILURE_TIME), bool):
        return None
    try:
        return sum(map(len, map(_METRICS, map(families.__getitem__, shape.counted))))
    except AttributeError:  # a counted family that is `true` (a bool has no metrics)
        return None


def _max_age(families: dict[str, _Family | bool], names: tuple[str, ...]) -> tuple[str, float] | None:
    """The smallest positive `*_max_age_seconds` value, and its family."""
    found: tuple[str, float] | None = None
    for name in names:
        metrics = families[name].metrics  # type: ignore[union-attr]  # counted: not a bool
        value = _number(metrics[0].value) if metrics else None
        if value is not None and value > 0 and (found is None or value < found[1]):
            found = (name, value)
    return found


def _stamp(family: _Family | bool | None) -> float | None:
    """`_timestamp` of a family msgspec read."""
    if family is None or isinstance(family, bool) or not family.metrics:
        return None
    value = _number(family.metrics[0].value)
    return value if value is not None and value > 0 else None


def _number(value: object) -> float | None:
    """A series value as `_first_value` reads it: a number or a numeric string, NaN and anything else None."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def parse_groups(body: bytes | str) -> tuple[list[Group], int]:
    """Parse the groups of an `/api/v1/metrics` answer, and count entries with no trustworthy key.

    Raises:
        GatewayProtocolError: not JSON, or not the shape a Pushgateway >= 1.2 sends.

    """
    decoded = decode_groups(body)
    return decoded.groups, decoded.unreadable


def parse_group(
    entry: object, raw: str | None = None, names: dict[frozenset[str], frozenset[str]] | None = None
) -> Group | None:
    """Read one API entry as a Group, or None when its grouping key cannot be trusted.

    `names` shares equal family-name sets between groups (one object for every group of a job).
    """
    if not isinstance(entry, dict):
        return None
    labels = entry.get("labels")
    if not isinstance(labels, dict) or not labels.get("job"):
        return None
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in labels.items()):
        return None
    key: GroupKey = tuple(sorted(labels.items()))
    family_count = 0
    series_count = 0
    max_age: tuple[str, float] | None = None
    found = []
    for name, body in entry.items():
        if name in _ENTRY_FIELDS or not isinstance(body, dict):
            continue
        found.append(name)
        if name in TIMESTAMP_FAMILIES:
            continue
        metrics = body.get("metrics")
        family_count += 1
        series_count += len(metrics) if isinstance(metrics, list) else 0
        if name.endswith(MAX_AGE_SUFFIX):
            value = _first_value(body)
            if value is not None and value > 0 and (max_age is None or value < max_age[1]):
                max_age = (name, value)
    return Group(
        key=key,
        last_push=_timestamp(entry.get(PUSH_TIME)),
        last_failure=_timestamp(entry.get(PUSH_FAILURE_TIME)),
        last_push_successful=entry.get("last_push_successful") is not False,
        family_count=family_count,
        series_count=series_count,
        pushed_max_age=max_age,
        raw=raw if raw is not None else json.dumps(entry),
        family_names=frozenset(found) if names is None else names.setdefault(fs := frozenset(found), fs),
        text=key_text(key),
    )


def _timestamp(body: object) -> float | None:
    """Read a gateway timestamp family's value; 0 (what a successful push stores as failure time) is None."""
    value = _first_value(body)
    return value if value is not None and value > 0 else None


def _first_value(body: object) -> float | None:
    """The value of a family's first series; None when there is none or it is not a number (or NaN)."""
    try:
        # JSON object keys are strings, so only a {"metrics": [{"value": ...}, ...]} gets through.
        value = float(body["metrics"][0]["value"])  # type: ignore[index]
    except (KeyError, IndexError, TypeError, ValueError):
        return None
    return None if math.isnan(value) else value


def _pairs(mapping: object) -> tuple[tuple[str, str], ...]:
    if not isinstance(mapping, dict):
        return ()
    return tuple((str(k), str(v)) for k, v in mapping.items())


def _sorted_numeric(pairs: Sequence[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    def bound(pair: tuple[str, str]) -> float:
        try:
            return float(pair[0])
        except ValueError:
            return math.inf

    return tuple(sorted(pairs, key=bound))


def _family(name: str, body: object) -> Family:
    if not isinstance(body, dict):
        return Family(name, "UNKNOWN", None, "", ())
    series: list[Series] = []
    for metric in body.get("metrics") or ():
        if not isinstance(metric, dict):
            continue
        labels = tuple(sorted(_pairs(metric.get("labels"))))
        buckets = metric.get("buckets")
        series.append(
            Series(
                labels=labels,
                value=_opt_str(metric.get("value")),
                count=_opt_str(metric.get("count")),
                sum=_opt_str(metric.get("sum")),
                buckets=_sorted_numeric(_pairs(buckets)),
                quantiles=_sorted_numeric(_pairs(metric.get("quantiles"))),
                native_buckets=_native_buckets(buckets),
            )
        )
    help_text = body.get("help")
    return Family(
        name=name,
        type=str(body.get("type", "UNTYPED")),
        help=help_text if isinstance(help_text, str) else None,
        pushed_at=str(body.get("time_stamp", "")),
        series=tuple(series),
    )


def _native_buckets(value: object) -> tuple[tuple[int, str, str, str], ...]:
    """1.11's native bucket list (`[[boundaries, "lower", "upper", "count"], ...]`); anything else gives ()."""
    if not isinstance(value, list):
        return ()
    rows = []
    for entry in value:
        if isinstance(entry, list) and len(entry) == 4 and isinstance(entry[0], int):
            rows.append((entry[0], str(entry[1]), str(entry[2]), str(entry[3])))
    return tuple(rows)


def _opt_str(value: object) -> str | None:
    return None if value is None else str(value)
