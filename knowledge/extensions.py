"""What apps above `knowledge` add to it, plugged in from their `AppConfig.ready()` (knowledge
imports none of them, DESIGN.md "the floors"). Until an app registers, the knowledge base behaves as
if it had none:

- `document_usage(document_ids=)` → {document id: {"resolved": n, "escalated": m}}: how many
  tickets that used each document ended resolved or escalated (routing_bridge's ticket feedback)."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass


def _no_usage(*, document_ids: Iterable[int]) -> dict:
    return {}


@dataclass
class KnowledgeExtensions:
    document_usage: Callable[..., dict] = _no_usage


extensions = KnowledgeExtensions()


def extensions_register(**functions: Callable) -> None:
    """Plug in functions by name (see the module docstring); an unknown name is an error."""
    for name, function in functions.items():
        if not hasattr(extensions, name):
            raise TypeError(f"knowledge.extensions has no {name!r}")
        setattr(extensions, name, function)
