"""``asb users``: the dashboard's local users (when no identity provider is configured)."""

from __future__ import annotations

import getpass
import sys
import warnings
from pathlib import Path
from typing import Annotated

import typer

from ..errors import ConfigProblem

__all__ = ["users_app"]

users_app = typer.Typer(help="Manage dashboard users (a local users file).",
                        no_args_is_help=True, add_completion=False)

FileOption = Annotated[
    Path | None,
    typer.Option("--file", help="The users file (default $ASB_USERS_FILE or "
                                ".streamlit/users.yaml).", envvar="ASB_USERS_FILE"),
]


def _from_command_line(ctx: typer.Context, name: str) -> bool:
    """Whether option ``name`` was typed on the command line (not taken from the environment)."""
    source = ctx.get_parameter_source(name)
    return source is None or source.name == "COMMANDLINE"


def _ask_password() -> str:
    """The new password: asked for (hidden, twice) in a terminal; otherwise read from the
    first line of standard input (a second line, if any, must match it)."""
    if sys.stdin is not None and sys.stdin.isatty():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", getpass.GetPassWarning)
            return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))
    lines = sys.stdin.read().splitlines() if sys.stdin is not None else []
    password = lines[0] if lines else ""
    if not password:
        raise ConfigProblem("no password given and no terminal to ask for one: give "
                            "--password (or set ASB_NEW_PASSWORD), or --no-password")
    if len(lines) > 1 and lines[1] != password:
        raise ConfigProblem("the two passwords given do not match")
    return password


@users_app.command("add")
def add(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help="The sign-in name (or e-mail address when "
                                                 "an identity provider signs people in).")],
    role: Annotated[str, typer.Option("--role", help="analyst, panel, governance or admin.")],
    name: Annotated[str | None, typer.Option("--name", help="Full name shown in the "
                                                            "dashboard.")] = None,
    password: Annotated[str | None, typer.Option(
        "--password", help="Prompted for (hidden) when not given; give an empty one with "
        "--no-password.", envvar="ASB_NEW_PASSWORD")] = None,
    no_password: Annotated[bool, typer.Option("--no-password", help="No password: the person "
                                              "signs in with the identity provider.")] = False,
    file: FileOption = None,
) -> None:
    """Add a user, or change their role or password."""
    from ..users import ROLES, save_user

    if role not in ROLES:
        raise ConfigProblem(f"--role {role!r}: one of {', '.join(ROLES)}")
    if no_password and password:
        if _from_command_line(ctx, "password"):
            raise ConfigProblem("give --password or --no-password, not both")
        password = None  # ASB_NEW_PASSWORD is set, but this person has none
    if not no_password and not password:
        password = _ask_password()
    path = save_user(username, role, None if no_password else password, name=name, path=file)
    typer.echo(f"{username} ({role}) saved in {path}")


@users_app.command("list")
def list_users(file: FileOption = None) -> None:
    """List users and their roles (never their password hashes)."""
    from ..users import load_users, users_file

    users = load_users(file)
    if not users:
        typer.echo(f"no users in {file or users_file()}")
        return
    for user in users.values():
        sign_in = "password" if user.has_password else "identity provider"
        typer.echo(f"{user.username:24} {user.role:11} {user.name} ({sign_in})")


@users_app.command("remove")
def remove(username: Annotated[str, typer.Argument(help="The user to remove.")],
           file: FileOption = None) -> None:
    """Remove a user."""
    from ..users import remove_user

    if not remove_user(username, file):
        raise ConfigProblem(f"no user {username!r}")
    typer.echo(f"{username} removed")
