"""How to reach a remote gateway (URL, auth, TLS, timeout): a plain value, importable without httpx."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class HttpSettings:
    """How to reach a remote gateway.

    Attributes:
        url: the gateway's base URL, route prefix included (`https://pgw.example:9091/prefix`).
        username: basic-auth user (with `password`).
        password: basic-auth password.
        bearer_token: sent as `Authorization: Bearer …` (not with basic auth).
        ca_file: PEM bundle to verify the gateway's certificate with.
        cert_file: client certificate (PEM) for mutual TLS.
        key_file: its private key (PEM); may be omitted when `cert_file` holds both.
        insecure_skip_verify: do not verify the gateway's certificate (testing only).
        timeout: seconds for connecting and for the whole answer.
        utf8_names: the gateway runs with `--push.enable-utf8-names`, so grouping-label names that
            are not legacy-valid can be sent (`U__`-encoded in the URL).

    """

    url: str
    username: str | None = None
    password: str | None = None
    bearer_token: str | None = None
    ca_file: str | None = None
    cert_file: str | None = None
    key_file: str | None = None
    insecure_skip_verify: bool = False
    timeout: float = 10.0
    utf8_names: bool = False
