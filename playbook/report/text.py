"""Text a report shows: one escaping rule for everything that reaches the page as Markdown.

Report text mixes the playbook's own words with values from user files (KPI tree
names, owners, account names, action texts, segment values, file names). It is
shown as Markdown, and Markdown passes raw HTML and links through, so a name like
``<script>...</script>`` or ``[x](javascript:...)`` would run in the manager's
browser. The rule: the playbook's own report text never uses HTML or links, so
before any text is shown, every ``&``, ``<`` and ``>`` becomes an HTML entity and
every ``[`` and ``]`` is backslash-escaped. Bold, code spans, lists and line
breaks still render; nothing from a file can become a tag or a link.
"""

from __future__ import annotations

from IPython.display import Markdown as _IPythonMarkdown

__all__ = ["safe_markdown", "Markdown"]

_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "[": "\\[", "]": "\\]", "$": "\\$"})


def safe_markdown(text: str) -> str:
    """Markdown in which nothing can become an HTML tag, an entity or a link.

    Parameters
    ----------
    text : str
        Report text, with values from user files in it.

    Returns
    -------
    str
        The text with ``&``, ``<`` and ``>`` as HTML entities, and ``[``, ``]`` and ``$`` escaped (a ``$`` pair
        would otherwise become a formula: ``$76.1k ... $1.07M``).

    Examples
    --------
    >>> safe_markdown('**KGI:** <script>alert(1)</script> [go](javascript:alert(1)) R&D')
    '**KGI:** &lt;script&gt;alert(1)&lt;/script&gt; \\\\[go\\\\](javascript:alert(1)) R&amp;D'
    >>> safe_markdown("revenue $76.1k, annual $1.07M")
    'revenue \\\\$76.1k, annual \\\\$1.07M'
    """
    return str(text).translate(_ESCAPES)


class Markdown(_IPythonMarkdown):
    """Report text for a notebook cell: IPython's Markdown display, escaped by :func:`safe_markdown`.

    Parameters
    ----------
    text : str
        The text to show.

    Examples
    --------
    >>> Markdown("owner <b>Sato</b>")._repr_markdown_()
    'owner &lt;b&gt;Sato&lt;/b&gt;'
    """

    def __init__(self, text: str):
        super().__init__(safe_markdown(text))

    def __repr__(self) -> str:  # the plain-text view of the cell shows the text itself
        return self.data
