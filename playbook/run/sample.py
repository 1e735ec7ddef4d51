"""The sample company's generator, found in the source checkout (it is not part of the runtime package).

``data/sample_company.py`` simulates the bundled sample company and writes it as
contract tables; ``python -m playbook sample`` and the tests load it from there,
so importing :mod:`playbook` never imports it.
"""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

from playbook.data.paths import SAMPLE_GENERATOR
from playbook.run.runs import RunError

__all__ = ["generator"]

_NAME = "sample_company"


def generator() -> ModuleType:
    """The generator module (``generate``, ``write_sample``), loaded once from the checkout.

    Returns
    -------
    module
        ``data/sample_company.py`` as a module.

    Raises
    ------
    RunError
        When the playbook is installed without its source checkout.
    """
    if _NAME in sys.modules:
        return sys.modules[_NAME]
    if not SAMPLE_GENERATOR.is_file():
        raise RunError(
            f"the sample generator {SAMPLE_GENERATOR} is not here: it ships with the source checkout, "
            "not with the installed package"
        )
    spec = importlib.util.spec_from_file_location(_NAME, SAMPLE_GENERATOR)
    module = importlib.util.module_from_spec(spec)
    sys.modules[_NAME] = module
    spec.loader.exec_module(module)
    return module
