"""A local Neo4j Community server with no Docker: jars from Maven Central, run with the machine's Java.

The jars are resolved once into a per-user cache (later starts need no network). Each server home
(config, data, logs, pid file, password) is a directory of its own, so tests can run a throwaway
server beside the user's.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from graph.browser import neo4j_settings as browser_settings
from graph.settings import Settings
from schema.model import load_model

ENTRY_POINT = "org.neo4j.server.CommunityEntryPoint"
ADMIN_TOOL = "org.neo4j.cli.AdminTool"
POM = """<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>cablegraph</groupId><artifactId>neo4j-server</artifactId><version>1</version>
  <dependencies>
    <dependency><groupId>org.neo4j</groupId><artifactId>neo4j</artifactId><version>{neo4j}</version></dependency>
    <dependency><groupId>org.neo4j.app</groupId><artifactId>neo4j-server</artifactId><version>{neo4j}</version></dependency>
    <dependency><groupId>org.neo4j.client</groupId><artifactId>neo4j-browser</artifactId><version>{browser}</version></dependency>
  </dependencies>
</project>
"""


class ServerError(RuntimeError):
    """The local server cannot be provisioned, started or stopped; the message says what to do."""


@dataclass(frozen=True)
class Status:
    running: bool
    pid: int | None
    bolt_uri: str
    browser_url: str
    home: Path


def _need(tool: str, hint: str) -> str:
    path = shutil.which(tool)
    if not path:
        raise ServerError(f"{tool} was not found on PATH. {hint}")
    return path


def java_major(java: str) -> int:
    out = subprocess.run([java, "-version"], capture_output=True, text=True).stderr
    m = re.search(r'version "(\d+)(?:\.(\d+))?', out)
    if not m:
        raise ServerError(f"could not read the Java version from: {out.strip()[:200]}")
    major = int(m.group(1))
    return int(m.group(2)) if major == 1 and m.group(2) else major


def ensure_jars(settings: Settings, log=print) -> Path:
    """Resolve Neo4j and Neo4j Browser into the cache once; return the lib directory."""
    lib = settings.cablegraph_cache / f"neo4j-{settings.neo4j_version}-browser-{settings.neo4j_browser_version}"
    if (lib / ".complete").exists():
        return lib
    mvn = _need("mvn", "Install Maven (Debian: apt-get install maven) to fetch Neo4j from Maven Central.")
    log(f"Resolving Neo4j {settings.neo4j_version} and Neo4j Browser {settings.neo4j_browser_version} "
        f"from Maven Central into {lib} (first run only)...")
    lib.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=lib.parent) as tmp:
        pom = Path(tmp) / "pom.xml"
        pom.write_text(POM.format(neo4j=settings.neo4j_version, browser=settings.neo4j_browser_version))
        out = Path(tmp) / "lib"
        proc = subprocess.run(
            [mvn, "-q", "-B", "-f", str(pom), "dependency:copy-dependencies",
             f"-DoutputDirectory={out}", "-DincludeScope=runtime"],
            capture_output=True, text=True,
        )
        if proc.returncode != 0:
            tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-15:])
            raise ServerError(f"Maven could not resolve Neo4j {settings.neo4j_version}:\n{tail}")
        (out / ".complete").touch()
        if lib.exists():
            shutil.rmtree(lib)
        out.rename(lib)
    return lib


def port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LocalServer:
    """One Neo4j server home directory and the process that serves it."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.home = settings.cablegraph_data
        self.conf_dir = self.home / "conf"
        self.pid_file = self.home / "run" / "cablegraph-neo4j.pid"
        self.console_log = self.home / "logs" / "console.log"
        self.password_file = self.home / "password"

    # -- password ---------------------------------------------------------------------------------
    def password(self) -> str:
        """NEO4J_PASSWORD, else the one generated for this home (stored 0600)."""
        if self.settings.neo4j_password:
            return self.settings.neo4j_password
        if self.password_file.exists():
            return self.password_file.read_text().strip()
        self.home.mkdir(parents=True, exist_ok=True)
        password = secrets.token_urlsafe(18)
        fd = os.open(self.password_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(password + "\n")
        return password

    # -- process ----------------------------------------------------------------------------------
    def pid(self) -> int | None:
        try:
            pid = int(self.pid_file.read_text().strip())
            os.kill(pid, 0)
        except (FileNotFoundError, ValueError, ProcessLookupError, PermissionError):
            return None
        return pid

    def status(self) -> Status:
        s = self.settings
        return Status(
            running=self.pid() is not None,
            pid=self.pid(),
            bolt_uri=s.bolt_uri,
            browser_url=f"http://127.0.0.1:{s.neo4j_http_port}/browser/",
            home=self.home,
        )

    def _write_config(self) -> None:
        s = self.settings
        self.conf_dir.mkdir(parents=True, exist_ok=True)
        (self.conf_dir / "neo4j.conf").write_text(
            "\n".join([
                "# written by cablegraph on every start; edit the CABLEGRAPH_*/NEO4J_* settings instead",
                "server.default_listen_address=127.0.0.1",
                "server.default_advertised_address=127.0.0.1",
                f"server.bolt.listen_address=127.0.0.1:{s.neo4j_bolt_port}",
                f"server.bolt.advertised_address=127.0.0.1:{s.neo4j_bolt_port}",
                f"server.http.listen_address=127.0.0.1:{s.neo4j_http_port}",
                f"server.http.advertised_address=127.0.0.1:{s.neo4j_http_port}",
                "server.https.enabled=false",
                "dbms.security.auth_enabled=true",
                f"server.memory.heap.initial_size={s.neo4j_heap}",
                f"server.memory.heap.max_size={s.neo4j_heap}",
                f"server.memory.pagecache.size={s.neo4j_pagecache}",
                f"db.transaction.timeout={int(s.cablegraph_query_timeout * 6)}s",
                "dbms.usage_report.enabled=false",
                "client.allow_telemetry=false",
                *(f"{key}={value}" for key, value in browser_settings(s, load_model()).items()),
                "",
            ])
        )

    def _env(self) -> dict[str, str]:
        return {**os.environ, "NEO4J_HOME": str(self.home), "NEO4J_CONF": str(self.conf_dir)}

    def start(self, log=print) -> Status:
        if self.pid():
            return self.status()
        s = self.settings
        java = _need("java", "Install Java 17 or 21 (Debian: apt-get install openjdk-17-jre-headless).")
        if java_major(java) < 17:
            raise ServerError(f"Neo4j {s.neo4j_version} needs Java 17 or newer; {java} is older.")
        for port, name in ((s.neo4j_bolt_port, "NEO4J_BOLT_PORT"), (s.neo4j_http_port, "NEO4J_HTTP_PORT")):
            if not port_free(port):
                raise ServerError(
                    f"port {port} on 127.0.0.1 is taken by another program. Stop it, set {name} to a free "
                    "port, or set NEO4J_URI to use a server that is already running."
                )
        lib = ensure_jars(s, log)
        classpath = f"{lib}/*"
        self._write_config()
        for sub in ("data", "logs", "run"):
            (self.home / sub).mkdir(parents=True, exist_ok=True)
        if not (self.home / "data" / "dbms" / "auth.ini").exists():
            proc = subprocess.run(
                [java, "-cp", classpath, ADMIN_TOOL, "dbms", "set-initial-password", "--", self.password()],
                env=self._env(), capture_output=True, text=True,
            )
            if proc.returncode != 0:
                raise ServerError(f"could not set the initial Neo4j password:\n{java_error(proc.stdout + proc.stderr)}")
        with open(self.console_log, "ab") as out:
            proc = subprocess.Popen(
                [java, f"-Xms{s.neo4j_heap}", f"-Xmx{s.neo4j_heap}", "-XX:+UseG1GC", "-cp", classpath, ENTRY_POINT,
                 f"--home-dir={self.home}", f"--config-dir={self.conf_dir}"],
                env=self._env(), stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        self.pid_file.write_text(str(proc.pid))
        deadline = time.monotonic() + s.neo4j_start_timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                self.pid_file.unlink(missing_ok=True)
                raise ServerError(f"Neo4j exited with code {proc.returncode} while starting.\n{self.log_tail()}")
            if self._answers():
                return self.status()
            time.sleep(0.5)
        self.stop()
        raise ServerError(f"Neo4j did not answer within {s.neo4j_start_timeout:g}s.\n{self.log_tail()}")

    def _answers(self) -> bool:
        url = f"http://127.0.0.1:{self.settings.neo4j_http_port}/"
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                http_ok = resp.status == 200
        except OSError:
            return False
        with socket.socket() as sock:
            sock.settimeout(2)
            return http_ok and sock.connect_ex(("127.0.0.1", self.settings.neo4j_bolt_port)) == 0

    def stop(self, timeout: float = 60.0) -> bool:
        """Stop cleanly (SIGTERM, then SIGKILL after `timeout`). False if it was not running."""
        pid = self.pid()
        if pid is None:
            self.pid_file.unlink(missing_ok=True)
            return False
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            _reap(pid)
            time.sleep(0.3)
        else:
            os.kill(pid, signal.SIGKILL)
        _reap(pid)
        self.pid_file.unlink(missing_ok=True)
        return True

    def log_tail(self, lines: int = 25) -> str:
        logs = [self.console_log, self.home / "logs" / "neo4j.log"]
        text = "\n".join(p.read_text(errors="replace") for p in logs if p.exists())
        tail = "\n".join(text.strip().splitlines()[-lines:])
        where = self.home / "logs"
        return f"--- last lines of the Neo4j log ({where}) ---\n{tail}" if tail else f"(nothing logged yet in {where})"


def java_error(output: str, lines: int = 5) -> str:
    """The messages of a Java failure without its stack frames."""
    kept = [line for line in output.splitlines() if line.strip() and not line.startswith(("\tat ", "\t..."))]
    return "\n".join(kept[:lines]) or "(no output)"


def _reap(pid: int) -> None:
    """Collect our own child's exit status so it does not linger as a zombie that kill(0) still sees."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass
