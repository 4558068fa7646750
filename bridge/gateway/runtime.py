"""Composes a runnable gateway from its config: storage, app, middleware, server, background tasks."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Awaitable, Callable, Sequence
from functools import partial

from bridge import buildinfo
from bridge.errors import ConfigError
from bridge.gateway import gcpolicy
from bridge.gateway.config import GatewayConfig
from bridge.gateway.expiry import TTLPolicy, run_expiry, ttl_task
from bridge.gateway.service import Gateway
from bridge.gateway.storage.interface import Storage
from bridge.gateway.storage.sqlite import SqliteStorage
from bridge.gateway.web.app import GatewayApp
from bridge.gateway.web.auth import BasicAuth
from bridge.gateway.web.server import serve
from bridge.gateway.web.tlsreload import ReloadingTLS
from bridge.gateway.web.webconfig import load_web_config

log = logging.getLogger("bridge.gateway")

BackgroundTask = Callable[[Gateway], Awaitable[None]]
"""Runs beside the server (the spool bridge in serve mode, TTL expiry); cancelled at shutdown."""


def build_app(config: GatewayConfig) -> GatewayApp:
    """The gateway and its ASGI app; with `--persistence.file` or `--storage.postgres`, the store restored from it.

    Raises:
        ConfigError: both storages asked for, or a DSN or password file that cannot be used.
        PersistenceError: the storage cannot be used (StorageUnavailable: the database is unreachable).

    """
    storage: Storage | None = None
    if config.persistence_file and config.storage_postgres:
        raise ConfigError("--persistence.file and --storage.postgres exclude each other; choose one store")
    if config.persistence_file:
        storage = SqliteStorage(config.persistence_file, fsync=config.persistence_fsync)
    web = load_web_config(config.web_config_file) if config.web_config_file else None
    if config.storage_postgres:
        gateway = _shared_gateway(config)
    else:
        gateway = Gateway(config, storage=storage)
    if storage is not None:
        count = gateway.load()
        log.info("restored persisted groups", extra={"kv": {"file": config.persistence_file, "groups": count}})
    if web is None:
        return GatewayApp(gateway)
    auth = BasicAuth(web, config.web_config_file, config.prefix)
    gateway.roles_enabled = auth.roles_enabled
    app = GatewayApp(gateway, middleware=[auth], extra_headers=web.headers)
    if web.tls is not None:
        app.tls = ReloadingTLS(web.tls, config.web_config_file)
    return app


def _shared_gateway(config: GatewayConfig) -> Gateway:
    """A replica of the store in PostgreSQL: loaded, its metrics and status exposed (psycopg loads only here)."""
    from bridge.gateway.storage.postgres.storage import KNOWN, PostgresStorage

    replica = config.storage_postgres_replica
    if not replica:
        _host, port = config.listen_host_port()
        replica = f"{socket.gethostname()}:{port}"
    storage = PostgresStorage(
        config.storage_postgres,
        password_file=config.storage_postgres_password_file,
        timeout=config.storage_postgres_timeout,
        replica=replica,
    )
    gateway = Gateway(config, storage=storage)
    gateway.own.add_collector(storage.families, KNOWN)
    gateway.storage_status = storage.status
    count = gateway.load()
    log.info("loaded the shared store", extra={"kv": {"storage": storage.where, "replica": replica, "groups": count}})
    return gateway


async def run_app(app: GatewayApp, tasks: Sequence[BackgroundTask] = ()) -> None:
    """Serve an app with background tasks until told to stop; tasks end before the storage closes."""
    await serve_app(app, tasks)


async def serve_app(
    app: GatewayApp,
    tasks: Sequence[BackgroundTask] = (),
    *,
    on_started: Callable[[list[tuple[str, int]]], Awaitable[None] | None] | None = None,
    handle_signals: bool = True,
) -> None:
    """`run_app`, with the server's hooks for a caller that is not the command line (the TUI's demo).

    Args:
        app: the gateway's ASGI app, as `build_app` made it.
        tasks: run beside the server, cancelled at shutdown before the storage closes.
        on_started: called with the bound addresses once the server listens.
        handle_signals: stop on SIGINT and SIGTERM; off the main thread, where Python delivers
            no signals, pass False: `gateway.quit` (or `/-/quit`) stops it.

    """
    running: list[asyncio.Task[None]] = [asyncio.ensure_future(task(app.gateway)) for task in tasks]

    async def stop_tasks() -> None:
        for task in running:
            task.cancel()
        for task in running:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    try:
        tls = app.tls.listener if app.tls is not None else None
        await serve(app, ssl_context=tls, on_started=on_started, handle_signals=handle_signals, before_close=stop_tasks)
    finally:
        await stop_tasks()


def standard_tasks(config: GatewayConfig) -> list[BackgroundTask]:
    """Background tasks the flags ask for (group TTL expiry: on one replica at a time when the store is shared)."""
    policy = ttl_task(config)
    if policy is None:
        return []
    return [partial(_expiry, policy=policy, shared=bool(config.storage_postgres))]


async def _expiry(gateway: Gateway, *, policy: TTLPolicy, shared: bool) -> None:
    if not shared:
        await run_expiry(gateway, policy)
        return
    from bridge.gateway.storage.postgres.election import run_elected
    from bridge.gateway.storage.postgres.schema import EXPIRY_LOCK
    from bridge.gateway.storage.postgres.storage import PostgresStorage

    storage = gateway.storage
    assert isinstance(storage, PostgresStorage)
    interval = min(5.0, policy.sweep_interval)
    await run_elected(storage, EXPIRY_LOCK, partial(run_expiry, gateway, policy), what="ttl-expiry", interval=interval)


async def run_gateway(config: GatewayConfig, tasks: Sequence[BackgroundTask] = ()) -> None:
    """Build and serve the gateway until SIGINT/SIGTERM or `/-/quit`."""
    log.info("starting pushgateway", extra={"kv": {"version": buildinfo.info()}})
    log.info("Build context", extra={"kv": {"build_context": buildinfo.build_context()}})
    app = build_app(config)
    if app.gateway.group_count():
        gcpolicy.freeze_loaded()
    policy = gcpolicy.install(asyncio.get_running_loop())
    try:
        await run_app(app, [*standard_tasks(config), *tasks])
    finally:
        gcpolicy.uninstall(policy)
