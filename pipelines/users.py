"""Local dashboard users: roles, salted password hashes and the users file.

A partnership without an identity provider signs people in from a YAML users file
(``$ASB_USERS_FILE``, else ``.streamlit/users.yaml``)::

    users:
      asha:
        name: Asha Analyst
        role: analyst
        password: scrypt$16384$8$1$<salt>$<hash>

Passwords are stored only as salted scrypt hashes (``hashlib.scrypt``, a random 16-byte salt
per user), written by ``asb users add``. With an identity provider (``st.login``), an entry
keyed by the person's e-mail address gives their role and needs no password.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import yaml

from .errors import ConfigProblem

__all__ = [
    "ROLES",
    "User",
    "users_file",
    "load_users",
    "check_password",
    "save_user",
    "remove_user",
    "hash_password",
    "verify_password",
]

#: Roles and what each may do (the dashboard's page registry says which pages each opens).
ROLES: dict[str, str] = {
    "analyst": "everything: aggregate and person-level pages, uploads",
    "panel": "person-level pages for CMARAC and offender panel work, and aggregate pages",
    "governance": "the governance overview and its meeting pack only (small numbers "
                  "suppressed)",
    "admin": "users, configuration, the audit trail, the Data page, the Overview and People "
             "links",
}

_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1


@dataclass(frozen=True)
class User:
    """A dashboard user as the users file holds them (never with the hash exposed)."""

    username: str
    name: str
    role: str
    has_password: bool = False


def users_file() -> Path:
    """The users file: ``$ASB_USERS_FILE`` or ``.streamlit/users.yaml``."""
    return Path(os.environ.get("ASB_USERS_FILE") or Path(".streamlit") / "users.yaml")


def hash_password(password: str, *, n: int = _SCRYPT_N) -> str:
    """A salted scrypt hash in the form ``scrypt$N$r$p$salt$hash`` (base64 parts).

    Examples
    --------
    >>> stored = hash_password("correct horse", n=2**10)
    >>> stored.startswith("scrypt$1024$8$1$")
    True
    >>> verify_password("correct horse", stored), verify_password("wrong", stored)
    (True, False)
    """
    if not password:
        raise ConfigProblem("a password cannot be empty")
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=_SCRYPT_R, p=_SCRYPT_P,
                            dklen=32)
    b64 = base64.b64encode
    return f"scrypt${n}${_SCRYPT_R}${_SCRYPT_P}${b64(salt).decode()}${b64(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches a hash from :func:`hash_password` (constant-time)."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        got = hashlib.scrypt(password.encode("utf-8"), salt=base64.b64decode(salt), n=int(n),
                             r=int(r), p=int(p), dklen=len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, expected)


def _not_users_file(path: Path) -> ConfigProblem:
    return ConfigProblem(f"{path} is not a users file (no 'users:' list): give a new file name "
                         "or the users file")


def _read(path: Path) -> dict[str, dict]:
    """The users the file holds: none when there is no file (or it is empty).

    Raises
    ------
    ConfigProblem
        The path is a folder or cannot be read, or the file is not a users file (so
        ``asb users add`` never overwrites some other file).
    """
    if path.is_dir():
        raise ConfigProblem(f"{path} is a folder: give the users file (such as "
                            f"{path / 'users.yaml'})")
    if not path.exists():
        return {}
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise _not_users_file(path) from None
    except OSError as exc:
        raise ConfigProblem(f"{path}: cannot read the users file "
                            f"({(exc.strerror or str(exc)).lower()})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        raise ConfigProblem(f"{path}: the users file is not valid YAML") from None
    if data is None:  # empty, or only comments: a users file with no one in it yet
        return {}
    if not isinstance(data, dict) or "users" not in data:
        raise _not_users_file(path)
    users = data["users"]
    if users is None:
        return {}
    if not isinstance(users, dict):
        raise ConfigProblem(f"{path}: expected 'users:' to map user names to their details")
    for name, entry in users.items():
        if not isinstance(entry, dict) or entry.get("role") not in ROLES:
            raise ConfigProblem(
                f"{path}: user {name!r} needs a role, one of {', '.join(ROLES)}")
    return {str(k): v for k, v in users.items()}


def load_users(path: Path | None = None) -> dict[str, User]:
    """The users in the file (an empty dict when there is no file)."""
    return {
        name: User(name, str(entry.get("name") or name), entry["role"],
                   bool(entry.get("password")))
        for name, entry in _read(path or users_file()).items()
    }


def check_password(username: str, password: str, path: Path | None = None) -> User | None:
    """The user when ``password`` is theirs, else ``None`` (same answer for unknown names)."""
    entries = _read(path or users_file())
    entry = entries.get(username)
    if entry is None or not entry.get("password"):
        # Spend the same time as a real check so names cannot be guessed by timing.
        verify_password(password, _DUMMY)
        return None
    if not verify_password(password, str(entry["password"])):
        return None
    return User(username, str(entry.get("name") or username), entry["role"], True)


#: The shortest password ``asb users add`` accepts (the NCSC's advice: length beats
#: complexity; three random words are easy to remember and hard to guess).
MIN_PASSWORD_LENGTH = 10


def save_user(username: str, role: str, password: str | None, *, name: str | None = None,
              path: Path | None = None) -> Path:
    """Add or replace a user (the file and its folder are created, readable by the owner only)."""
    if role not in ROLES:
        raise ConfigProblem(f"unknown role {role!r}: one of {', '.join(ROLES)}")
    if not username.strip():
        raise ConfigProblem("a user name cannot be empty")
    if password and len(password) < MIN_PASSWORD_LENGTH:
        raise ConfigProblem(
            f"a password needs at least {MIN_PASSWORD_LENGTH} characters (got {len(password)}):"
            " three random words, such as 'kettle orbit meadow', are easy to remember and hard "
            "to guess")
    path = path or users_file()
    users = _read(path)
    entry: dict[str, str] = {"name": name or username, "role": role}
    if password:
        entry["password"] = hash_password(password)
    users[username] = entry
    _write(path, users)
    return path


def remove_user(username: str, path: Path | None = None) -> bool:
    """Remove a user; ``False`` when there was no such user."""
    path = path or users_file()
    users = _read(path)
    if username not in users:
        return False
    del users[username]
    _write(path, users)
    return True


def _write(path: Path, users: dict[str, dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "# ASB Insight dashboard users: written by `asb users add`.\n" + yaml.safe_dump(
        {"users": users}, sort_keys=True, allow_unicode=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.chmod(tmp, 0o600)
    tmp.replace(path)


_DUMMY = "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
