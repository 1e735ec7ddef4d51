"""The one exception type of the playbook, and the record of a single problem.

Every check the playbook makes on user input (data files, parameters, and later
the KPI tree) reports through :class:`DataValidationError`, so a caller has one
thing to catch and one message format to read.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    """One broken rule: where it is, what the rule is, and a few offending values.

    Examples
    --------
    >>> p = Problem("accounts.csv", "signup_date", "not a date (expected YYYY-MM-DD)",
    ...             count=1, examples=("row 3: '2026-13-01'",))
    >>> print(p)
    accounts.csv, column 'signup_date': not a date (expected YYYY-MM-DD) - 1 row; first: row 3: '2026-13-01'
    """

    file: str
    column: str | None
    rule: str
    count: int | None = None
    examples: tuple[str, ...] = field(default_factory=tuple)
    label: str = "column"  # what ``column`` names: a column of a table, or an entry of a YAML file

    def __str__(self) -> str:
        where = self.file if self.column is None else f"{self.file}, {self.label} '{self.column}'"
        text = f"{where}: {self.rule}"
        if self.count is not None:
            text += f" - {self.count} row{'s' if self.count != 1 else ''}"
        if self.examples:
            text += "; first: " + ", ".join(self.examples)
        return text


class DataValidationError(ValueError):
    """Bad input: the message names the file, column, rule, count and offending values.

    ``problems`` holds every :class:`Problem` found, so a report can list them all
    instead of stopping at the first.

    Examples
    --------
    >>> err = DataValidationError([Problem("x.csv", None, "empty file")])
    >>> str(err)
    'x.csv: empty file'
    """

    def __init__(self, problems: list[Problem] | Problem | str):
        if isinstance(problems, str):
            problems = [Problem("input", None, problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        lines = [str(p) for p in self.problems]
        message = (
            lines[0]
            if len(lines) == 1
            else (f"{len(lines)} problems in the input:\n" + "\n".join(f"  - {line}" for line in lines))
        )
        super().__init__(message)
