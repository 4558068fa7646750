"""`--web.config.file`: the exporter-toolkit YAML (TLS, bcrypt basic auth, headers) plus opt-in roles.

Validated strictly at start-up (unknown keys, bad hashes, unreadable certificates all fail with a
clear message). Users and roles are re-read when the file changes, as exporter-toolkit re-reads
it per request; TLS settings take effect at start-up.
"""

from __future__ import annotations

import os
import ssl
from dataclasses import dataclass, field
from typing import Any

import yaml

from bridge.errors import ConfigError

ROLES = ("push", "read", "admin")
_TOP_KEYS = {"tls_server_config", "http_server_config", "basic_auth_users", "user_roles"}
_TLS_KEYS = {
    "cert_file",
    "key_file",
    "client_auth_type",
    "client_ca_file",
    "min_version",
    "max_version",
    "cipher_suites",
    "prefer_server_cipher_suites",
    "curve_preferences",
}
_HTTP_KEYS = {"http2", "headers"}
_ALLOWED_HEADERS = {
    "Content-Security-Policy",
    "X-Frame-Options",
    "X-Content-Type-Options",
    "X-XSS-Protection",
    "Strict-Transport-Security",
}
_VERSIONS = {
    "TLS10": ssl.TLSVersion.TLSv1,
    "TLS11": ssl.TLSVersion.TLSv1_1,
    "TLS12": ssl.TLSVersion.TLSv1_2,
    "TLS13": ssl.TLSVersion.TLSv1_3,
}
_CLIENT_AUTH = {
    "NoClientCert": ssl.CERT_NONE,
    "VerifyClientCertIfGiven": ssl.CERT_OPTIONAL,
    "RequireAndVerifyClientCert": ssl.CERT_REQUIRED,
}
_UNSUPPORTED_CLIENT_AUTH = {"RequestClientCert", "RequireAnyClientCert"}
_CIPHERS = {
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256": "ECDHE-ECDSA-AES128-GCM-SHA256",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256": "ECDHE-RSA-AES128-GCM-SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384": "ECDHE-ECDSA-AES256-GCM-SHA384",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384": "ECDHE-RSA-AES256-GCM-SHA384",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305": "ECDHE-ECDSA-CHACHA20-POLY1305",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256": "ECDHE-ECDSA-CHACHA20-POLY1305",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305": "ECDHE-RSA-CHACHA20-POLY1305",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256": "ECDHE-RSA-CHACHA20-POLY1305",
    "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA": "ECDHE-ECDSA-AES128-SHA",
    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA": "ECDHE-RSA-AES128-SHA",
    "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA": "ECDHE-ECDSA-AES256-SHA",
    "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA": "ECDHE-RSA-AES256-SHA",
    "TLS_RSA_WITH_AES_128_GCM_SHA256": "AES128-GCM-SHA256",
    "TLS_RSA_WITH_AES_256_GCM_SHA384": "AES256-GCM-SHA384",
}
_CURVES = {"CurveP256": "prime256v1", "CurveP384": "secp384r1", "CurveP521": "secp521r1"}


@dataclass(frozen=True, slots=True)
class TLSSettings:
    """The validated `tls_server_config`."""

    cert_file: str
    key_file: str
    client_auth: ssl.VerifyMode = ssl.CERT_NONE
    client_ca_file: str = ""
    min_version: ssl.TLSVersion = ssl.TLSVersion.TLSv1_2
    max_version: ssl.TLSVersion | None = None
    ciphers: tuple[str, ...] = ()
    prefer_server_ciphers: bool = False
    curve: str | None = None

    def context(self) -> ssl.SSLContext:
        """A server SSLContext with these settings.

        Raises:
            ConfigError: a certificate, key or CA file that cannot be loaded.

        """
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        try:
            ctx.load_cert_chain(self.cert_file, self.key_file)
            if self.client_ca_file:
                ctx.load_verify_locations(cafile=self.client_ca_file)
        except (OSError, ssl.SSLError) as exc:
            raise ConfigError(f"tls_server_config: cannot load certificates: {exc}") from None
        ctx.verify_mode = self.client_auth
        ctx.minimum_version = self.min_version
        if self.max_version is not None:
            ctx.maximum_version = self.max_version
        if self.ciphers:
            try:
                ctx.set_ciphers(":".join(self.ciphers))
            except ssl.SSLError as exc:
                raise ConfigError(f"tls_server_config: cipher_suites: {exc}") from None
        if self.prefer_server_ciphers:
            ctx.options |= ssl.OP_CIPHER_SERVER_PREFERENCE
        if self.curve:
            ctx.set_ecdh_curve(self.curve)
        return ctx


@dataclass(frozen=True, slots=True)
class WebConfig:
    """The validated web config file."""

    tls: TLSSettings | None = None
    users: dict[str, bytes] = field(default_factory=dict)
    roles: dict[str, frozenset[str]] | None = None
    headers: tuple[tuple[str, str], ...] = ()


def _mapping(value: Any, where: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ConfigError(f"{where} must be a mapping")
    return value


def _unknown(keys: set[str], allowed: set[str], where: str) -> None:
    extra = sorted(set(keys) - allowed)
    if extra:
        raise ConfigError(f"{where}: unknown field(s) {', '.join(extra)}")


def _relative(path: str, base: str) -> str:
    return path if os.path.isabs(path) else os.path.join(base, path)


def _parse_tls(raw: dict[str, Any], base: str) -> TLSSettings | None:
    if not raw:
        return None
    _unknown(set(raw), _TLS_KEYS, "tls_server_config")
    cert, key = raw.get("cert_file", ""), raw.get("key_file", "")
    if not cert or not key:
        raise ConfigError("tls_server_config: cert_file and key_file are both required")
    auth_name = raw.get("client_auth_type") or "NoClientCert"
    if auth_name in _UNSUPPORTED_CLIENT_AUTH:
        raise ConfigError(
            f"tls_server_config: client_auth_type {auth_name} is not supported (Python's TLS stack verifies "
            "every client certificate it asks for); use VerifyClientCertIfGiven or RequireAndVerifyClientCert"
        )
    if auth_name not in _CLIENT_AUTH:
        raise ConfigError(f"tls_server_config: invalid client_auth_type {auth_name!r}")
    ca = raw.get("client_ca_file") or ""
    if _CLIENT_AUTH[auth_name] != ssl.CERT_NONE and not ca:
        raise ConfigError(f"tls_server_config: client_auth_type {auth_name} needs client_ca_file")
    versions = {}
    for key_name in ("min_version", "max_version"):
        name = raw.get(key_name)
        if name is not None and name not in _VERSIONS:
            raise ConfigError(f"tls_server_config: invalid {key_name} {name!r} (TLS10, TLS11, TLS12, TLS13)")
        versions[key_name] = _VERSIONS[name] if name else None
    ciphers = []
    for name in raw.get("cipher_suites") or []:
        if name not in _CIPHERS:
            raise ConfigError(f"tls_server_config: unsupported cipher suite {name!r}")
        ciphers.append(_CIPHERS[name])
    curve = None
    for name in raw.get("curve_preferences") or []:
        if name == "X25519":
            continue
        if name not in _CURVES:
            raise ConfigError(f"tls_server_config: unsupported curve {name!r}")
        curve = curve or _CURVES[name]
    settings = TLSSettings(
        cert_file=_relative(cert, base),
        key_file=_relative(key, base),
        client_auth=_CLIENT_AUTH[auth_name],
        client_ca_file=_relative(ca, base) if ca else "",
        min_version=versions["min_version"] or ssl.TLSVersion.TLSv1_2,
        max_version=versions["max_version"],
        ciphers=tuple(ciphers),
        prefer_server_ciphers=bool(raw.get("prefer_server_cipher_suites", False)),
        curve=curve,
    )
    settings.context()
    return settings


def _parse_users(raw: dict[str, Any]) -> dict[str, bytes]:
    users: dict[str, bytes] = {}
    for name, hashed in raw.items():
        if not isinstance(name, str) or not isinstance(hashed, str):
            raise ConfigError("basic_auth_users: user names and hashes must be strings")
        encoded = hashed.encode()
        if not (encoded.startswith((b"$2a$", b"$2b$", b"$2y$")) and len(encoded) == 60):
            raise ConfigError(f"basic_auth_users: the password of {name!r} is not a bcrypt hash")
        users[name] = encoded
    return users


def _parse_roles(raw: Any, users: dict[str, bytes]) -> dict[str, frozenset[str]] | None:
    if raw is None:
        return None
    roles: dict[str, frozenset[str]] = {}
    for name, granted in _mapping(raw, "user_roles").items():
        if name not in users:
            raise ConfigError(f"user_roles: {name!r} is not in basic_auth_users")
        values = [granted] if isinstance(granted, str) else granted
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise ConfigError(f"user_roles: roles of {name!r} must be a list of {', '.join(ROLES)}")
        bad = [v for v in values if v not in ROLES]
        if bad:
            raise ConfigError(f"user_roles: unknown role(s) {', '.join(bad)} for {name!r} ({', '.join(ROLES)})")
        roles[name] = frozenset(values)
    if not users:
        raise ConfigError("user_roles needs basic_auth_users")
    return roles


def load_web_config(path: str) -> WebConfig:
    """Read and validate a web config file.

    Raises:
        ConfigError: with a message that names the problem.

    """
    try:
        with open(path, encoding="utf-8") as handle:
            raw = yaml.safe_load(handle)
    except OSError as exc:
        raise ConfigError(f"--web.config.file: {exc}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"--web.config.file {path}: invalid YAML: {exc}") from None
    data = _mapping(raw, "web config")
    _unknown(set(data), _TOP_KEYS, "web config")
    base = os.path.dirname(os.path.abspath(path))
    tls = _parse_tls(_mapping(data.get("tls_server_config"), "tls_server_config"), base)
    http_cfg = _mapping(data.get("http_server_config"), "http_server_config")
    _unknown(set(http_cfg), _HTTP_KEYS, "http_server_config")
    headers = _mapping(http_cfg.get("headers"), "http_server_config.headers")
    bad_headers = sorted(set(headers) - _ALLOWED_HEADERS)
    if bad_headers:
        raise ConfigError(f"http_server_config.headers: not allowed: {', '.join(bad_headers)}")
    users = _parse_users(_mapping(data.get("basic_auth_users"), "basic_auth_users"))
    roles = _parse_roles(data.get("user_roles"), users)
    return WebConfig(tls=tls, users=users, roles=roles, headers=tuple((k, str(v)) for k, v in headers.items()))
