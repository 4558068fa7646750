"""Protobuf text format (golang/protobuf 1.3 style) of metric families, for `encoding=text` scrapes."""

from __future__ import annotations

import math

from bridge.protocol.floats import format_g
from bridge.protocol.model import Metric, MetricFamily


def _quote(text: str) -> str:
    out = ['"']
    for byte in text.encode("utf-8", "surrogateescape"):
        if byte == 0x0A:
            out.append("\\n")
        elif byte == 0x0D:
            out.append("\\r")
        elif byte == 0x09:
            out.append("\\t")
        elif byte == 0x22:
            out.append('\\"')
        elif byte == 0x5C:
            out.append("\\\\")
        elif 0x20 <= byte < 0x7F:
            out.append(chr(byte))
        else:
            out.append(f"\\{byte:03o}")
    out.append('"')
    return "".join(out)


def _float(value: float) -> str:
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return format_g(value)


class _Writer:
    def __init__(self, compact: bool) -> None:
        self.compact = compact
        self.depth = 0
        self.out: list[str] = []

    def field(self, name: str, value: str) -> None:
        if self.compact:
            self.out.append(f"{name}:{value} ")
        else:
            self.out.append(f"{'  ' * self.depth}{name}: {value}\n")

    def open(self, name: str) -> None:
        if self.compact:
            self.out.append(f"{name}:<")
        else:
            self.out.append(f"{'  ' * self.depth}{name}: <\n")
        self.depth += 1

    def close(self) -> None:
        self.depth -= 1
        self.out.append("> " if self.compact else f"{'  ' * self.depth}>\n")


def _metric(w: _Writer, metric: Metric) -> None:
    for name, value in metric.labels:
        w.open("label")
        w.field("name", _quote(name))
        w.field("value", _quote(value))
        w.close()
    for field_name, scalar in (("gauge", metric.gauge), ("counter", metric.counter)):
        if scalar is not None:
            w.open(field_name)
            w.field("value", _float(scalar))
            w.close()
    if metric.summary is not None:
        w.open("summary")
        w.field("sample_count", str(metric.summary.sample_count))
        w.field("sample_sum", _float(metric.summary.sample_sum))
        for quantile, qvalue in metric.summary.quantiles:
            w.open("quantile")
            w.field("quantile", _float(quantile))
            w.field("value", _float(qvalue))
            w.close()
        w.close()
    if metric.untyped is not None:
        w.open("untyped")
        w.field("value", _float(metric.untyped))
        w.close()
    if metric.histogram is not None:
        w.open("histogram")
        w.field("sample_count", str(metric.histogram.sample_count))
        w.field("sample_sum", _float(metric.histogram.sample_sum))
        for bound, count in metric.histogram.buckets:
            w.open("bucket")
            w.field("cumulative_count", str(count))
            w.field("upper_bound", _float(bound))
            w.close()
        w.close()


def render_prototext(families: list[MetricFamily], *, compact: bool) -> bytes:
    """Every family as `proto.MarshalTextString` (or the compact form) would write it."""
    parts: list[str] = []
    for family in families:
        w = _Writer(compact)
        w.field("name", _quote(family.name))
        if family.help is not None:
            w.field("help", _quote(family.help))
        w.field("type", family.type.name)
        for metric in family.metrics:
            w.open("metric")
            _metric(w, metric)
            w.close()
        text = "".join(w.out)
        parts.append(text + "\n" if compact else text)
    return "".join(parts).encode("utf-8")
