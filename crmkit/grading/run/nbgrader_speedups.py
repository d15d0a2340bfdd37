"""Two of nbgrader's costs the grader pays per notebook, cut without changing a result.

* **The metadata schema, checked against JSON Schema's own at every cell.** nbgrader's
  ``MetadataValidator.validate_cell`` calls ``jsonschema.validate(metadata, schema)``, which first
  validates the (constant) schema itself against the meta-schema: 15 ms a cell, about 0.1 s a
  notebook, paid twice per notebook (``CheckCellMetadata`` while sanitizing and while saving).
  :func:`check_schemas_once` gives nbgrader's validator module a ``jsonschema`` whose
  ``validate`` checks each schema once and reuses its validator; the instance is validated
  exactly as before and the same error (``best_match``) is raised.
* **A database engine per gradebook.** ``Gradebook(url)`` creates a new SQLAlchemy engine each
  time it is opened (``SaveAutoGrades``, ``AssignLatePenalties``, ``OverwriteCells``: several
  times a notebook), so each starts with an empty pool and an empty cache of compiled queries.
  Inside :func:`shared_engines`, gradebooks of the same URL share one engine, disposed of at the
  end (a pooled connection left open would keep PostgreSQL from dropping the database).

The queries, their order and their transactions are nbgrader's own; only the engine object and the
schema check are reused.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


class _SchemaCheckedOnce:
    """``jsonschema`` as nbgrader's validator module uses it, with ``validate`` checking each
    schema once. Everything else is the real module's."""

    def __init__(self, module) -> None:
        self._module = module
        self._validators: dict[str, Any] = {}

    def validate(self, instance, schema, cls=None, *args, **kwargs) -> None:
        """``jsonschema.validate``: the same validator class, check and error."""
        key = json.dumps([schema, getattr(cls, "__qualname__", None), args, kwargs], sort_keys=True)
        validator = self._validators.get(key)
        if validator is None:
            kind = self._module.validators.validator_for(schema) if cls is None else cls
            kind.check_schema(schema)
            validator = self._validators[key] = kind(schema, *args, **kwargs)
        error = self._module.exceptions.best_match(validator.iter_errors(instance))
        if error is not None:
            raise error

    def __getattr__(self, name: str) -> Any:
        return getattr(self._module, name)


def check_schemas_once() -> None:
    """Check nbgrader's metadata schema once per process (idempotent)."""
    from nbgrader.nbgraderformat import common

    if not isinstance(common.jsonschema, _SchemaCheckedOnce):
        common.jsonschema = _SchemaCheckedOnce(common.jsonschema)


_engines_lock = threading.Lock()


class _SharedEngines:
    """nbgrader's ``create_engine`` giving every gradebook of the same URL one engine."""

    def __init__(self, create: Callable[..., Any]) -> None:
        self.create = create
        self.engines: dict[str, Any] = {}

    def __call__(self, url, **options) -> Any:
        key = json.dumps([str(url), sorted(options.items())], default=str)
        with _engines_lock:
            if key not in self.engines:
                self.engines[key] = self.create(url, **options)
            return self.engines[key]


@contextmanager
def shared_engines() -> Iterator[None]:
    """Within this block, nbgrader gradebooks of the same URL share one SQLAlchemy engine."""
    import nbgrader.api

    with _engines_lock:
        create = nbgrader.api.create_engine
        nested = isinstance(create, _SharedEngines)  # inside a block already: reuse it
        if not nested:
            shared = _SharedEngines(create)
            nbgrader.api.create_engine = shared
    if nested:
        yield
        return
    try:
        yield
    finally:
        with _engines_lock:
            nbgrader.api.create_engine = create
            for engine in shared.engines.values():
                engine.dispose()
