"""What the differential run compares of an HTTP answer and of a gateway's state, as plain JSON data.

One normaliser serves three readers: the live comparison (Go against ours), the golden files
(Go's answers, recorded) and the in-process replay (ours against the golden files). The only
asymmetry is `resort`: Go's metric order within a family is random where label values tie, so
Go's side is sorted canonically, while ours must already be in that order.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from google.protobuf import text_format

from tests.support.metrics_pb import MetricFamily, parse_delimited

OWN_PREFIXES = ("go_", "process_", "pushgateway_", "python_", "promhttp_")
TIMESTAMP_FAMILIES = ("push_time_seconds", "push_failure_time_seconds")
PROTO_TYPE = "application/vnd.google.protobuf"
TEXT_FORMAT = "text/plain; version=0.0.4"
# Go's wording after this prefix names whichever conflicting series its map iteration met first.
INCONSISTENT = "pushed metrics are invalid or inconsistent with existing metrics"
# Transport details that differ between servers (and do not exist in-process).
UNCOMPARED_HEADERS = frozenset({"date", "content-length", "transfer-encoding", "connection", "keep-alive", "server"})

# A sample line; a name that is not legacy-valid is quoted inside the braces (1.11, escaping=allow-utf-8).
_SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*|(?=\{))(\{.*\})? (\S+)$")
_ITEM = re.compile(r'(?:([a-zA-Z_:][a-zA-Z0-9_:]*)|"((?:[^"\\]|\\.)*)")(?:="((?:[^"\\]|\\.)*)")?(?:,|\}$)')
_UNESCAPE = re.compile(r"\\(.)")
_FAMILY_START = re.compile(r"(?m)^(?=name:)")
_PROTO_NAME = re.compile(r'name:\s*"([^"]*)"')
_PROTO_GAUGE = re.compile(r"gauge \{ value: \S+ \}")


def _own(name: str) -> bool:
    return name.startswith(OWN_PREFIXES)


def _unescape(text: str) -> str:
    return _UNESCAPE.sub(lambda m: "\n" if m.group(1) == "n" else m.group(1), text)


def _labels(text: str | None) -> list[tuple[str, str]]:
    """Label pairs of an exposition line, names and values unescaped (gateways sort by the raw values).

    Names may be quoted; a quoted name without a value is the metric name (1.11's braces form).
    """
    if not text:
        return []
    pairs = []
    pos = 1
    while pos < len(text) - 1:
        item = _ITEM.match(text, pos)
        assert item is not None, f"unparsable label set {text!r}"
        bare, quoted, value = item.groups()
        if value is not None:
            pairs.append((bare if bare is not None else _unescape(quoted), _unescape(value)))
        pos = item.end()
    return pairs


def _series_order(pairs: list[tuple[str, str]]) -> tuple[Any, ...]:
    """Go's MetricSorter (label count, then values in order) with the names as the tie-break it lacks."""
    return (len(pairs), *(v for _, v in pairs), *(n for n, _ in pairs))


def normalise_metrics(text: str, *, resort: bool, drop_help_for: Iterable[str] = ()) -> list[str]:
    """Drop own metrics, zero/non-zero the push timestamps, optionally re-sort series blocks canonically."""
    drop_help = set(drop_help_for)
    families: list[tuple[str, list[str], list[list[str]]]] = []
    current: tuple[str, list[str], list[list[str]]] | None = None
    block_key: tuple[str, tuple[tuple[str, str], ...]] | None = None
    # The label that tells a histogram's (or summary's) lines of one series apart; in any other
    # family `le` and `quantile` are ordinary labels, and Go sorts by them as by any other.
    bucket_label: dict[str, str] = {}
    for line in text.split("\n"):
        if not line:
            continue
        if line.startswith("# HELP ") or line.startswith("# TYPE "):
            name = line.split(" ", 3)[2]
            if current is None or current[0] != name:
                current = (name, [], [])
                families.append(current)
                block_key = None
            if line.startswith("# TYPE "):
                kind = line.split(" ", 3)[3] if line.count(" ") >= 3 else ""
                bucket_label[name] = {"histogram": "le", "summary": "quantile"}.get(kind, "")
            if line.startswith("# HELP ") and name in drop_help:
                continue
            current[1].append(line)
            continue
        match = _SAMPLE.match(line)
        assert match is not None, f"unparsable exposition line {line!r}"
        assert current is not None
        name, label_text, value = match.groups()
        labels = _labels(label_text)
        base = tuple((n, v) for n, v in labels if n != bucket_label.get(current[0]))
        key = (current[0], base)
        if current[0] in TIMESTAMP_FAMILIES:
            value = "0" if value == "0" else "NONZERO"
        line = f"{name}{label_text or ''} {value}"
        if key != block_key:
            current[2].append([])
            block_key = key
        current[2][-1].append(line)
    out: list[str] = []
    for name, headers, blocks in families:
        if _own(name):
            continue
        out.extend(headers)
        if resort:

            def sort_key(block: list[str], special: str = bucket_label.get(name, "")) -> tuple[Any, ...]:
                m = _SAMPLE.match(block[0])
                assert m is not None
                return _series_order([(n, v) for n, v in _labels(m.group(2)) if n != special])

            blocks = sorted(blocks, key=sort_key)
        for block in blocks:
            out.extend(block)
    return out


def normalise_api(body: bytes) -> list[dict[str, Any]]:
    """Groups sorted by labels; time stamps and push timestamps reduced to what is deterministic."""
    data = json.loads(body)
    assert data["status"] == "success"
    groups = []
    for group in data["data"]:
        out: dict[str, Any] = {}
        for key, value in group.items():
            if key in ("labels", "last_push_successful"):
                out[key] = value
                continue
            family = dict(value)
            assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$", family.pop("time_stamp"))
            if key in TIMESTAMP_FAMILIES:
                family["metrics"] = [
                    {**m, "value": "0" if m.get("value") == "0" else "NONZERO"} for m in family["metrics"]
                ]
            out[key] = family
        groups.append(out)
    groups.sort(key=lambda g: json.dumps(g.get("labels"), sort_keys=True))
    return groups


def conflicting_helps(api_groups: list[dict[str, Any]]) -> set[str]:
    """Families whose HELP differs between groups (Go's /metrics HELP is random for those)."""
    helps: dict[str, set[str | None]] = {}
    for group in api_groups:
        for key, value in group.items():
            if isinstance(value, dict) and "metrics" in value:
                helps.setdefault(key, set()).add(value.get("help"))
    return {name for name, values in helps.items() if len(values) > 1}


def _proto_families(content_type: str, body: bytes) -> list[Any]:
    if "encoding=delimited" in content_type:
        return parse_delimited(body)
    families = []
    for chunk in _FAMILY_START.split(body.decode("utf-8")):
        # Own families are dropped unparsed: 1.11.0's carry fields this descriptor may lack (created_timestamp).
        name = _PROTO_NAME.match(chunk)
        if chunk.strip() and not (name and _own(name.group(1))):
            families.append(text_format.Parse(chunk, MetricFamily()))
    return families


def normalise_proto(content_type: str, body: bytes, *, resort: bool) -> list[str]:
    """A protobuf scrape (delimited, text or compact-text) as one line per family header and per metric."""
    out: list[str] = []
    for family in _proto_families(content_type, body):
        if _own(family.name):
            continue
        metrics = list(family.metric)
        if resort:
            metrics.sort(key=lambda m: _series_order([(p.name, p.value) for p in m.label]))
        del family.metric[:]
        out.append("family " + text_format.MessageToString(family, as_one_line=True))
        for metric in metrics:
            line = text_format.MessageToString(metric, as_one_line=True)
            if family.name in TIMESTAMP_FAMILIES and metric.gauge.value != 0:
                line = _PROTO_GAUGE.sub("gauge { value: NONZERO }", line)
            out.append(line)
    return out


def normalise_scrape(content_type: str, body: bytes, *, resort: bool) -> list[str]:
    """A /metrics body in whichever format was negotiated, without the servers' own metrics."""
    if content_type.startswith(PROTO_TYPE):
        return normalise_proto(content_type, body, resort=resort)
    return normalise_metrics(body.decode("utf-8", "replace"), resort=resort)


def normalise_status(body: bytes) -> dict[str, Any]:
    """/api/v1/status: its shape only (build information, flags and start time differ by design)."""
    data = json.loads(body)
    return {
        "status": data["status"],
        "data": sorted(data["data"]),
        "build_information": sorted(data["data"]["build_information"]),
    }


def normalise_body(status: int, content_type: str, body: bytes, *, resort: bool) -> Any:
    """The comparable part of a body: scrapes and API answers normalised, HTML skipped, text as is."""
    media = content_type.split(";", maxsplit=1)[0].strip()
    if status == 200 and (content_type.startswith(TEXT_FORMAT) or media == PROTO_TYPE):
        return {"scrape": normalise_scrape(content_type, body, resort=resort)}
    if status == 200 and media == "application/json":
        data = json.loads(body).get("data")
        if isinstance(data, list):
            return {"api/v1/metrics": normalise_api(body)}
        if isinstance(data, dict) and "build_information" in data:
            return {"api/v1/status": normalise_status(body)}
    if status == 200 and media == "text/html":
        return "<status page: not compared>"
    text = body.decode("utf-8", "backslashreplace")
    if text.startswith(INCONSISTENT + ":"):
        return INCONSISTENT + ": …"
    return text


def normalise_answer(status: int, headers: Mapping[str, str], body: bytes, *, resort: bool) -> dict[str, Any]:
    """Status, every header a client could act on, and the normalised body (already gunzipped)."""
    kept = {name: value for name, value in sorted(headers.items()) if name not in UNCOMPARED_HEADERS}
    return {
        "status": status,
        "headers": kept,
        "body": normalise_body(status, headers.get("content-type", ""), body, resort=resort),
    }


def normalise_state(
    api_body: bytes, metrics_status: int, metrics_body: bytes, metrics_type: str, *, resort: bool
) -> dict[str, Any]:
    """/api/v1/metrics and /metrics read after a case; HELP of families whose HELP conflicts is dropped."""
    api = normalise_api(api_body)
    state: dict[str, Any] = {"api/v1/metrics": api, "metrics status": metrics_status}
    if metrics_status == 200:
        text = metrics_body.decode("utf-8", "replace")
        assert metrics_type.startswith(TEXT_FORMAT), f"state scrape answered {metrics_type!r}"
        state["metrics"] = normalise_metrics(text, resort=resort, drop_help_for=conflicting_helps(api))
    return state
