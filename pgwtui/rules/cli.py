"""`pgwtui rules [--config FILE] [-o FILE]`: print (or write) the Prometheus rule file for the staleness rules."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from pgwtui import __version__
from pgwtui.config_file import environment, rules_inputs
from pgwtui.errors import PgwtuiError
from pgwtui.rules.render import render

EPILOG = """\
The [staleness] table gives one PushgatewayGroupStale alert per rule; [alerts] sets `for`,
severity, extra labels and the bridge thresholds (docs/alerts.md). Check the result with
`promtool check rules FILE`, then list FILE under `rule_files:` in prometheus.yml.
"""


def parser() -> argparse.ArgumentParser:
    """Build the `pgwtui rules` parser."""
    p = argparse.ArgumentParser(
        prog="pgwtui rules",
        description="Print Prometheus alerting rules for Pushgateway groups, from the pgwtui staleness rules.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--config", type=Path, metavar="FILE", help="TOML config file (default: the pgwtui config file)")
    p.add_argument(
        "-o", "--output", type=Path, metavar="FILE", help="write the rules here (atomically) instead of stdout"
    )
    return p


def write_atomically(path: Path, text: str) -> None:
    """Write `text` to a temporary file beside `path`, then rename it into place.

    Raises:
        OSError: the directory is not writable.

    """
    # mkstemp creates 0600; Prometheus usually runs as another user and must read the file.
    mode = path.stat().st_mode & 0o7777 if path.exists() else 0o644
    handle, staging = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.chmod(staging, mode)
        os.replace(staging, path)
    except BaseException:
        Path(staging).unlink(missing_ok=True)
        raise


def main(argv: Sequence[str]) -> int:
    """Print or write the rules; 2 on a configuration error, 1 when the file cannot be written."""
    args = parser().parse_args(list(argv))
    try:
        policy, options, source = rules_inputs(args.config, environment())
        text = render(policy, options, source, __version__)
    except PgwtuiError as exc:
        print(f"pgwtui rules: {exc}", file=sys.stderr)
        return 2
    if args.output is None:
        sys.stdout.write(text)
        return 0
    try:
        write_atomically(args.output, text)
    except OSError as exc:
        print(f"pgwtui rules: cannot write {args.output}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    return 0
