"""Native-histogram pushes for the oracle tests, encoded by google.protobuf (independent of our codec)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from google.protobuf.internal import encoder

from bridge.protocol.native import NativeHistogram

_F = descriptor_pb2.FieldDescriptorProto
_PACKAGE = "io.prometheus.client"


def _classes() -> dict[str, Any]:
    """The part of client_model's metrics.proto a native-histogram push needs (field numbers as upstream)."""
    fd = descriptor_pb2.FileDescriptorProto(name="nativehist_test.proto", package=_PACKAGE, syntax="proto2")
    opt, rep = _F.LABEL_OPTIONAL, _F.LABEL_REPEATED
    ref = f".{_PACKAGE}."
    enum = fd.enum_type.add(name="MetricType")
    for number, name in enumerate(["COUNTER", "GAUGE", "SUMMARY", "UNTYPED", "HISTOGRAM", "GAUGE_HISTOGRAM"]):
        enum.value.add(name=name, number=number)
    layout: dict[str, list[tuple[str, int, int, int, str]]] = {
        "LabelPair": [("name", 1, _F.TYPE_STRING, opt, ""), ("value", 2, _F.TYPE_STRING, opt, "")],
        "BucketSpan": [("offset", 1, _F.TYPE_SINT32, opt, ""), ("length", 2, _F.TYPE_UINT32, opt, "")],
        "Histogram": [
            ("sample_count", 1, _F.TYPE_UINT64, opt, ""),
            ("sample_sum", 2, _F.TYPE_DOUBLE, opt, ""),
            ("sample_count_float", 4, _F.TYPE_DOUBLE, opt, ""),
            ("schema", 5, _F.TYPE_SINT32, opt, ""),
            ("zero_threshold", 6, _F.TYPE_DOUBLE, opt, ""),
            ("zero_count", 7, _F.TYPE_UINT64, opt, ""),
            ("zero_count_float", 8, _F.TYPE_DOUBLE, opt, ""),
            ("negative_span", 9, _F.TYPE_MESSAGE, rep, ref + "BucketSpan"),
            ("negative_delta", 10, _F.TYPE_SINT64, rep, ""),
            ("negative_count", 11, _F.TYPE_DOUBLE, rep, ""),
            ("positive_span", 12, _F.TYPE_MESSAGE, rep, ref + "BucketSpan"),
            ("positive_delta", 13, _F.TYPE_SINT64, rep, ""),
            ("positive_count", 14, _F.TYPE_DOUBLE, rep, ""),
        ],
        "Metric": [
            ("label", 1, _F.TYPE_MESSAGE, rep, ref + "LabelPair"),
            ("histogram", 7, _F.TYPE_MESSAGE, opt, ref + "Histogram"),
        ],
        "MetricFamily": [
            ("name", 1, _F.TYPE_STRING, opt, ""),
            ("help", 2, _F.TYPE_STRING, opt, ""),
            ("type", 3, _F.TYPE_ENUM, opt, ref + "MetricType"),
            ("metric", 4, _F.TYPE_MESSAGE, rep, ref + "Metric"),
        ],
    }
    for message, fields in layout.items():
        proto = fd.message_type.add(name=message)
        for name, number, ftype, label, type_name in fields:
            field = proto.field.add(name=name, number=number, type=ftype, label=label)
            if type_name:
                field.type_name = type_name
    pool = descriptor_pool.DescriptorPool()
    pool.Add(fd)
    return {m: message_factory.GetMessageClass(pool.FindMessageTypeByName(f"{_PACKAGE}.{m}")) for m in layout}


_CLASSES = _classes()


def family(
    name: str,
    native: NativeHistogram,
    *,
    sample_count: int = 0,
    sample_count_float: float = 0.0,
    sample_sum: float = 0.0,
    labels: Sequence[tuple[str, str]] = (),
) -> Any:
    """A HISTOGRAM family with one metric carrying `native` (fields left at zero are still sent)."""
    hist = _CLASSES["Histogram"](
        sample_count=sample_count,
        sample_sum=sample_sum,
        schema=native.schema,
        zero_threshold=native.zero_threshold,
        zero_count=native.zero_count,
    )
    if sample_count_float:
        hist.sample_count_float = sample_count_float
    if native.zero_count_float:
        hist.zero_count_float = native.zero_count_float
    for side in ("negative", "positive"):
        for span in getattr(native, f"{side}_spans"):
            getattr(hist, f"{side}_span").add(offset=span.offset, length=span.length)
        getattr(hist, f"{side}_delta").extend(getattr(native, f"{side}_deltas"))
        getattr(hist, f"{side}_count").extend(getattr(native, f"{side}_counts"))
    metric = _CLASSES["Metric"](histogram=hist)
    for lname, lvalue in labels:
        metric.label.add(name=lname, value=lvalue)
    return _CLASSES["MetricFamily"](name=name, type=4, metric=[metric])


def delimited(families: Sequence[Any]) -> bytes:
    """The body of a delimited-protobuf push."""
    out = bytearray()
    for fam in families:
        data = fam.SerializeToString()
        encoder._EncodeVarint(out.extend, len(data))
        out += data
    return bytes(out)


PROTOBUF_CONTENT_TYPE = "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited"
