"""Text exposition format 0.0.4 parser with the verdicts of Go's expfmt.TextParser (common 0.39, names as 0.67).

A body of plain lines is read in one pass by `textfast.parse_plain`; otherwise plain sample lines
take a regex fast path, and every other line goes through a byte-level state
machine that follows expfmt's states one for one, so line numbers, accepted quirks and the
order in which errors are found match the Go gateway.

Names are read as Pushgateway 1.11.3 reads them: quoted names (`"a.b"{x="y"}`, `{"a.b",x="y"}`,
`x{"a.b"="v"}`, `# HELP "a.b" …`), a metric name inside the braces, each name checked with the
legacy rule or (`utf8=True`, `--push.enable-utf8-names`) the UTF-8 one. Two deliberate
differences: a braces line without a metric name (`{}`, `{a="b"}`) is always `invalid metric
name` (1.11 panics, or appends the labels to the previous line's metric), and labels before the
name inside braces belong to that name's family (1.11 reads them with the previous line's type).
"""

from __future__ import annotations

import math
import re
import sys

from bridge.errors import ParseError
from bridge.protocol.floats import parse_float, to_uint64
from bridge.protocol.gostr import go_quote
from bridge.protocol.model import Histogram, Metric, MetricFamily, MetricType, Summary
from bridge.protocol.names import is_label_name, is_metric_name
from bridge.protocol.textfast import FAST_COMMENT, FAST_PAIR, FAST_SAMPLE, FAST_TYPES, parse_plain, shared_pair

_TYPES = {t.name: t for t in MetricType}
_TYPES["GAUGEHISTOGRAM"] = MetricType.GAUGE_HISTOGRAM
_HISTOGRAMS = (MetricType.HISTOGRAM, MetricType.GAUGE_HISTOGRAM)
_BLANK = frozenset(b" \t")
_LABEL_START = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
_LABEL_CONT = _LABEL_START | frozenset(b"0123456789")
_NAME_START = _LABEL_START | frozenset(b":")
_NAME_CONT = _LABEL_CONT | frozenset(b":")
_QUOTE = 0x22
_BACKSLASH = 0x5C
_EOF = -1
_NL = 0x0A


def _go_char(byte: int) -> str:
    """Go's %q of a single byte (as used in expfmt's messages)."""
    if byte == _EOF:
        return "'\\x00'"
    if byte == _NL:
        return "'\\n'"
    if byte == 0x09:
        return "'\\t'"
    if byte == 0x27:
        return "'\\''"
    if byte == 0x5C:
        return "'\\\\'"
    if 0x20 <= byte < 0x7F:
        return f"'{chr(byte)}'"
    return f"'\\x{byte:02x}'"


def _go_upper(token: bytes) -> str:
    """strings.ToUpper with Go's simple (one rune to one rune) case mapping."""
    text = token.decode("utf-8", "surrogateescape")
    if text.isascii():
        return text.upper()
    return "".join(up if len(up := ch.upper()) == 1 else ch for ch in text)


def _decode_utf8(raw: bytes) -> str | None:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


class _Fail(Exception):
    """Internal: stops the state machine; `message` None means premature end of input."""

    def __init__(self, message: str | None) -> None:
        super().__init__(message)
        self.message = message


class TextParser:
    """One-shot parser; create one per body."""

    def __init__(self, *, utf8: bool = False) -> None:
        self.utf8 = utf8
        """Names are checked with the UTF-8 rule (`--push.enable-utf8-names`), else the legacy one."""
        self.families: dict[str, MetricFamily] = {}
        self._types_set: set[str] = set()
        self._line = 0
        self._mf: MetricFamily | None = None
        self._metric: Metric | None = None
        self._summaries: dict[tuple[tuple[str, str], ...], Metric] = {}
        self._histograms: dict[tuple[tuple[str, str], ...], Metric] = {}
        self._cur_labels: dict[str, str] | None = None
        self._quantile = math.nan
        self._bucket = math.nan
        self._is_count = False
        self._is_sum = False
        self._label_names: set[str] = set()
        self._label_list: list[tuple[str, str]] = []
        self._pending_name = ""
        self._pending_special = False
        self._dup_pending = False
        self._braces = False  # a line that starts with `{`: its metric name is inside the braces
        self._named = False  # ... and it has been read
        self._unnamed_pairs: list[tuple[str, bytes]] = []  # labels before it
        self._plain = True  # the last name read had no quoted part (so it is a legacy name)
        self._data = b""
        self._pos = 0
        self._byte = 0

    # ----------------------------------------------------------------- entry point
    def parse(self, data: bytes) -> dict[str, MetricFamily]:
        """Parse a whole body.

        Raises:
            ParseError: the body is not valid text format 0.0.4 (with the 1-based line number).

        """
        self._data = data
        size = len(data)
        pos = 0
        try:
            while pos < size:
                end = data.find(b"\n", pos)
                if end < 0:
                    self._slow_line(pos)
                    break
                line = data[pos:end]
                if not (line and self._fast_line(line)):
                    self._slow_line(pos)
                pos = end + 1
        except _Fail as fail:
            message = "unexpected end of input stream" if fail.message is None else fail.message
            raise ParseError(self._line, message) from None
        for metric in self._histograms.values():
            if metric.histogram is not None:
                _normalise_histogram(metric.histogram)
        return {name: mf for name, mf in self.families.items() if mf.metrics}

    # ------------------------------------------------------------------- fast path
    def _fast_line(self, line: bytes) -> bool:
        if line[0] == 0x23:  # '#'
            return self._fast_comment(line)
        match = FAST_SAMPLE.match(line)
        if match is None:
            return False
        self._line += 1
        name, labels, value = match.groups()
        self._begin_sample(name.decode("ascii"))
        if labels:
            for lname, lvalue in FAST_PAIR.findall(labels):
                self._label_name(sys.intern(lname.decode("ascii")))
                self._label_value(lvalue)
        self._value(value)
        return True

    def _fast_comment(self, line: bytes) -> bool:
        """HELP and TYPE lines the byte machine would read the same way; anything else goes to it."""
        match = FAST_COMMENT.match(line)
        if match is None:
            return False
        keyword, name, text = match.groups()
        if keyword == b"TYPE":
            mtype = FAST_TYPES.get(text)
            if mtype is None:
                return False
            self._line += 1
            self._set_current_family(name.decode("ascii"))
            mf = self._mf
            assert mf is not None
            if mf.name in self._types_set:
                raise _Fail(f"second TYPE line for metric name {go_quote(mf.name)}, or TYPE reported after samples")
            mf.type = mtype
            self._types_set.add(mf.name)
            return True
        self._line += 1
        self._set_current_family(name.decode("ascii"))
        mf = self._mf
        assert mf is not None
        if mf.help is not None:
            raise _Fail(f"second HELP line for metric name {go_quote(mf.name)}")
        mf.help = text.decode("utf-8", "surrogateescape")
        return True

    # ------------------------------------------------------------ shared semantics
    def _set_current_family(self, name: str) -> None:
        self._is_count = self._is_sum = False
        families = self.families
        mf = families.get(name)
        if mf is not None:
            self._mf = mf
            return
        is_count = len(name) > 6 and name.endswith("_count")
        is_sum = len(name) > 4 and name.endswith("_sum")
        is_bucket = len(name) > 7 and name.endswith("_bucket")
        if is_count or is_sum:
            base = name[:-6] if is_count else name[:-4]
            mf = families.get(base)
            if mf is not None and mf.type in (MetricType.SUMMARY, *_HISTOGRAMS) and base in self._types_set:
                self._mf = mf
                self._is_count, self._is_sum = is_count, is_sum
                return
        elif is_bucket:
            mf = families.get(name[:-7])
            if mf is not None and mf.type in _HISTOGRAMS and name[:-7] in self._types_set:
                self._mf = mf
                return
        mf = MetricFamily(name=sys.intern(name), type=MetricType.UNTYPED, help=None)
        families[name] = mf
        self._mf = mf

    def _begin_sample(self, name: str) -> None:
        self._set_current_family(name)
        mf = self._mf
        assert mf is not None
        if mf.name not in self._types_set:
            self._types_set.add(mf.name)
        self._metric = Metric()
        self._label_names = set()
        self._label_list = []
        if mf.type is MetricType.SUMMARY or mf.type in _HISTOGRAMS:
            self._cur_labels = {"__name__": mf.name}
            self._quantile = math.nan
            self._bucket = math.nan
        else:
            self._cur_labels = None

    def _label_name(self, lname: str) -> None:
        mf = self._mf
        assert mf is not None
        if lname == "__name__":
            raise _Fail('label name "__name__" is reserved')
        special = (mf.type is MetricType.SUMMARY and lname == "quantile") or (mf.type in _HISTOGRAMS and lname == "le")
        self._pending_name = lname
        self._pending_special = special
        if not special:
            if lname in self._label_names:
                # Go checks duplicates only once it has seen the '='; the fast path has it.
                self._dup_pending = True
            else:
                self._dup_pending = False
                self._label_names.add(lname)
        else:
            self._dup_pending = False

    def _check_duplicate(self) -> None:
        if self._dup_pending:
            assert self._mf is not None
            raise _Fail(f"duplicate label names for metric {go_quote(self._mf.name)}")

    def _label_value(self, raw: bytes, *, checked_dup: bool = False) -> None:
        # A repeated name is only flagged by `_label_name`: Go reports it once the `=` is read. The byte
        # machine checks at the `=` (checked_dup=True); the fast path, whose regex already matched it, here.
        if not checked_dup:
            self._check_duplicate()
        value = _decode_utf8(raw)
        if value is None:
            raise _Fail(f"invalid label value {go_quote(raw)}")
        lname = self._pending_name
        mf = self._mf
        assert mf is not None
        if not self._pending_special:
            self._label_list.append(shared_pair(lname, sys.intern(value)))
        if mf.type is MetricType.SUMMARY:
            if lname == "quantile":
                try:
                    self._quantile = parse_float(value)
                except ValueError:
                    raise _Fail(f"expected float as value for 'quantile' label, got {go_quote(value)}") from None
            else:
                assert self._cur_labels is not None
                self._cur_labels[lname] = value
        elif mf.type in _HISTOGRAMS:
            if lname == "le":
                try:
                    self._bucket = parse_float(value)
                except ValueError:
                    raise _Fail(f"expected float as value for 'le' label, got {go_quote(value)}") from None
            else:
                assert self._cur_labels is not None
                self._cur_labels[lname] = value

    def _attach_metric(self) -> Metric:
        mf = self._mf
        metric = self._metric
        assert mf is not None and metric is not None
        metric.labels = tuple(self._label_list)
        if mf.type is MetricType.SUMMARY or mf.type in _HISTOGRAMS:
            assert self._cur_labels is not None
            signature = tuple(sorted(self._cur_labels.items()))
            table = self._summaries if mf.type is MetricType.SUMMARY else self._histograms
            existing = table.get(signature)
            if existing is not None:
                self._metric = existing
                return existing
            table[signature] = metric
        mf.metrics.append(metric)
        return metric

    def _value(self, token: bytes) -> None:
        metric = self._attach_metric()
        try:
            value = parse_float(token.decode("latin-1"))
        except ValueError:
            raise _Fail(f"expected float as value, got {go_quote(token)}") from None
        self._store_value(metric, value)

    def _store_value(self, metric: Metric, value: float) -> None:
        mf = self._mf
        assert mf is not None
        mtype = mf.type
        if mtype is MetricType.COUNTER:
            metric.counter = value
        elif mtype is MetricType.GAUGE:
            metric.gauge = value
        elif mtype is MetricType.UNTYPED:
            metric.untyped = value
        elif mtype is MetricType.SUMMARY:
            summary = metric.summary
            if summary is None:
                summary = metric.summary = Summary()
            if self._is_count:
                summary.sample_count = to_uint64(value)
            elif self._is_sum:
                summary.sample_sum = value
            elif not math.isnan(self._quantile):  # NaN: no `quantile` label on this line (as in expfmt)
                summary.quantiles.append((self._quantile, value))
        else:  # HISTOGRAM, GAUGE_HISTOGRAM
            histogram = metric.histogram
            if histogram is None:
                histogram = metric.histogram = Histogram()
            if self._is_count:
                count = _histogram_count(value)
                if count is not None:
                    histogram.sample_count = count
                elif value < 0:
                    raise _Fail(f"negative count for histogram {go_quote(mf.name)}")
                else:
                    histogram.sample_count_float = value
            elif self._is_sum:
                histogram.sample_sum = value
            elif not math.isnan(self._bucket):  # NaN: no `le` label on this line (as in expfmt)
                count = _histogram_count(value)
                floats = histogram.bucket_floats
                if count is None:
                    if value < 0:
                        raise _Fail(f"negative bucket population for histogram {go_quote(mf.name)}")
                    if floats is None:
                        floats = histogram.bucket_floats = [0.0] * len(histogram.buckets)
                    floats.append(value)
                elif floats is not None:
                    floats.append(0.0)
                histogram.buckets.append((self._bucket, 0 if count is None else count))

    # ------------------------------------------------------------ byte machine
    def _read(self) -> int:
        pos = self._pos
        if pos >= len(self._data):
            self._byte = _EOF
            return _EOF
        self._byte = self._data[pos]
        self._pos = pos + 1
        return self._byte

    def _skip_blank_tab(self) -> int:
        while True:
            byte = self._read()
            if byte == _EOF:
                raise _Fail(None)
            if byte not in _BLANK:
                return byte

    def _read_token_until_whitespace(self) -> bytes:
        data = self._data
        start = self._pos - 1
        byte = self._byte
        while byte != _EOF and byte not in _BLANK and byte != _NL:
            byte = self._read()
        end = self._pos - 1 if byte != _EOF else len(data)
        return data[start:end]

    def _read_name(self, *, label: bool) -> bytes:
        r"""Read a name as readTokenAsMetricName / readTokenAsLabelName do: bare, or with quoted parts (`"a.b"`).

        A `"` toggles quoting and is dropped (`foo"bar"` is `foobar`); quoted, every byte but a
        newline continues the name, with `\\`, `\n` and `\"` escapes; the closing quote ends it.
        """
        start_set, cont_set = (_LABEL_START, _LABEL_CONT) if label else (_NAME_START, _NAME_CONT)
        byte = self._byte
        self._plain = True
        if byte != _QUOTE:
            if byte not in start_set:
                return b""
            start = self._pos - 1
            while True:
                byte = self._read()
                if byte == _EOF:
                    raise _Fail(None)
                if byte not in cont_set:
                    break
            if byte != _QUOTE:
                return self._data[start : self._pos - 1]
            out = bytearray(self._data[start : self._pos - 1])
        else:
            out = bytearray()
        self._plain = False
        quoted = escaped = False
        while True:
            if escaped:
                if byte in (_BACKSLASH, _QUOTE):
                    out.append(byte)
                elif byte == ord("n"):
                    out.append(_NL)
                else:
                    raise _Fail(f"invalid escape sequence '\\{chr(byte)}'")
                escaped = False
            elif byte == _QUOTE:
                quoted = not quoted
                if not quoted:
                    if self._read() == _EOF:
                        raise _Fail(None)
                    return bytes(out)
            elif byte == _NL:
                what = "label name" if label else "metric name"
                raise _Fail(f"{what} {go_quote(bytes(out))} contains unescaped new-line")
            elif byte == _BACKSLASH:
                escaped = True
            else:
                out.append(byte)
            byte = self._read()
            if byte == _EOF:
                raise _Fail(None)
            if not quoted and byte not in cont_set and byte != _QUOTE:
                return bytes(out)

    def _metric_name(self, raw: bytes) -> str:
        """A metric name that selects or creates a family, checked with the parser's rule."""
        if self._plain and raw:
            return raw.decode("ascii")  # a bare name is a legacy name: valid under both rules
        name = raw.decode("utf-8", "surrogateescape")
        if not is_metric_name(name, utf8=self.utf8):
            raise _Fail(f"invalid metric name {go_quote(name)}")
        return name

    def _slow_line(self, pos: int) -> None:
        """Run expfmt's machine from the start of a line to the start of the next one."""
        self._pos = pos
        self._line += 1
        try:
            byte = self._skip_blank_tab()
        except _Fail:
            return  # End of input at the start of a line is the normal end.
        if byte == _NL:
            return
        if byte == ord("#"):
            self._comment()
            return
        if byte == ord("{"):
            self._braces_line()
            return
        self._sample()

    def _comment(self) -> None:
        byte = self._skip_blank_tab()
        if byte == _NL:
            return
        keyword = self._read_token_until_whitespace()
        if self._byte == _EOF:
            raise _Fail(None)
        if self._byte == _NL:
            return
        if keyword not in (b"HELP", b"TYPE"):
            while self._byte != _NL:
                if self._read() == _EOF:
                    raise _Fail(None)
            return
        self._skip_blank_tab()
        name = self._read_name(label=False)
        if self._byte == _NL:
            return
        if self._byte not in _BLANK:
            raise _Fail("invalid metric name in comment")
        self._set_current_family(self._metric_name(name))
        if self._skip_blank_tab() == _NL:
            return
        mf = self._mf
        assert mf is not None
        if keyword == b"HELP":
            if mf.help is not None:
                raise _Fail(f"second HELP line for metric name {go_quote(mf.name)}")
            mf.help = self._read_until_newline(escapes=True).decode("utf-8", "surrogateescape")
            return
        if mf.name in self._types_set:
            raise _Fail(f"second TYPE line for metric name {go_quote(mf.name)}, or TYPE reported after samples")
        token = self._read_until_newline(escapes=False)
        mtype = _TYPES.get(_go_upper(token))
        if mtype is None:
            raise _Fail(f"unknown metric type {go_quote(token)}")
        mf.type = mtype
        self._types_set.add(mf.name)

    def _read_until_newline(self, *, escapes: bool) -> bytes:
        out = bytearray()
        byte = self._byte
        escaped = False
        while True:
            if byte == _EOF:
                raise _Fail(None)
            if escapes and escaped:
                if byte in (_BACKSLASH, _QUOTE):  # `\"` in HELP: common 0.62 and later
                    out.append(byte)
                elif byte == ord("n"):
                    out.append(_NL)
                else:
                    raise _Fail(f"invalid escape sequence '\\{chr(byte)}'")
                escaped = False
            elif byte == _NL:
                return bytes(out)
            elif byte == 0x5C and escapes:
                escaped = True
            else:
                out.append(byte)
            byte = self._read()

    def _sample(self) -> None:
        self._braces = False
        name = self._read_name(label=False)
        if not name:
            raise _Fail("invalid metric name")
        self._begin_sample(self._metric_name(name))
        if self._byte in _BLANK:
            self._skip_blank_tab()
        if self._byte == ord("{"):
            self._labels()
        self._slow_value()

    def _braces_line(self) -> None:
        """A line that starts with `{`: the metric name is the one name inside not followed by `=`."""
        self._braces = True
        self._named = False
        self._unnamed_pairs = []
        self._labels()
        self._slow_value()

    def _name_in_braces(self, raw: bytes) -> None:
        """The metric name of a braces line: start its sample, then take the labels read before it."""
        if self._named:
            assert self._mf is not None
            raise _Fail(f"multiple metric names for metric {go_quote(self._mf.name)}")
        self._begin_sample(self._metric_name(raw))
        self._named = True
        for lname, value in self._unnamed_pairs:
            self._label_name(lname)
            self._check_duplicate()
            self._label_value(value, checked_dup=True)
        self._unnamed_pairs = []

    def _family_name(self) -> str:
        return self._mf.name if self._mf is not None else ""

    def _labels(self) -> None:
        braces = self._braces
        while True:
            byte = self._skip_blank_tab()
            if byte == ord("}"):
                if braces and not self._named:
                    raise _Fail("invalid metric name")
                self._skip_blank_tab()
                return
            raw_name = self._read_name(label=True)
            if not raw_name:
                raise _Fail(f"invalid label name for metric {go_quote(self._family_name())}")
            if self._byte in _BLANK:
                self._skip_blank_tab()
            if self._byte != ord("="):
                if not braces:
                    raise _Fail(f"expected '=' after label name, found {_go_char(self._byte)}")
                if self._byte in (ord(","), ord("}")):
                    self._name_in_braces(raw_name)
                    if self._byte == ord(","):
                        continue
                    self._skip_blank_tab()
                    return
                if self._named:
                    raise _Fail(f"multiple metric names for metric {go_quote(self._family_name())}")
                raise _Fail(f"unexpected end of metric name {_go_char(self._byte)}")
            plain = self._plain
            lname = sys.intern(raw_name.decode("ascii" if plain else "utf-8", "surrogateescape"))
            if lname == "__name__":
                raise _Fail('label name "__name__" is reserved')
            if not plain and not is_label_name(lname, utf8=self.utf8):
                raise _Fail(f"invalid label name {go_quote(lname)}")
            unnamed = braces and not self._named
            if not unnamed:
                self._label_name(lname)
                self._check_duplicate()
            if self._skip_blank_tab() != ord('"'):
                raise _Fail(f"expected '\"' at start of label value, found {_go_char(self._byte)}")
            raw = self._read_label_value()
            if unnamed:
                # Its family is not known yet: checked once the name is read (the value's UTF-8 now, as Go).
                if _decode_utf8(raw) is None:
                    raise _Fail(f"invalid label value {go_quote(raw)}")
                self._unnamed_pairs.append((lname, raw))
            else:
                self._label_value(raw, checked_dup=True)
            byte = self._skip_blank_tab()
            if byte == ord(","):
                continue
            if byte == ord("}"):
                if braces and not self._named:
                    raise _Fail("invalid metric name")
                self._skip_blank_tab()
                return
            raise _Fail(f"unexpected end of label value {go_quote(raw)}")

    def _read_label_value(self) -> bytes:
        out = bytearray()
        escaped = False
        while True:
            byte = self._read()
            if byte == _EOF:
                raise _Fail(None)
            if escaped:
                if byte in (0x22, 0x5C):
                    out.append(byte)
                elif byte == ord("n"):
                    out.append(_NL)
                else:
                    raise _Fail(f"invalid escape sequence '\\{chr(byte)}'")
                escaped = False
                continue
            if byte == 0x22:
                return bytes(out)
            if byte == _NL:
                raise _Fail(f"label value {go_quote(bytes(out))} contains unescaped new-line")
            if byte == 0x5C:
                escaped = True
            else:
                out.append(byte)

    def _slow_value(self) -> None:
        metric = self._attach_metric()
        token = self._read_token_until_whitespace()
        if self._byte == _EOF:
            # Go's reader hit the end inside the token: that is the error, whatever the token says.
            raise _Fail(None)
        try:
            value = parse_float(token.decode("latin-1"))
        except ValueError:
            raise _Fail(f"expected float as value, got {go_quote(token)}") from None
        self._store_value(metric, value)
        if self._byte == _NL:
            return
        self._skip_blank_tab()
        token = self._read_token_until_whitespace()
        if self._byte == _EOF:
            raise _Fail(None)
        try:
            metric.timestamp_ms = _parse_int64(token)
        except ValueError:
            raise _Fail(f"expected integer as timestamp, got {go_quote(token)}") from None
        rest = self._read_until_newline(escapes=False)
        if rest:
            raise _Fail(f"spurious string after timestamp: {go_quote(rest)}")


def _histogram_count(value: float) -> int | None:
    """A histogram count as common >= 0.67 reads it: an integer iff `uint64(v)` gives `v` back, else a float."""
    count = to_uint64(value)
    return count if float(count) == value else None


def _normalise_histogram(histogram: Histogram) -> None:
    """Like expfmt's normalizeHistogram: a histogram with any float count keeps every count as a float."""
    floats = histogram.bucket_floats
    if not histogram.sample_count_float and not (floats and any(floats)):
        return
    if not histogram.sample_count_float:
        histogram.sample_count_float = float(histogram.sample_count)
        histogram.sample_count = 0
    if floats is None:
        floats = histogram.bucket_floats = [0.0] * len(histogram.buckets)
    for index, (bound, count) in enumerate(histogram.buckets):
        if not floats[index]:
            floats[index] = float(count)
            histogram.buckets[index] = (bound, 0)


_INT = re.compile(rb"[+-]?[0-9]+\Z")


def _parse_int64(token: bytes) -> int:
    if not _INT.match(token):
        raise ValueError("invalid syntax")
    value = int(token)
    if not -(1 << 63) <= value < (1 << 63):
        raise ValueError("out of range")
    return value


def parse_text(data: bytes, *, utf8: bool = False) -> dict[str, MetricFamily]:
    """Parse a text-format body into families keyed by name (empty families dropped).

    `utf8`: check names with the UTF-8 rule (`--push.enable-utf8-names`) rather than the legacy one.

    Raises:
        ParseError: with the 1-based line number, as expfmt reports it.

    """
    families = parse_plain(data)
    if families is not None:
        return families
    return TextParser(utf8=utf8).parse(data)
