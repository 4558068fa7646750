"""`encoding=text` and `compact-text`: what the 1.11.0 binary printed for these families, single-spaced.

The expected texts were read from the real Pushgateway 1.11.0 (Debian build), whose protobuf-go
puts a second space after every `name:` (multi-line) and between fields (one line); with those
collapsed they are ours byte for byte. tests/differential/cases_native.py re-checks it live.
"""

from __future__ import annotations

import math
import struct

from bridge.protocol.model import Metric, MetricFamily, MetricType
from bridge.protocol.protobuf import decode_family
from bridge.protocol.prototext import quote, render_prototext
from tests.support import metrics_pb


def _native_family() -> MetricFamily:
    mf = metrics_pb.MetricFamily(name="nh", help="native", type=4)
    m = mf.metric.add()
    for name, value in (("a", "1"), ("instance", ""), ("job", "p")):
        m.label.add(name=name, value=value)
    h = m.histogram
    h.sample_count, h.sample_sum = 4, 5
    bucket = h.bucket.add(cumulative_count=2, upper_bound=1)
    bucket.exemplar.value = 0.5
    bucket.exemplar.label.add(name="t", value="b")
    h.created_timestamp.seconds, h.created_timestamp.nanos = 1690000002, 7
    h.schema, h.zero_threshold, h.zero_count = 0, 0.001, 0
    h.negative_span.add(offset=-2, length=1)
    h.negative_delta.append(1)
    h.positive_span.add(offset=0, length=2)
    h.positive_delta.extend([4, -1])
    exemplar = h.exemplars.add(value=0.7)
    exemplar.label.add(name="t", value="n1")
    exemplar.timestamp.seconds = 1700000001
    return decode_family(mf.SerializeToString())


NATIVE_TEXT = """name: "nh"
help: "native"
type: HISTOGRAM
metric: {
  label: {
    name: "a"
    value: "1"
  }
  label: {
    name: "instance"
    value: ""
  }
  label: {
    name: "job"
    value: "p"
  }
  histogram: {
    sample_count: 4
    sample_sum: 5
    bucket: {
      cumulative_count: 2
      upper_bound: 1
      exemplar: {
        label: {
          name: "t"
          value: "b"
        }
        value: 0.5
      }
    }
    created_timestamp: {
      seconds: 1690000002
      nanos: 7
    }
    schema: 0
    zero_threshold: 0.001
    zero_count: 0
    negative_span: {
      offset: -2
      length: 1
    }
    negative_delta: 1
    positive_span: {
      offset: 0
      length: 2
    }
    positive_delta: 4
    positive_delta: -1
    exemplars: {
      label: {
        name: "t"
        value: "n1"
      }
      value: 0.7
      timestamp: {
        seconds: 1700000001
      }
    }
  }
}

"""

NATIVE_COMPACT = (
    'name:"nh" help:"native" type:HISTOGRAM metric:{label:{name:"a" value:"1"} label:{name:"instance" value:""} '
    'label:{name:"job" value:"p"} histogram:{sample_count:4 sample_sum:5 bucket:{cumulative_count:2 upper_bound:1 '
    'exemplar:{label:{name:"t" value:"b"} value:0.5}} created_timestamp:{seconds:1690000002 nanos:7} schema:0 '
    "zero_threshold:0.001 zero_count:0 negative_span:{offset:-2 length:1} negative_delta:1 "
    "positive_span:{offset:0 length:2} positive_delta:4 positive_delta:-1 "
    'exemplars:{label:{name:"t" value:"n1"} value:0.7 timestamp:{seconds:1700000001}}}}\n'
)


def test_a_native_histogram_multi_line() -> None:
    assert render_prototext([_native_family()], compact=False).decode() == NATIVE_TEXT


def test_a_native_histogram_on_one_line() -> None:
    assert render_prototext([_native_family()], compact=True).decode() == NATIVE_COMPACT


def test_float_histogram_fields_in_declaration_order() -> None:
    mf = metrics_pb.MetricFamily(name="fh", type=5)
    h = mf.metric.add().histogram
    h.sample_count_float, h.sample_sum, h.zero_count_float = 4.5, 5, 0.5
    h.bucket.add(cumulative_count_float=2.5, upper_bound=1)
    h.positive_span.add(offset=1, length=1)
    h.positive_count.append(1.25)
    text = render_prototext([decode_family(mf.SerializeToString())], compact=True).decode()
    assert text == (
        'name:"fh" type:GAUGE_HISTOGRAM metric:{histogram:{sample_count_float:4.5 sample_sum:5 '
        "bucket:{cumulative_count_float:2.5 upper_bound:1} zero_count_float:0.5 positive_span:{offset:1 length:1} "
        "positive_count:1.25}}\n"
    )


def _field(number: int, wire: int) -> bytes:
    """A field key (numbers below 2048)."""
    return bytes([number << 3 | wire]) if number < 16 else bytes([(number << 3 | wire) & 0x7F | 0x80, number >> 4])


def test_unknown_fields_values_and_escapes() -> None:
    help_raw = 'a\n\t"\\ é\x7f\x01\x1f\u0085\u00a0z'.encode() + b"\xff\xc3"
    label = b"\x0a\x01l\x12\x05v\xe2\x82\xac\x00"
    gauge = b"\x09" + struct.pack("<d", -0.0)
    unknown = (
        _field(90, 1)
        + struct.pack("<Q", 0x0102030405060708)  # fixed64
        + _field(91, 3)
        + b"\x08\x05\x12\x01q"
        + _field(91, 4)  # a group
        + _field(92, 2)
        + b"\x00"  # empty bytes
    )
    metric = b"\x0a" + bytes([len(label)]) + label + b"\x12\x09" + gauge + unknown
    other = b"\x0a\x06\x0a\x01k\x12\x012" + b"\x12\x09\x09" + struct.pack("<d", math.inf)
    other += b"\x1a\x09\x09" + struct.pack("<d", 1e21) + b"\x2a\x09\x09" + struct.pack("<d", 1e-7)
    data = (
        b"\x0a\x02zz\x12"
        + bytes([len(help_raw)])
        + help_raw
        + b"\x18\x01"
        + b"\x22"
        + bytes([len(other)])
        + other
        + b"\x22"
        + bytes([len(metric)])
        + metric
    )
    text = render_prototext([decode_family(data)], compact=True).decode("utf-8", "surrogateescape")
    assert text == (
        'name:"zz" help:"a\\n\\t\\"\\\\ é\\x7f\\x01\\x1f\\u0085\u00a0z\\xff\\xc3" type:GAUGE '
        'metric:{label:{name:"k" value:"2"} gauge:{value:inf} counter:{value:1e+21} untyped:{value:1e-07}} '
        'metric:{label:{name:"l" value:"v€\\x00"} gauge:{value:-0} 90:0x102030405060708 91:{1:5 2:"q"} 92:""}\n'
    )


def test_nan_and_empty_messages() -> None:
    family = MetricFamily("g", MetricType.GAUGE, None, [Metric(gauge=math.nan)])
    assert (
        render_prototext([family], compact=False)
        == b'name: "g"\ntype: GAUGE\nmetric: {\n  gauge: {\n    value: nan\n  }\n}\n\n'
    )
    empty = decode_family(b"\x0a\x01e\x18\x01\x22\x02\x12\x00")
    assert render_prototext([empty], compact=False) == b'name: "e"\ntype: GAUGE\nmetric: {\n  gauge: {}\n}\n\n'


def test_quote_is_protobuf_go_s() -> None:
    assert (
        quote(b"\x00\x10\x7f\xc2\x80\xc2\x9f\xc2\xa0\xed\xa0\x80")
        == '"\\x00\\x10\\x7f\\u0080\\u009f\u00a0\\xed\\xa0\\x80"'
    )
