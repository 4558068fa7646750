"""Delimited `io.prometheus.client.MetricFamily` streams, both ways, losing nothing a Pushgateway 1.11 keeps.

Decoding has two paths. The fast one reads the messages every client sends (a label pair with a
name and a value, a value message with a value, a classic summary or histogram with its fields in
order) straight into the model. Anything else in a value message (native-histogram fields, float
counts, exemplars, created timestamps, unknown or absent fields, fields out of order, a message
sent twice) takes the schema path (`canonical`): the typed view the text format and the API read,
plus the sub-message's canonical encoding in `Metric.extras`, which the encoder writes back. So a
family goes out byte for byte as 1.11 re-encodes it: known fields in field-number order, then
unknown ones. Family-level `unit` and unknown fields are dropped, as 1.11's scrape drops them.
Proto2 presence is kept (help `None` versus `""`, an explicit `schema: 0`).

The stream follows protodelim (1.11.0): a length prefix of up to ten bytes; a stream may only
end between messages; a declared length longer than the body is `unexpected EOF` at once.
"""

from __future__ import annotations

from bridge.errors import ProtobufError
from bridge.protocol import wire
from bridge.protocol.canonical import Node, decode, encode, message
from bridge.protocol.model import Histogram, Metric, MetricExtras, MetricFamily, MetricType, Summary
from bridge.protocol.native.histogram import NativeHistogram, Span
from bridge.protocol.wire import DOUBLE, fields, put_bytes, put_double, put_uint, put_varint

_VALID_TYPES = {int(t) for t in MetricType}
_VALUE_FIELDS = {2: "Gauge", 3: "Counter", 4: "Summary", 5: "Untyped", 7: "Histogram"}
_NATIVE_FIELDS = range(5, 15)


class UnsupportedType(ProtobufError):
    """A family whose `type` is not one of client_model's six."""


def _str(data: wire.Data, start: int, end: int) -> str:
    return bytes(data[start:end]).decode("utf-8", "surrogateescape")


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


# --------------------------------------------------------------------------- fast path
def _plain_label(data: wire.Data, start: int, end: int) -> tuple[str, str] | None:
    """`name` then `value`, one-byte lengths, nothing else: what every client sends."""
    if end - start < 4 or data[start] != 0x0A:
        return None
    name_len = data[start + 1]
    mid = start + 2 + name_len
    if name_len >= 0x80 or mid + 2 > end or data[mid] != 0x12:
        return None
    value_len = data[mid + 1]
    if value_len >= 0x80 or mid + 2 + value_len != end:
        return None
    return _str(data, start + 2, mid), _str(data, mid + 2, end)


def _plain_value(data: wire.Data, start: int, end: int) -> float | None:
    if end - start == 9 and data[start] == 0x09:
        value: float = DOUBLE.unpack_from(data, start + 1)[0]
        return value
    return None


def _plain_summary(data: wire.Data, start: int, end: int) -> Summary | None:
    """sample_count, sample_sum, then quantiles of a quantile and a value each; None for anything else."""
    summary = Summary()
    expected = 1
    for number, wtype, varint, vstart, vend in fields(data, start, end):
        if number == 1 and expected == 1 and wtype == 0:
            summary.sample_count = varint
            expected = 2
        elif number == 2 and expected == 2 and wtype == 1:
            summary.sample_sum = DOUBLE.unpack_from(data, vstart)[0]
            expected = 3
        elif number == 3 and expected == 3 and wtype == 2:
            if vend - vstart != 18 or data[vstart] != 0x09 or data[vstart + 9] != 0x11:
                return None
            summary.quantiles.append(
                (DOUBLE.unpack_from(data, vstart + 1)[0], DOUBLE.unpack_from(data, vstart + 10)[0])
            )
        else:
            return None
    return summary if expected == 3 else None


def _plain_histogram(data: wire.Data, start: int, end: int) -> Histogram | None:
    """sample_count, sample_sum, then buckets of a count and a bound each; None for anything else."""
    histogram = Histogram()
    expected = 1
    buckets = histogram.buckets
    for number, wtype, varint, vstart, vend in fields(data, start, end):
        if number == 3 and expected == 3 and wtype == 2:
            if vend - vstart < 11 or data[vstart] != 0x08:
                return None
            count, pos = wire.varint(data, vstart + 1, vend)
            if pos + 9 != vend or data[pos] != 0x11:
                return None
            buckets.append((DOUBLE.unpack_from(data, pos + 1)[0], count))
        elif number == 1 and expected == 1 and wtype == 0:
            histogram.sample_count = varint
            expected = 2
        elif number == 2 and expected == 2 and wtype == 1:
            histogram.sample_sum = DOUBLE.unpack_from(data, vstart)[0]
            expected = 3
        else:
            return None
    return histogram if expected == 3 else None


# --------------------------------------------------------------------------- schema path
def _summary_view(node: Node) -> Summary:
    quantiles = [(q.get(1, 0.0), q.get(2, 0.0)) for q in node.repeated(3)]
    return Summary(node.get(1, 0), node.get(2, 0.0), quantiles)


def _spans(nodes: list[Node]) -> tuple[Span, ...]:
    return tuple(Span(s.get(1, 0), s.get(2, 0)) for s in nodes)


def _histogram_view(node: Node) -> Histogram:
    """What the text format, the API and the TUI read of a Histogram message (Go's getters)."""
    buckets = node.repeated(3)
    histogram = Histogram(node.get(1, 0), node.get(2, 0.0), [(b.get(2, 0.0), b.get(1, 0)) for b in buckets])
    histogram.sample_count_float = node.get(4)
    if any(4 in b.values for b in buckets):
        histogram.bucket_floats = [b.get(4, 0.0) for b in buckets]
    values = node.values
    if any(n in values for n in _NATIVE_FIELDS):
        histogram.native = NativeHistogram(
            schema=node.get(5, 0),
            zero_threshold=node.get(6, 0.0),
            zero_count=node.get(7, 0),
            zero_count_float=node.get(8, 0.0),
            negative_spans=_spans(node.repeated(9)),
            negative_deltas=tuple(node.repeated(10)),
            negative_counts=tuple(node.repeated(11)),
            positive_spans=_spans(node.repeated(12)),
            positive_deltas=tuple(node.repeated(13)),
            positive_counts=tuple(node.repeated(14)),
        )
    return histogram


def _extras(metric: Metric) -> MetricExtras:
    if metric.extras is None:
        metric.extras = MetricExtras()
    return metric.extras


def _set_value(metric: Metric, number: int, data: wire.Data, spans: list[tuple[int, int]]) -> None:
    """Set value field `number` from its payloads (more than one: merged, as a repeated message is)."""
    if len(spans) == 1:
        start, end = spans[0]
        if number == 7:
            histogram = _plain_histogram(data, start, end)
            if histogram is not None:
                metric.histogram = histogram
                return
        elif number == 4:
            summary = _plain_summary(data, start, end)
            if summary is not None:
                metric.summary = summary
                return
        else:
            value = _plain_value(data, start, end)
            if value is not None:
                _set_scalar(metric, number, value)
                return
    spec = message(_VALUE_FIELDS[number])
    node: Node | None = None
    for start, end in spans:
        node = decode(spec, data, start, end, node)
    assert node is not None
    _extras(metric).values[number] = encode(node)
    if number == 7:
        metric.histogram = _histogram_view(node)
    elif number == 4:
        metric.summary = _summary_view(node)
    else:
        _set_scalar(metric, number, node.get(1, 0.0))


def _set_scalar(metric: Metric, number: int, value: float) -> None:
    if number == 2:
        metric.gauge = value
    elif number == 3:
        metric.counter = value
    else:
        metric.untyped = value


def _label(metric: Metric, data: wire.Data, start: int, end: int) -> tuple[str, str]:
    pair = _plain_label(data, start, end)
    if pair is not None:
        return pair
    node = decode(message("LabelPair"), data, start, end)
    name = _text(node.get(1, b""))
    value = node.get(2)
    if value is not None and not node.unknown:
        return name, _text(value)
    _extras(metric).labels[name] = (value is not None, bytes(node.unknown))
    return name, "" if value is None else _text(value)


def _decode_metric(data: wire.Data, start: int, end: int) -> Metric:
    metric = Metric()
    labels: list[tuple[str, str]] = []
    values: dict[int, list[tuple[int, int]]] | None = None
    unknown: bytearray | None = None
    tag_start = start
    for number, wtype, varint, vstart, vend in fields(data, start, end):
        if wtype == 2 and number == 1:
            labels.append(_label(metric, data, vstart, vend))
        elif wtype == 2 and number in _VALUE_FIELDS:
            if values is None:
                values = {}
            values.setdefault(number, []).append((vstart, vend))
        elif wtype == 0 and number == 6:
            metric.timestamp_ms = wire.signed64(varint)
        else:
            if unknown is None:
                unknown = bytearray()
            # protobuf-go writes an unknown field's tag again (shortest form) and keeps its value raw.
            wire.put_tag(unknown, number, wtype)
            unknown += data[wire.varint(data, tag_start, vend)[1] : vend]
        tag_start = vend
    if values is not None:
        for number, spans in values.items():
            _set_value(metric, number, data, spans)
    if unknown is not None:
        _extras(metric).unknown = bytes(unknown)
    metric.labels = tuple(labels)
    return metric


def decode_family(data: wire.Data) -> MetricFamily:
    """Decode one `MetricFamily` message (no length prefix).

    Raises:
        ProtobufError: malformed wire data.
        UnsupportedType: a `type` that is not one of client_model's six.

    """
    name = ""
    help_text: str | None = None
    type_value = 0
    metrics: list[Metric] = []
    for number, wtype, varint, vstart, vend in fields(data, 0, len(data)):
        if wtype == 2:
            if number == 4:
                metrics.append(_decode_metric(data, vstart, vend))
            elif number == 1:
                name = _str(data, vstart, vend)
            elif number == 2:
                help_text = _str(data, vstart, vend)
        elif number == 3 and wtype == 0:
            type_value = wire.signed32(varint)
    if type_value not in _VALID_TYPES:
        raise UnsupportedType(f"metric family {name!r} has unsupported type {type_value}")
    return MetricFamily(name=name, type=MetricType(type_value), help=help_text, metrics=metrics)


def _length_prefix(data: bytes, pos: int, size: int) -> tuple[int, int]:
    """The length prefix as protodelim reads it: up to ten bytes, then decode them as one varint."""
    length = 0
    for read in range(10):
        if pos >= size:
            raise ProtobufError("unexpected EOF")
        byte = data[pos]
        pos += 1
        if read == 9 and byte > 1:
            raise ProtobufError(wire.OVERFLOW)
        length |= (byte & 0x7F) << (7 * read)
        if byte < 0x80:
            return length, pos
    raise ProtobufError(wire.OVERFLOW)


def decode_delimited(data: bytes) -> dict[str, MetricFamily]:
    """Decode a varint-delimited stream; a later family of the same name replaces an earlier one.

    Raises:
        ProtobufError: a stream that ends inside a length prefix or a message (`unexpected EOF`),
            an overlong prefix, or a malformed message.

    """
    view = memoryview(data)
    families: dict[str, MetricFamily] = {}
    pos = 0
    size = len(data)
    while pos < size:
        length, pos = _length_prefix(data, pos, size)
        # Go allocates the declared length before reading it (and panics on a huge one); the body
        # is already here, so a length beyond it is the same `unexpected EOF`, without the allocation.
        if length > size - pos:
            raise ProtobufError("unexpected EOF")
        family = decode_family(view[pos : pos + length])
        families[family.name] = family
        pos += length
    return families


# --------------------------------------------------------------------------- encoding
def _value_message(value: float) -> bytes:
    out = bytearray()
    put_double(out, 1, value)
    return bytes(out)


def _label_pair(name: str, value: str, extra: tuple[bool, bytes] | None) -> bytes:
    pair = bytearray()
    put_bytes(pair, 1, name.encode("utf-8", "surrogateescape"))
    if extra is None or extra[0] or value:
        put_bytes(pair, 2, value.encode("utf-8", "surrogateescape"))
    if extra is not None:
        pair += extra[1]
    return bytes(pair)


def _summary_message(summary: Summary) -> bytes:
    out = bytearray()
    put_uint(out, 1, summary.sample_count)
    put_double(out, 2, summary.sample_sum)
    for quantile, qvalue in summary.quantiles:
        entry = bytearray()
        put_double(entry, 1, quantile)
        put_double(entry, 2, qvalue)
        put_bytes(out, 3, entry)
    return bytes(out)


def _span_messages(out: bytearray, number: int, spans: tuple[Span, ...]) -> None:
    for span in spans:
        entry = bytearray()
        put_uint(entry, 1, wire.zigzag(span.offset))
        put_uint(entry, 2, span.length)
        put_bytes(out, number, entry)


def _native_fields(out: bytearray, native: NativeHistogram) -> None:
    """Fields 5-14 of a native histogram built in code (client_golang sets schema, threshold and zero count)."""
    put_uint(out, 5, wire.zigzag(native.schema))
    put_double(out, 6, native.zero_threshold)
    put_uint(out, 7, native.zero_count)
    if native.zero_count_float:
        put_double(out, 8, native.zero_count_float)
    for number, spans, deltas, counts in (
        (9, native.negative_spans, native.negative_deltas, native.negative_counts),
        (12, native.positive_spans, native.positive_deltas, native.positive_counts),
    ):
        _span_messages(out, number, spans)
        for delta in deltas:
            put_uint(out, number + 1, wire.zigzag(delta))
        for count in counts:
            put_double(out, number + 2, count)


def _histogram_message(histogram: Histogram) -> bytes:
    out = bytearray()
    floats = histogram.bucket_floats
    if histogram.sample_count_float is None or histogram.sample_count:
        put_uint(out, 1, histogram.sample_count)
    put_double(out, 2, histogram.sample_sum)
    for index, (bound, count) in enumerate(histogram.buckets):
        entry = bytearray()
        if floats is None or count:
            put_uint(entry, 1, count)
        put_double(entry, 2, bound)
        if floats is not None:
            put_double(entry, 4, floats[index])
        put_bytes(out, 3, entry)
    if histogram.sample_count_float is not None:
        put_double(out, 4, histogram.sample_count_float)
    if histogram.native is not None:
        _native_fields(out, histogram.native)
    return bytes(out)


def encode_metric(metric: Metric) -> bytes:
    """Encode one `Metric` message: the pushed sub-messages as they were kept, the rest from the typed fields."""
    out = bytearray()
    extras = metric.extras
    kept = extras.values if extras is not None else {}
    extra_labels = extras.labels if extras is not None else {}
    for name, value in metric.labels:
        put_bytes(out, 1, _label_pair(name, value, extra_labels.get(name)))
    if metric.gauge is not None:
        put_bytes(out, 2, kept[2] if 2 in kept else _value_message(metric.gauge))
    if metric.counter is not None:
        put_bytes(out, 3, kept[3] if 3 in kept else _value_message(metric.counter))
    if metric.summary is not None:
        put_bytes(out, 4, kept[4] if 4 in kept else _summary_message(metric.summary))
    if metric.untyped is not None:
        put_bytes(out, 5, kept[5] if 5 in kept else _value_message(metric.untyped))
    if metric.timestamp_ms is not None:
        put_uint(out, 6, metric.timestamp_ms)
    if metric.histogram is not None:
        put_bytes(out, 7, kept[7] if 7 in kept else _histogram_message(metric.histogram))
    if extras is not None:
        out += extras.unknown
    return bytes(out)


def encode_family_header(name: str, help_text: str | None, mtype: MetricType) -> bytes:
    """The name, help and type fields of a `MetricFamily` (metrics are appended separately)."""
    out = bytearray()
    put_bytes(out, 1, name.encode("utf-8", "surrogateescape"))
    if help_text is not None:
        put_bytes(out, 2, help_text.encode("utf-8", "surrogateescape"))
    put_uint(out, 3, int(mtype))
    return bytes(out)


def metric_field(encoded_metric: bytes) -> bytes:
    """Wrap an encoded `Metric` as field 4 of a `MetricFamily`."""
    out = bytearray()
    put_bytes(out, 4, encoded_metric)
    return bytes(out)


def delimit(message: bytes) -> bytes:
    """Prefix a message with its varint length."""
    out = bytearray()
    put_varint(out, len(message))
    out += message
    return bytes(out)


def encode_family(family: MetricFamily) -> bytes:
    """Encode a whole `MetricFamily` message (no length prefix); `decode_family` gives the same family back."""
    parts = [encode_family_header(family.name, family.help, family.type)]
    parts.extend(metric_field(encode_metric(m)) for m in family.metrics)
    return b"".join(parts)


def encode_delimited(families: list[MetricFamily]) -> bytes:
    """Encode families as a varint-delimited stream, in the given order."""
    return b"".join(delimit(encode_family(f)) for f in families)
