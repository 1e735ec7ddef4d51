"""A throwaway PostgreSQL server for the tests: a real server, started in a temporary folder on a free port.

The server binaries come from the ``pgserver`` wheel (PostgreSQL 16, installed by ``requirements.txt``, no
system package needed); without it, from a system installation (``pg_config --bindir`` or
``/usr/lib/postgresql/*/bin``). PostgreSQL refuses to run as root, and the test machines (CI too) run as root:
then ``initdb`` and ``postgres`` run as the unprivileged ``nobody`` user (``subprocess`` ``user=``/``group=``),
which owns the temporary folder. The server listens on 127.0.0.1 only, with password authentication over TCP
(scram-sha-256), so a connection URL carries a real password, and is stopped and its folder removed by
:meth:`PgServer.stop`.

    server = PgServer.start()
    url = server.url("postgres")          # postgresql://postgres:<password>@127.0.0.1:<port>/postgres
    ...
    server.stop()
"""

from __future__ import annotations

import contextlib
import glob
import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

USER = "postgres"
PASSWORD = "tEst-pw-9f3b"  # what the tests look for in messages and outputs: it must never appear there


def bin_dir() -> Path | None:
    """The folder holding ``initdb`` and ``postgres``: the pgserver wheel's, else a system installation's."""
    spec = importlib.util.find_spec("pgserver")
    if spec is not None and spec.submodule_search_locations:
        found = Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"
        if (found / "postgres").exists():
            return found
    pg_config = shutil.which("pg_config")
    if pg_config:
        with contextlib.suppress(OSError, subprocess.CalledProcessError):
            found = Path(
                subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=True).stdout.strip()
            )
            if (found / "postgres").exists():
                return found
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if (Path(candidate) / "postgres").exists():
            return Path(candidate)
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgServer:
    """One running server; :meth:`start` makes it, :meth:`stop` ends it and removes its folder."""

    def __init__(self, root: Path, port: int, process: subprocess.Popen):
        self.root, self.port, self.process = root, port, process

    @classmethod
    def start(cls, timeout: float = 60.0) -> PgServer:
        """Initialise a cluster in a new temporary folder and start the server on a free port.

        Raises
        ------
        RuntimeError
            When no PostgreSQL binaries are found or the server does not accept connections in ``timeout`` seconds.
        """
        binaries = bin_dir()
        if binaries is None:
            raise RuntimeError("no PostgreSQL server binaries: pip install pgserver (see requirements.txt)")
        root = Path(tempfile.mkdtemp(prefix="playbook-pg-"))
        as_user: dict = {}
        if os.geteuid() == 0:  # postgres will not run as root: run it as nobody, who owns the folder
            import pwd

            nobody = pwd.getpwnam("nobody")
            as_user = {"user": nobody.pw_uid, "group": nobody.pw_gid, "extra_groups": []}
            os.chown(root, nobody.pw_uid, nobody.pw_gid)
        env = {**os.environ, "HOME": str(root), "LC_ALL": "C", "LANG": "C"}
        pwfile = root / "pw"
        pwfile.write_text(PASSWORD + "\n", encoding="utf-8")
        if as_user:
            os.chown(pwfile, as_user["user"], as_user["group"])
        data = root / "data"
        subprocess.run(
            [
                str(binaries / "initdb"),
                "-D",
                str(data),
                "-U",
                USER,
                "--pwfile",
                str(pwfile),
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "--encoding=UTF8",
                "--no-locale",
                "--no-sync",
            ],
            cwd=root,
            env=env,
            check=True,
            capture_output=True,
            **as_user,
        )
        port = _free_port()
        log = open(root / "server.log", "wb")  # noqa: SIM115 - kept open for the server's life
        if as_user:
            os.chown(root / "server.log", as_user["user"], as_user["group"])
        process = subprocess.Popen(
            [
                str(binaries / "postgres"),
                "-D",
                str(data),
                "-p",
                str(port),
                "-h",
                "127.0.0.1",
                "-k",
                str(root),
                "-c",
                "fsync=off",
                "-c",
                "synchronous_commit=off",
                "-c",
                "full_page_writes=off",
                "-c",
                "shared_buffers=32MB",
            ],
            cwd=root,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            **as_user,
        )
        log.close()
        server = cls(root, port, process)
        server._wait(timeout)
        return server

    def _wait(self, timeout: float) -> None:
        import psycopg

        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                log = (self.root / "server.log").read_text(errors="replace")
                self.stop()
                raise RuntimeError(f"PostgreSQL exited at start:\n{log}")
            try:
                psycopg.connect(self.url("postgres"), connect_timeout=2).close()
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError("PostgreSQL did not accept connections in time") from None
                time.sleep(0.2)

    def url(self, database: str = "postgres", *, password: bool = True) -> str:
        """A connection URL for ``database`` (with the password unless ``password=False``)."""
        auth = f"{USER}:{PASSWORD}" if password else USER
        return f"postgresql://{auth}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """Create an empty database and return its URL."""
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True) as con:
            con.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        """Stop the server (fast shutdown) and remove its folder."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        shutil.rmtree(self.root, ignore_errors=True)
