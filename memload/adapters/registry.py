"""Which adapter a scenario's ``target`` names: a built-in name, ``package.module:Class`` or
``path/to/file.py:Class`` (relative to the scenario file)."""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported when called: memload.adapters.base imports the scenario package
    from memload.adapters.base import Adapter

BUILTIN: dict[str, str] = {
    "reference": "memload.adapters.reference:ReferenceAdapter",
    "openai": "memload.adapters.openai:OpenAIAdapter",
    "mem0": "memload.adapters.mem0:Mem0Adapter",
    "http": "memload.adapters.http.adapter:HttpAdapter",  # the API described in [http], no code
}


def load_adapter_class(target: str, *, base_dir: Path | None = None) -> type[Adapter]:
    """The adapter class for ``target``; ValueError with what is allowed when it cannot be found."""
    from memload.adapters.base import Adapter

    spec = BUILTIN.get(target, target)
    module_part, colon, class_name = spec.partition(":")
    if not colon or not class_name:
        raise ValueError(
            f"unknown target {target!r}; built in: {', '.join(BUILTIN)}, "
            "or your own as 'file.py:Class' or 'package.module:Class'"
        )
    module = _import(module_part, base_dir)
    adapter = getattr(module, class_name, None)
    if not (isinstance(adapter, type) and issubclass(adapter, Adapter)):
        raise ValueError(f"{spec!r}: {class_name} is not a memload.Adapter subclass")
    return adapter


def operations_of(target: str, *, base_dir: Path | None = None) -> frozenset[str]:
    """The operations the target's adapter can do: the operation methods its class defines."""
    return load_adapter_class(target, base_dir=base_dir).operations


def _import(module_part: str, base_dir: Path | None) -> ModuleType:
    if not module_part.endswith(".py"):
        try:
            return importlib.import_module(module_part)
        except ImportError as error:
            raise ValueError(f"cannot import adapter module {module_part!r}: {error}") from None
        except Exception as error:  # the module's own code failed: one line, not a traceback
            raise ValueError(f"adapter module {module_part!r}: {type(error).__name__}: {error}") from None
    path = Path(module_part)
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    if not path.is_file():
        raise ValueError(f"adapter file {str(path)!r} does not exist")
    spec = importlib.util.spec_from_file_location(f"memload_user_adapter_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise ValueError(f"adapter file {str(path)!r} cannot be imported")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as error:  # the file's own code failed: one line, not a traceback
        raise ValueError(f"adapter file {str(path)!r}: {type(error).__name__}: {error}") from None
    return module
