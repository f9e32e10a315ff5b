"""The password, kept in the OS keyring (Secret Service, macOS Keychain, Windows Credential Locker).

It never reaches a file, a log line, an argv or an exception message from here. A keyring backend
that stores passwords in plain text (``keyrings.alt``) works but gets a warning.
"""

from __future__ import annotations

from dataclasses import dataclass

import keyring
import keyring.errors

from watcher.errors import CredentialsError

SERVICE = "cwwatch"

_PLAINTEXT_HINTS = ("PlaintextKeyring", "keyrings.alt.file", "EncryptedKeyring", "Null")


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


def get_password(email: str) -> str | None:
    try:
        return keyring.get_password(SERVICE, email)
    except keyring.errors.KeyringError as exc:
        raise CredentialsError(
            f"the keyring ({backend_name()}) could not be read: {_describe(exc)}") from None


def set_password(email: str, password: str) -> None:
    try:
        keyring.set_password(SERVICE, email, password)
    except keyring.errors.KeyringError as exc:
        raise CredentialsError(
            f"the keyring ({backend_name()}) could not store the password: {_describe(exc)}"
        ) from None


def delete_password(email: str) -> None:
    try:
        keyring.delete_password(SERVICE, email)
    except keyring.errors.PasswordDeleteError:
        pass
    except keyring.errors.KeyringError as exc:
        raise CredentialsError(f"the keyring could not delete the password: {_describe(exc)}"
                               ) from None


def load(email: str) -> Credentials | None:
    """The stored credentials for ``email``, or None when nothing is stored."""
    if not email:
        return None
    pw = get_password(email)
    return Credentials(email, pw) if pw else None
