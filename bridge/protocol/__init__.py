"""The wire codec every part of bridge (and pgwtui) speaks; pure: no I/O, no framework (an import contract).

One module per concern::

    model       MetricFamily, Metric, Summary, Histogram (+ native, float counts): client_model's data
    textparse   text format 0.0.4 → families, with expfmt's verdicts and line numbers
    textfast    the parser's fast lane: plain bodies in one pass, the line patterns every client writes
    textrender  families → text format 0.0.4, byte for byte as expfmt writes it
    protobuf    delimited `MetricFamily` messages, both ways, keeping all 1.11 keeps (fast paths + schema path)
    wire        protobuf wire primitives (varints, fields) and protobuf-go's error verdicts
    schema      client_model 0.6's messages as a table of field numbers, names and kinds
    canonical   any client_model message decoded by the schema, re-encoded as protobuf-go does
    prototext   protobuf-go's text format of families, for `encoding=text`/`compact-text` scrapes
    native/     native histograms: the bucket walk, Prometheus's bounds, 1.11's API buckets
    grouping    grouping keys ↔ `/metrics/job/…` URL paths (`@base64`, `U__`), and the grouping-label rule
    names       metric and label names: legacy and UTF-8 rules, the four escapings, `U__`, text quoting
    methods     PUT, POST, DELETE: what a push asks of the gateway
    formats     the media types of the text and protobuf formats, with `escaping=`
    durations   `90s`, `1h30m`: the one duration grammar, written Go's way or a user's
    floats      Go's strconv rules: parsing, 'g' formatting, float64 → uint64
    gostr       Go's `%q` quoting, for messages that read like the Go gateway's
"""
