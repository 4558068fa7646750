"""What this build is, in the Go gateway's words: `pushgateway_build_info`'s labels and `--version`'s text (common's version.Print)."""

from __future__ import annotations

import platform

from bridge import __version__

TAGS = "unknown"
"""Go's `-tags` build setting, which a Python build has none of: what version.Print shows for none."""


def build_info() -> dict[str, str]:
    """The labels of `pushgateway_build_info` (Go 1.11's names, `tags` included; this implementation's values)."""
    return {
        "branch": "",
        "goarch": platform.machine(),
        "goos": platform.system().lower(),
        "goversion": f"python{platform.python_version()}",
        "revision": "",
        "tags": TAGS,
        "version": __version__,
    }


def version_text(program: str = "pgw-bridge") -> str:
    """`--version`'s six lines, laid out as Go 1.11's version.Print (build user and date are empty: no build stamps them)."""
    info = build_info()
    return (
        f"{program}, version {info['version']} (branch: {info['branch']}, revision: {info['revision']})\n"
        "  build user:       \n"
        "  build date:       \n"
        f"  go version:       {info['goversion']}\n"
        f"  platform:         {info['goos']}/{info['goarch']}\n"
        f"  tags:             {info['tags']}"
    )


def info() -> str:
    """Common's version.Info(), the `version` of the start-up log line: `(version=…, branch=…, revision=…)`."""
    labels = build_info()
    return f"(version={labels['version']}, branch={labels['branch']}, revision={labels['revision']})"


def build_context() -> str:
    """Common's version.BuildContext(), the `build_context` of the second start-up log line."""
    labels = build_info()
    platform_name = f"{labels['goos']}/{labels['goarch']}"
    return f"(go={labels['goversion']}, platform={platform_name}, user=, date=, tags={labels['tags']})"
