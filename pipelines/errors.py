"""The project's own exceptions: each carries a message a CSP analyst can act on."""

from __future__ import annotations

__all__ = ["AsbError", "FileProblem", "ConfigProblem", "WarehouseProblem", "AnalysisProblem"]


class AsbError(Exception):
    """Base class for problems reported to the user as one plain line (never a traceback)."""


class FileProblem(AsbError):
    """A whole input file cannot be ingested.

    Parameters
    ----------
    file : str
        The file's name as the user gave it.
    problem : str
        What is wrong and, where possible, what to do about it.

    Examples
    --------
    >>> str(FileProblem("march.csv", "required column 'reported_at' is missing"))
    "march.csv: required column 'reported_at' is missing"
    """

    def __init__(self, file: str, problem: str) -> None:
        self.file = file
        self.problem = problem
        super().__init__(f"{file}: {problem}")


class ConfigProblem(AsbError):
    """A configuration or mapping file is wrong."""


class WarehouseProblem(AsbError):
    """The warehouse file is missing, locked or not an ASB Insight warehouse."""


class AnalysisProblem(AsbError):
    """An analysis cannot be run on the data or parameters given.

    The message says what was expected and what was found, in words a CSP analyst can act on.

    Examples
    --------
    >>> str(AnalysisProblem("cell_size must be positive (got 0)"))
    'cell_size must be positive (got 0)'
    """
