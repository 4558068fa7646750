"""Private PostgreSQL clusters for tests: Debian's server binaries, a temp data dir, a free loopback port.

No system service is used: each `PgCluster` runs its own postmaster (as the `postgres` user when
the tests run as root, since initdb refuses root), listening on 127.0.0.1 only, with no Unix
socket. Tests can stop, kill and restart it, and make a streaming standby of it.
`make test` installs the `postgresql` package when it is missing.

fsync is off for tests: they kill processes, never the machine, and a process crash loses nothing
PostgreSQL acknowledged either way (the WAL is written before the commit returns); `make bench`
turns it on, so commits cost what they cost in production.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from tests.support.servers import free_port

PASSWORD = "s3cret-pgw"
USER = "pgw"


def bin_dir() -> Path | None:
    """The newest installed server's bin directory (Debian: /usr/lib/postgresql/N/bin), or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    which = shutil.which("postgres")
    return Path(which).parent if which else None


def _as_postgres() -> dict[str, object]:
    """Popen arguments that drop to the postgres user when we are root."""
    if os.geteuid() != 0:
        return {}
    entry = pwd.getpwnam("postgres")
    return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}


class PgCluster:
    """One postmaster on a free loopback port (a primary, or with `standby_of` a streaming standby)."""

    def __init__(self, *, standby_of: PgCluster | None = None, name: str = "pgw", fsync: bool = False) -> None:
        found = bin_dir()
        if found is None:
            raise RuntimeError("PostgreSQL is not installed (make test installs Debian's postgresql)")
        self.bin = found
        self.name = name
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix=f"pgw-pg-{name}-"))
        self.root.chmod(0o755)
        self.data = self.root / "data"
        self.log_path = self.root / "postgres.log"
        self.proc: subprocess.Popen[bytes] | None = None
        if standby_of is None:
            pwfile = self.root / "pw"
            pwfile.write_text(PASSWORD + "\n")
            self._chown(pwfile)
            self._run(
                "initdb", "-D", str(self.data), "-U", USER, f"--pwfile={pwfile}", "--auth=scram-sha-256",
                "--no-sync", "-E", "UTF8", "--locale=C.UTF-8",
            )  # fmt: skip
            pwfile.unlink()
            with (self.data / "pg_hba.conf").open("a") as hba:
                hba.write("host replication all 127.0.0.1/32 scram-sha-256\n")
        else:
            env = {"PGPASSWORD": PASSWORD}
            self._run(
                "pg_basebackup", "-h", "127.0.0.1", "-p", str(standby_of.port), "-U", USER, "-D", str(self.data),
                "-R", "-X", "stream", "--no-sync", "-c", "fast", env=env,
            )  # fmt: skip
            with (self.data / "postgresql.auto.conf").open("a") as conf:
                conf.write(
                    f"primary_conninfo = 'host=127.0.0.1 port={standby_of.port} user={USER} "
                    f"password={PASSWORD} application_name={name}'\n"
                )
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(
                f"listen_addresses = '127.0.0.1'\nport = {self.port}\nunix_socket_directories = ''\n"
                f"fsync = {'on' if fsync else 'off'}\nfull_page_writes = {'on' if fsync else 'off'}\n"
                "shared_buffers = 128MB\nmax_connections = 60\n"
                "wal_level = replica\nmax_wal_senders = 4\nlog_min_messages = warning\n"
            )

    # ------------------------------------------------------------------ processes
    def _chown(self, path: Path) -> None:
        owner = _as_postgres()
        if owner:
            os.chown(path, int(owner["user"]), int(owner["group"]))  # type: ignore[call-overload]

    def _run(self, tool: str, *args: str, env: dict[str, str] | None = None) -> None:
        self._chown(self.root)
        full_env = {"PATH": os.environ.get("PATH", ""), "LANG": "C.UTF-8", **(env or {})}
        done = subprocess.run(
            [str(self.bin / tool), *args],
            capture_output=True,
            env=full_env,
            cwd=self.root,
            check=False,
            **_as_postgres(),
        )  # type: ignore[call-overload]
        if done.returncode != 0:
            raise RuntimeError(f"{tool} failed: {done.stderr.decode(errors='replace')[-2000:]}")

    def start(self, timeout: float = 30) -> None:
        assert self.proc is None or self.proc.poll() is not None, "already running"
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [str(self.bin / "postgres"), "-D", str(self.data)],
            stdout=log,
            stderr=log,
            cwd=self.root,
            env={"LANG": "C.UTF-8"},
            **_as_postgres(),
        )  # type: ignore[call-overload]
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"postgres exited: {self.log_path.read_text(errors='replace')[-2000:]}")
            if self.accepting():
                return
            time.sleep(0.05)
        raise RuntimeError(f"postgres not ready after {timeout}s: {self.log_path.read_text(errors='replace')[-2000:]}")

    def accepting(self) -> bool:
        done = subprocess.run(
            [str(self.bin / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port), "-t", "1"],
            capture_output=True, check=False,
        )  # fmt: skip
        return done.returncode == 0

    def stop(self, mode: str = "fast") -> None:
        """Stop the postmaster (fast: SIGINT; immediate: SIGQUIT)."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGINT if mode == "fast" else signal.SIGQUIT)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        """SIGKILL the postmaster; its backends notice and exit on their own."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        # Backends outlive the postmaster for a moment; a restart needs them gone.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and self._backends_left():
            time.sleep(0.05)

    def _backends_left(self) -> bool:
        for pid_dir in glob.glob("/proc/[0-9]*"):
            try:
                cmdline = Path(pid_dir, "cmdline").read_bytes()
                if b"postgres" in cmdline and Path(pid_dir, "cwd").resolve() == self.data:
                    return True
            except OSError:
                continue
        return False

    def require_sync_standby(self, name: str) -> None:
        """Make every commit wait for standby `name` (synchronous_standby_names), from now on."""
        self.sql(f"ALTER SYSTEM SET synchronous_standby_names = '{name}'")
        self.sql("SELECT pg_reload_conf()")

    def promote(self) -> None:
        self._run("pg_ctl", "promote", "-D", str(self.data), "-w")

    def destroy(self) -> None:
        self.stop("immediate")
        self.kill()
        shutil.rmtree(self.root, ignore_errors=True)

    # ------------------------------------------------------------------ SQL
    def dsn(self, db: str = "postgres", *, password: bool = True) -> str:
        secret = f":{PASSWORD}" if password else ""
        return f"postgresql://{USER}{secret}@127.0.0.1:{self.port}/{db}"

    def sql(self, statement: str, db: str = "postgres") -> list[tuple[object, ...]]:
        import psycopg

        with psycopg.connect(self.dsn(db), autocommit=True, connect_timeout=10) as conn:
            cursor = conn.execute(statement)
            return cursor.fetchall() if cursor.description else []

    def fresh_database(self) -> str:
        """A new empty database; its DSN."""
        name = f"t_{os.urandom(6).hex()}"
        self.sql(f"CREATE DATABASE {name}")
        return self.dsn(name)
