"""An independent protobuf implementation of io.prometheus.client (google.protobuf, descriptor built here)."""

from __future__ import annotations

from typing import Any

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from google.protobuf.internal import decoder, encoder

_F = descriptor_pb2.FieldDescriptorProto


def _build() -> dict[str, Any]:
    fd = descriptor_pb2.FileDescriptorProto(name="test_metrics.proto", package="io.prometheus.client", syntax="proto2")

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
    msg("LabelPair", ("name", 1, _F.TYPE_STRING, opt, None), ("value", 2, _F.TYPE_STRING, opt, None))
    msg("Gauge", ("value", 1, _F.TYPE_DOUBLE, opt, None))
    msg("Counter", ("value", 1, _F.TYPE_DOUBLE, opt, None))
    msg("Quantile", ("quantile", 1, _F.TYPE_DOUBLE, opt, None), ("value", 2, _F.TYPE_DOUBLE, opt, None))
    msg(
        "Summary",
        ("sample_count", 1, _F.TYPE_UINT64, opt, None),
        ("sample_sum", 2, _F.TYPE_DOUBLE, opt, None),
        ("quantile", 3, _F.TYPE_MESSAGE, rep, p + "Quantile"),
    )
    msg("Untyped", ("value", 1, _F.TYPE_DOUBLE, opt, None))
    msg("Bucket", ("cumulative_count", 1, _F.TYPE_UINT64, opt, None), ("upper_bound", 2, _F.TYPE_DOUBLE, opt, None))
    msg(
        "Histogram",
        ("sample_count", 1, _F.TYPE_UINT64, opt, None),
        ("sample_sum", 2, _F.TYPE_DOUBLE, opt, None),
        ("bucket", 3, _F.TYPE_MESSAGE, rep, p + "Bucket"),
    )
    msg(
        "Metric",
        ("label", 1, _F.TYPE_MESSAGE, rep, p + "LabelPair"),
        ("gauge", 2, _F.TYPE_MESSAGE, opt, p + "Gauge"),
        ("counter", 3, _F.TYPE_MESSAGE, opt, p + "Counter"),
        ("summary", 4, _F.TYPE_MESSAGE, opt, p + "Summary"),
        ("untyped", 5, _F.TYPE_MESSAGE, opt, p + "Untyped"),
        ("timestamp_ms", 6, _F.TYPE_INT64, opt, None),
        ("histogram", 7, _F.TYPE_MESSAGE, opt, p + "Histogram"),
    )
    msg(
        "MetricFamily",
        ("name", 1, _F.TYPE_STRING, opt, None),
        ("help", 2, _F.TYPE_STRING, opt, None),
        ("type", 3, _F.TYPE_ENUM, opt, p + "MetricType"),
        ("metric", 4, _F.TYPE_MESSAGE, rep, p + "Metric"),
    )
    pool = descriptor_pool.DescriptorPool()
    pool.Add(fd)
    return {
        m: message_factory.GetMessageClass(pool.FindMessageTypeByName("io.prometheus.client." + m))
        for m in ("MetricFamily", "Metric", "LabelPair")
    }


_CLASSES = _build()
MetricFamily = _CLASSES["MetricFamily"]


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
