"""The text parser's fast lane: the line patterns every client writes, and whole bodies of plain counters, gauges and untyped series.

`parse_plain` reads a body in one pass when every line is a `# HELP` without escapes, a
lower-case `# TYPE` of counter, gauge or untyped, or a sample line with legacy names, quoted
label values and no timestamp, and nothing in it is an error; it returns None for anything
else, and the caller runs the full parser (`textparse`), which owns every verdict and message.
What it returns is what the full parser returns for the same body (`tests/unit/bridge/protocol/
test_textfast.py` holds it to that).
"""

from __future__ import annotations

import re
import sys

from bridge.protocol.floats import parse_float
from bridge.protocol.model import Metric, MetricFamily, MetricType

FAST_SAMPLE = re.compile(
    rb"([a-zA-Z_:][a-zA-Z0-9_:]*)"
    rb'(?:\{((?:[a-zA-Z_][a-zA-Z0-9_]*="[^"\\]*"(?:,[a-zA-Z_][a-zA-Z0-9_]*="[^"\\]*")*,?)?)\})?'
    rb" ([^ \t]+)\Z"
)
FAST_PAIR = re.compile(rb'([a-zA-Z_][a-zA-Z0-9_]*)="([^"]*)"')
# `# HELP name text` without escapes and `# TYPE name type` in lower case: what every client writes.
FAST_COMMENT = re.compile(rb"# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) ([^ \t\\][^\\]*)\Z")
FAST_TYPES = {t.name.lower().encode(): t for t in MetricType}
# OpenMetrics' spelling of a gauge histogram is accepted too (common >= 0.67, upstream 1.11.2).
FAST_TYPES[b"gaugehistogram"] = MetricType.GAUGE_HISTOGRAM
_PLAIN_TYPES = {b"counter": MetricType.COUNTER, b"gauge": MetricType.GAUGE, b"untyped": MetricType.UNTYPED}

# Stored series share their label names, values and pairs with every other series that has the
# same ones (batch jobs push the same names and values from thousands of groups): interned
# strings, and one tuple per distinct pair. The pair cache is bounded and starts over when full.
_PAIRS: dict[tuple[str, str], tuple[str, str]] = {}
_MAX_PAIRS = 1 << 16


def shared_pair(name: str, value: str) -> tuple[str, str]:
    """The one tuple kept for this label pair (`name` already interned)."""
    pair = (name, value)
    shared = _PAIRS.get(pair)
    if shared is not None:
        return shared
    if len(_PAIRS) >= _MAX_PAIRS:
        _PAIRS.clear()
    _PAIRS[pair] = pair
    return pair


def parse_plain(data: bytes) -> dict[str, MetricFamily] | None:
    """The families of a body of plain lines (see the module docstring), or None: let the full parser read it."""
    if not data.endswith(b"\n"):
        return None
    families: dict[str, MetricFamily] = {}
    typed: set[str] = set()  # names whose TYPE may no longer come (a TYPE line or a sample seen)
    intern = sys.intern
    sample = FAST_SAMPLE.match
    comment = FAST_COMMENT.match
    pairs_of = FAST_PAIR.findall
    gauge, counter = MetricType.GAUGE, MetricType.COUNTER
    for line in data[:-1].split(b"\n"):
        if not line:
            return None
        if line[0] == 0x23:  # '#'
            match = comment(line)
            if match is None:
                return None
            keyword, raw_name, text = match.groups()
            name = raw_name.decode("ascii")
            mf = families.get(name)
            if mf is None:
                mf = families[name] = MetricFamily(name=intern(name), type=MetricType.UNTYPED, help=None)
            if keyword == b"TYPE":
                mtype = _PLAIN_TYPES.get(text)
                if mtype is None or name in typed:
                    return None
                mf.type = mtype
                typed.add(name)
            else:
                if mf.help is not None:
                    return None
                mf.help = text.decode("utf-8", "surrogateescape")
            continue
        match = sample(line)
        if match is None:
            return None
        raw_name, labels, raw_value = match.groups()
        name = raw_name.decode("ascii")
        mf = families.get(name)
        if mf is None:
            mf = families[name] = MetricFamily(name=intern(name), type=MetricType.UNTYPED, help=None)
        typed.add(name)
        pairs: list[tuple[str, str]] = []
        if labels:
            seen: set[str] = set()
            for raw_label, raw_label_value in pairs_of(labels):
                label = intern(raw_label.decode("ascii"))
                if label == "__name__" or label in seen:
                    return None
                seen.add(label)
                try:
                    label_value = raw_label_value.decode("utf-8")
                except UnicodeDecodeError:
                    return None
                pairs.append(shared_pair(label, intern(label_value)))
        try:
            value = parse_float(raw_value.decode("latin-1"))
        except ValueError:
            return None
        mtype = mf.type
        if mtype is counter:
            metric = Metric(labels=tuple(pairs), counter=value)
        elif mtype is gauge:
            metric = Metric(labels=tuple(pairs), gauge=value)
        else:
            metric = Metric(labels=tuple(pairs), untyped=value)
        mf.metrics.append(metric)
    return {name: mf for name, mf in families.items() if mf.metrics}
