"""``asb users``: the dashboard's local users (when no identity provider is configured)."""

from __future__ import annotations

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


@users_app.command("add")
def add(
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
    if not no_password and not password:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
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
