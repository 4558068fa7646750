"""An independent protobuf implementation of io.prometheus.client 0.6 (google.protobuf, descriptor built here)."""

from __future__ import annotations

from typing import Any

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory, timestamp_pb2
from google.protobuf.internal import decoder, encoder

_F = descriptor_pb2.FieldDescriptorProto


def _build() -> dict[str, Any]:
    """client_model 0.6's metrics.proto, every field (native histograms, exemplars, created timestamps, unit)."""
    pool = descriptor_pool.DescriptorPool()
    timestamp = descriptor_pb2.FileDescriptorProto()
    timestamp_pb2.DESCRIPTOR.CopyToProto(timestamp)
    pool.Add(timestamp)
    fd = descriptor_pb2.FileDescriptorProto(
        name="test_metrics.proto",
        package="io.prometheus.client",
        syntax="proto2",
        dependency=["google/protobuf/timestamp.proto"],
    )

    def msg(name: str, *fields: tuple[str, int, int, int, str | None]) -> None:
        m = fd.message_type.add(name=name)
        for fname, number, ftype, label, type_name in fields:
            f = m.field.add(name=fname, number=number, type=ftype, label=label)
            if type_name:
                f.type_name = type_name

    opt, rep = _F.LABEL_OPTIONAL, _F.LABEL_REPEATED
    enum = fd.enum_type.add(name="MetricType")
    for i, n in enumerate(["COUNTER", "GAUGE", "SUMMARY", "UNTYPED", "HISTOGRAM", "GAUGE_HISTOGRAM"]):
        enum.value.add(name=n, number=i)
    p = ".io.prometheus.client."
    ts = ".google.protobuf.Timestamp"
    dbl, u64 = _F.TYPE_DOUBLE, _F.TYPE_UINT64
    msg("LabelPair", ("name", 1, _F.TYPE_STRING, opt, None), ("value", 2, _F.TYPE_STRING, opt, None))
    msg("Gauge", ("value", 1, dbl, opt, None))
    msg(
        "Exemplar",
        ("label", 1, _F.TYPE_MESSAGE, rep, p + "LabelPair"),
        ("value", 2, dbl, opt, None),
        ("timestamp", 3, _F.TYPE_MESSAGE, opt, ts),
    )
    msg(
        "Counter",
        ("value", 1, dbl, opt, None),
        ("exemplar", 2, _F.TYPE_MESSAGE, opt, p + "Exemplar"),
        ("created_timestamp", 3, _F.TYPE_MESSAGE, opt, ts),
    )
    msg("Quantile", ("quantile", 1, dbl, opt, None), ("value", 2, dbl, opt, None))
    msg(
        "Summary",
        ("sample_count", 1, u64, opt, None),
        ("sample_sum", 2, dbl, opt, None),
        ("quantile", 3, _F.TYPE_MESSAGE, rep, p + "Quantile"),
        ("created_timestamp", 4, _F.TYPE_MESSAGE, opt, ts),
    )
    msg("Untyped", ("value", 1, dbl, opt, None))
    msg(
        "Bucket",
        ("cumulative_count", 1, u64, opt, None),
        ("cumulative_count_float", 4, dbl, opt, None),
        ("upper_bound", 2, dbl, opt, None),
        ("exemplar", 3, _F.TYPE_MESSAGE, opt, p + "Exemplar"),
    )
    msg("BucketSpan", ("offset", 1, _F.TYPE_SINT32, opt, None), ("length", 2, _F.TYPE_UINT32, opt, None))
    msg(
        "Histogram",
        ("sample_count", 1, u64, opt, None),
        ("sample_count_float", 4, dbl, opt, None),
        ("sample_sum", 2, dbl, opt, None),
        ("bucket", 3, _F.TYPE_MESSAGE, rep, p + "Bucket"),
        ("created_timestamp", 15, _F.TYPE_MESSAGE, opt, ts),
        ("schema", 5, _F.TYPE_SINT32, opt, None),
        ("zero_threshold", 6, dbl, opt, None),
        ("zero_count", 7, u64, opt, None),
        ("zero_count_float", 8, dbl, opt, None),
        ("negative_span", 9, _F.TYPE_MESSAGE, rep, p + "BucketSpan"),
        ("negative_delta", 10, _F.TYPE_SINT64, rep, None),
        ("negative_count", 11, dbl, rep, None),
        ("positive_span", 12, _F.TYPE_MESSAGE, rep, p + "BucketSpan"),
        ("positive_delta", 13, _F.TYPE_SINT64, rep, None),
        ("positive_count", 14, dbl, rep, None),
        ("exemplars", 16, _F.TYPE_MESSAGE, rep, p + "Exemplar"),
    )
    msg(
        "Metric",
        ("label", 1, _F.TYPE_MESSAGE, rep, p + "LabelPair"),
        ("gauge", 2, _F.TYPE_MESSAGE, opt, p + "Gauge"),
        ("counter", 3, _F.TYPE_MESSAGE, opt, p + "Counter"),
        ("summary", 4, _F.TYPE_MESSAGE, opt, p + "Summary"),
        ("untyped", 5, _F.TYPE_MESSAGE, opt, p + "Untyped"),
        ("histogram", 7, _F.TYPE_MESSAGE, opt, p + "Histogram"),
        ("timestamp_ms", 6, _F.TYPE_INT64, opt, None),
    )
    msg(
        "MetricFamily",
        ("name", 1, _F.TYPE_STRING, opt, None),
        ("help", 2, _F.TYPE_STRING, opt, None),
        ("type", 3, _F.TYPE_ENUM, opt, p + "MetricType"),
        ("metric", 4, _F.TYPE_MESSAGE, rep, p + "Metric"),
        ("unit", 5, _F.TYPE_STRING, opt, None),
    )
    pool.Add(fd)
    names = [m.name for m in fd.message_type]
    return {m: message_factory.GetMessageClass(pool.FindMessageTypeByName("io.prometheus.client." + m)) for m in names}


_CLASSES = _build()
MetricFamily = _CLASSES["MetricFamily"]
Metric = _CLASSES["Metric"]
CLASSES: dict[str, Any] = _CLASSES
"""Every message class by its client_model name."""


def family(
    name: str, mtype: str | None = "COUNTER", help: str | None = None, metrics: list[dict[str, Any]] | None = None
) -> Any:
    """Build a MetricFamily message from plain data (`{"labels": {...}, "counter": 1.0}` and so on); no type field if `mtype` is None."""
    mf = MetricFamily(name=name)
    if mtype is not None:
        mf.type = mtype
    if help is not None:
        mf.help = help
    for spec in metrics or []:
        m = mf.metric.add()
        for k, v in spec.get("labels", {}).items():
            m.label.add(name=k, value=v)
        for kind in ("gauge", "counter", "untyped"):
            if kind in spec:
                getattr(m, kind).value = spec[kind]
        if "summary" in spec:
            s = spec["summary"]
            m.summary.sample_count = s.get("count", 0)
            m.summary.sample_sum = s.get("sum", 0.0)
            for q, v in s.get("quantiles", []):
                m.summary.quantile.add(quantile=q, value=v)
        if "histogram" in spec:
            h = spec["histogram"]
            m.histogram.sample_count = h.get("count", 0)
            m.histogram.sample_sum = h.get("sum", 0.0)
            for b, c in h.get("buckets", []):
                m.histogram.bucket.add(upper_bound=b, cumulative_count=c)
        if "timestamp_ms" in spec:
            m.timestamp_ms = spec["timestamp_ms"]
    return mf


def delimited(*families: Any) -> bytes:
    """Length-delimited stream, as Go's pbutil.WriteDelimited writes it."""
    out = b""
    for mf in families:
        data = mf.SerializeToString()
        out += encoder._VarintBytes(len(data)) + data
    return out


def parse_delimited(data: bytes) -> list[Any]:
    """Decode a delimited stream with google.protobuf."""
    out = []
    pos = 0
    while pos < len(data):
        size, pos = decoder._DecodeVarint32(data, pos)
        mf = MetricFamily()
        mf.ParseFromString(data[pos : pos + size])
        out.append(mf)
        pos += size
    return out


PROTO_CT = "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited"
