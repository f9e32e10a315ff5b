"""The password, kept in the OS keyring (Secret Service, macOS Keychain, Windows Credential Locker).

It never reaches a file, a log line, an argv or an exception message from here. A keyring backend
that stores passwords in plain text (``keyrings.alt``) works but gets a warning.

A scan reads the password with :func:`load_unattended`: within a time limit, and without ever
opening an unlock prompt (a prompt on a screen nobody watches would hang the daemon for ever). A
locked keyring is its own error, :class:`KeyringLockedError`, whose text says how to unlock it.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import keyring
import keyring.errors

from watcher.errors import CredentialsError
from watcher.i18n import N_, _

SERVICE = "cwwatch"

_PLAINTEXT_HINTS = ("PlaintextKeyring", "keyrings.alt.file", "EncryptedKeyring", "Null")
T = TypeVar("T")

UNLOCK_HOW = N_(
    "GNOME: unlock the \"Login\" keyring in \"Passwords and Keys\" (Seahorse), or log out and log in again"
    " / KDE: open KWallet / KeePassXC: unlock the database (with Secret Service integration on)"
    " / macOS: unlock the \"login\" keychain in Keychain Access"
)


class KeyringLockedError(CredentialsError):
    """The keyring holding the password is locked (it is never unlocked from here)."""

    def __init__(self, detail: str = "") -> None:
        how = _(UNLOCK_HOW)
        if detail:
            text = _("The keyring is locked. Unlock it, then try again ({how}). {detail}").format(
                how=how, detail=detail)
        else:
            text = _("The keyring is locked. Unlock it, then try again ({how})").format(how=how)
        super().__init__(text)


@dataclass(frozen=True)
class Credentials:
    email: str
    password: str

    def __repr__(self) -> str:  # never print the password, not even in a traceback
        return f"Credentials(email={self.email!r}, password=***)"


def backend_name() -> str:
    kr = keyring.get_keyring()
    return f"{type(kr).__module__}.{type(kr).__name__}"


def backend_is_plaintext() -> bool:
    name = backend_name()
    return any(h in name for h in _PLAINTEXT_HINTS) or "keyrings.alt" in name


def backend_is_usable() -> bool:
    return "fail.Keyring" not in backend_name() and "null.Keyring" not in backend_name()


def _describe(exc: Exception) -> str:
    # Exceptions from backends can quote what they were given; keep only the class name.
    return type(exc).__name__


def secret_service_locked() -> bool | None:
    """Whether the Secret Service collection the keyring would use is locked; None when the
    backend is not the Secret Service (or cannot be asked). Asks only: never unlocks, no prompt."""
    kr = keyring.get_keyring()
    if "SecretService" not in type(kr).__module__:
        return None
    try:
        import secretstorage

        bus = secretstorage.dbus_init()
        try:
            path = getattr(kr, "preferred_collection", None)
            coll = secretstorage.Collection(bus, path) if path else secretstorage.get_default_collection(bus)
            return bool(coll.is_locked())
        finally:
            close = getattr(bus, "close", None)
            if close is not None:
                close()
    except Exception:  # no bus, no service, no collection: the read will say so itself
        return None


def get_password(email: str) -> str | None:
    try:
        return keyring.get_password(SERVICE, email)
    except keyring.errors.KeyringLocked:
        raise KeyringLockedError() from None
    except keyring.errors.KeyringError as exc:
        raise CredentialsError(_("the keyring ({backend}) could not be read: {error}").format(
            backend=backend_name(), error=_describe(exc))) from None


def set_password(email: str, password: str) -> None:
    try:
        keyring.set_password(SERVICE, email, password)
    except keyring.errors.KeyringLocked:
        raise KeyringLockedError() from None
    except keyring.errors.KeyringError as exc:
        raise CredentialsError(_("the keyring ({backend}) could not store the password: {error}").format(
            backend=backend_name(), error=_describe(exc))) from None


def delete_password(email: str) -> None:
    try:
        keyring.delete_password(SERVICE, email)
    except keyring.errors.PasswordDeleteError:
        pass
    except keyring.errors.KeyringError as exc:
        raise CredentialsError(_("the keyring could not delete the password: {error}").format(
            error=_describe(exc))) from None


def load(email: str) -> Credentials | None:
    """The stored credentials for ``email``, or None when nothing is stored. May prompt to unlock
    (``cwwatch login``, with a person at the screen)."""
    if not email:
        return None
    pw = get_password(email)
    return Credentials(email, pw) if pw else None


def _bounded(fn: Callable[[], T], timeout: float) -> T:
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:
            box["error"] = exc

    thread = threading.Thread(target=target, name="cwwatch-keyring", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise KeyringLockedError(_("The keyring did not answer within {seconds} s "
                                   "(is an unlock prompt waiting on the screen?)").format(seconds=f"{timeout:g}"))
    if "error" in box:
        raise box["error"]
    return box["value"]


def load_unattended(email: str, timeout: float = 10.0) -> Credentials | None:
    """What a scan uses: :func:`load` within ``timeout`` seconds, and never an unlock prompt.

    Raises KeyringLockedError when the keyring is locked or does not answer in time (a prompt may be
    waiting on the screen), CredentialsError when it cannot be read at all.
    """
    if not email:
        return None
    if _bounded(secret_service_locked, timeout):
        raise KeyringLockedError()
    return _bounded(lambda: load(email), timeout)


if __name__ == "__main__":  # `python -m watcher.keychain locked`: a probe for doctor and the tests
    print({True: "locked", False: "unlocked", None: "unknown"}[secret_service_locked()])
    sys.exit(0)
