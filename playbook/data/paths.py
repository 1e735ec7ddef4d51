"""Where things are: the one module that knows the source checkout's layout.

The playbook runs from a source checkout (``README.md``, ``notebooks/``,
``data/sample/`` beside the ``playbook`` package) or installed as a package.
In a checkout, relative paths given by a user resolve from the checkout's root,
so ``data/sample`` means the same folder from the command line and from a
notebook (whose working folder is ``notebooks/``). Installed elsewhere, they
resolve from the current working folder.
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "PROJECT_ROOT",
    "IN_CHECKOUT",
    "SAMPLE_DIR",
    "NOTEBOOKS_DIR",
    "SAMPLE_GENERATOR",
    "resolve_path",
    "display_path",
]


def _checkout_root() -> Path | None:
    root = Path(__file__).resolve().parents[2]
    return root if (root / "notebooks").is_dir() and (root / "data").is_dir() else None


_ROOT = _checkout_root()
#: True when the package runs from a source checkout (notebooks and sample data beside it).
IN_CHECKOUT: bool = _ROOT is not None
#: The checkout's root; the current working folder for an installed package.
PROJECT_ROOT: Path = _ROOT if _ROOT is not None else Path.cwd()
#: The bundled sample company.
SAMPLE_DIR: Path = PROJECT_ROOT / "data" / "sample"
#: The review notebooks.
NOTEBOOKS_DIR: Path = PROJECT_ROOT / "notebooks"
#: The script that generates the sample company (kept out of the runtime package).
SAMPLE_GENERATOR: Path = PROJECT_ROOT / "data" / "sample_company.py"


def resolve_path(path: str | Path) -> Path:
    """A user's path: absolute as given, relative ones from the project root.

    Parameters
    ----------
    path : str or Path
        A path as a user typed it (``~`` is expanded).

    Returns
    -------
    Path
        The absolute path.

    Examples
    --------
    >>> resolve_path("data/sample") == PROJECT_ROOT / "data" / "sample"
    True
    """
    p = Path(path).expanduser()
    return p if p.is_absolute() else PROJECT_ROOT / p


def display_path(path: str | Path) -> str:
    """A path as shown in outputs: relative to the project root when inside it.

    Parameters
    ----------
    path : str or Path
        Any path.

    Returns
    -------
    str
        The path relative to the project root (POSIX separators), or the
        absolute path when it lies outside.

    Examples
    --------
    >>> display_path(PROJECT_ROOT / "data" / "sample")
    'data/sample'
    """
    p = Path(path).resolve()
    try:
        return p.relative_to(PROJECT_ROOT).as_posix()
    except ValueError:
        return str(p)
