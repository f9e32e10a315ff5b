"""Every path the tool writes, in one place.

By default the platform's user dirs (``platformdirs``). ``CWWATCH_HOME`` redirects all of them
under one folder: the tests and ``cwwatch demo`` use that to stay out of the user's own files.
Folders are created 0700 and files the tool writes are 0600.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP = "cwwatch"
HOME_ENV = "CWWATCH_HOME"


@dataclass(frozen=True)
class Paths:
    config_dir: Path
    data_dir: Path
    state_dir: Path
    cache_dir: Path
    log_dir: Path

    @classmethod
    def default(cls) -> Paths:
        home = os.environ.get(HOME_ENV)
        if home:
            return cls.under(Path(home))
        return cls(
            config_dir=Path(platformdirs.user_config_dir(APP)),
            data_dir=Path(platformdirs.user_data_dir(APP)),
            state_dir=Path(platformdirs.user_state_dir(APP)),
            cache_dir=Path(platformdirs.user_cache_dir(APP)),
            log_dir=Path(platformdirs.user_log_dir(APP)),
        )

    @classmethod
    def under(cls, root: Path) -> Paths:
        return cls(root / "config", root / "data", root / "state", root / "cache", root / "log")

    @property
    def config_file(self) -> Path:
        return self.config_dir / "config.toml"

    @property
    def db_file(self) -> Path:
        return self.data_dir / "cwwatch.sqlite3"

    @property
    def session_file(self) -> Path:
        return self.data_dir / "session.json"

    @property
    def layout_dir(self) -> Path:
        """Where pages whose layout changed are saved for the user to inspect or send us."""
        return self.state_dir / "layout-changed"

    @property
    def scan_lock(self) -> Path:
        """Held by the scan in progress (``cwwatch scan``, ``capture``, the daemon's child)."""
        return self.data_dir / "scan.lock"

    @property
    def daemon_lock(self) -> Path:
        """Held by the running daemon."""
        return self.data_dir / "daemon.lock"

    @property
    def log_file(self) -> Path:
        """The daemon's log (rotated next to itself)."""
        return self.log_dir / "cwwatch.log"

    def capture_dir(self, stamp: str) -> Path:
        """Where ``cwwatch capture`` saves a scan's pages by default (``stamp``: the UTC time)."""
        return self.state_dir / "captures" / stamp

    def ensure(self, path: Path) -> Path:
        """Create ``path`` (a folder) and its missing parents with mode 0700."""
        return make_private_dirs(path)


def make_private_dirs(path: Path) -> Path:
    """Create ``path`` and its missing parents with mode 0700 (existing ones are left as they are)."""
    missing = []
    p = path
    while not p.exists():
        missing.append(p)
        p = p.parent
    for d in reversed(missing):
        d.mkdir(mode=0o700, exist_ok=True)
        os.chmod(d, 0o700)
    return path


def write_atomic(path: Path, data: bytes | str, mode: int) -> None:
    """Write a file atomically (temp file, fsync, rename) with exactly ``mode``, whatever the umask.

    Raises OSError (a full disk, a read-only folder); the old file is then left as it was.
    """
    raw = data.encode() if isinstance(data, str) else data
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_private(path: Path, data: bytes | str) -> None:
    """Write a file readable by its owner only (0600), atomically."""
    write_atomic(path, data, 0o600)
