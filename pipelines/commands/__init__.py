"""Typer sub-apps for the ``asb`` command (wired into :mod:`pipelines.cli` with ``add_typer``)."""
