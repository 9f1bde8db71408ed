"""The project's own exceptions: each carries a message a CSP analyst can act on."""

from __future__ import annotations

__all__ = ["AsbError", "FileProblem", "ShrinkProblem", "ConfigProblem", "WarehouseProblem", "AnalysisProblem"]


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


class ShrinkProblem(FileProblem):
    """A police.uk file would leave force-months it replaces with under half the rows held.

    ``replaced`` says which months and how many rows; ``override`` how to go ahead anyway
    (the command's option by default; the dashboard names its own control).

    Examples
    --------
    >>> e = ShrinkProblem("m.csv", "8,433 rows for Cleveland Police 2022-04 with 1")
    >>> e.with_override("tick the box").endswith("or tick the box to replace them anyway")
    True
    """

    def __init__(self, file: str, replaced: str, override: str = "use --allow-shrink") -> None:
        self.replaced = replaced
        super().__init__(
            file, f"would replace {replaced}, less than half of what is held (is it part of a "
                  "month's file, or a stray row from another month?); load the complete "
                  f"month's file, or {override} to replace them anyway")

    def with_override(self, override: str) -> str:
        """The same message, naming another way to go ahead."""
        return str(ShrinkProblem(self.file, self.replaced, override))


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
