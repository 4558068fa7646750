"""The vocabulary generated differential cases draw from (hypothesis in test_generated, a seeded generator in seeded)."""

from __future__ import annotations

NAMES = ["x", "y", "h", "s", "x_count", "h_bucket", "s_sum", "push_time_seconds"]
LABEL_SETS = [
    "",
    "{}",
    '{a="1"}',
    '{a="1",b="2"}',
    '{b="2",a="1"}',
    '{a="1",}',
    '{ a = "1" }',
    '{a="\\"q\\\\"}',
    '{a="1",a="2"}',
    '{le="1"}',
    '{le="+Inf"}',
    '{quantile="0.5"}',
    '{le="x"}',
    '{__x="1"}',
    '{a="\\n"}',
    '{instance="i"}',
    '{job="j"}',
    "{a=1}",
    '{a="1"',
]
VALUES = ["1", "0", "-0", "1.5", "NaN", "+Inf", "-inf", "1e3", ".5", "x", "", "1e400", "0x1", "7 123", "1 ", "1\t2"]
HELPS = ["text", "a\\nb", "bad \\t", "", "x y"]
TYPES = ["counter", "gauge", "untyped", "summary", "histogram", "GAUGE", "bogus", "gauge x"]
LINE_KINDS = ["sample"] * 6 + ["help", "type", "comment", "blank"]
SEPARATORS = [" ", " ", "\t", "  "]
COMMENTS = ["# just words", "#", "# EOF", "#HELP", "# TYPE"]
BLANKS = ["", "   ", "\t"]
ENDINGS = ["\n", "\n", "\n", "", "\r\n"]
BODY_PATHS = ["/metrics/job/g", "/metrics/job/g/instance/", "/metrics/job/g/a/9"]
OTHER_GROUP = ("/metrics/job/other", b"# TYPE x gauge\nx 5\n")

# No instance-less twins ({job=a} and {job=a,instance=""}): that is Go's poisoned store (test_deliberate).
GROUPS = [
    "/metrics/job/a",
    "/metrics/job/b",
    "/metrics/job/b/instance/i",
    "/metrics/job/a/instance/i",
    "/metrics/job@base64/Yw",
]
# A pushed (untyped) push_failure_time_seconds lets Go's failure path write a conflicting gauge into
# another group, which poisons its store (test_deliberate); the case tables cover it on its own.
SMALL_BODIES = [
    b"x 1\n",
    b"# TYPE x counter\nx 2\n",
    b"# TYPE x gauge\nx 3\n",
    b'x{l="1"} 1\n',
    b"y 1\nz 2\n",
    b"# TYPE s summary\ns_sum 1\n",
    b"s_count 1\n",
    b"x 1 5\n",
    b"",
    b"# HELP y other\ny 7\n",
]
