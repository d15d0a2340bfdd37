"""nbgrader's metadata check done once per schema, and one database engine per gradebook URL
(crmkit.grading.run.nbgrader_speedups): the same errors as nbgrader's, the engines disposed of."""

from __future__ import annotations

import copy

import nbformat
import nbgrader.api
import pytest
from nbgrader.api import Gradebook
from nbgrader.nbgraderformat import common
from nbgrader.nbgraderformat.v3 import MetadataValidatorV3

from crmkit.grading.course_folder import ensure_env_bin_on_path
from crmkit.grading.run import nbgrader_speedups

GOOD = {
    "schema_version": 3,
    "grade": True,
    "grade_id": "task1",
    "locked": False,
    "points": 2,
    "solution": True,
}
BROKEN = [
    {"grade": True},  # required keys missing
    {**GOOD, "points": "two"},
    {**GOOD, "grade": "yes"},
    {**GOOD, "grade_id": 7},
    {**GOOD, "locked": None, "solution": "no"},  # two errors: best_match picks the same one
    {**GOOD, "points": -1},
    {**GOOD, "schema_version": 3.0, "task": 5},
]


def _errors(cells: list[dict]) -> list[tuple]:
    """What nbgrader's validator raises for each cell's metadata (None when it passes)."""
    validator = MetadataValidatorV3()
    seen = []
    for metadata in cells:
        cell = nbformat.v4.new_code_cell("x = 1", metadata={"nbgrader": copy.deepcopy(metadata)})
        try:
            validator.validate_cell(cell)
        except Exception as error:  # noqa: BLE001 - compared whatever it is
            where = [list(getattr(error, name, [])) for name in ("path", "schema_path")]
            seen.append((type(error), str(error), *where, getattr(error, "message", None)))
        else:
            seen.append(None)
    return seen


@pytest.fixture
def nbgraders_own_jsonschema(monkeypatch):
    """nbgrader's validator with the real ``jsonschema`` for this test, put back after it: an
    in-process grading run earlier in the session leaves its schema check installed and warm."""
    real = getattr(common.jsonschema, "_module", common.jsonschema)
    monkeypatch.setattr(common, "jsonschema", real)


def test_the_metadata_check_raises_what_nbgraders_raises(nbgraders_own_jsonschema):
    cells = [GOOD, *BROKEN]
    plain = _errors(cells)
    assert plain[0] is None and all(plain[1:])  # the fixtures do test something
    nbgrader_speedups.check_schemas_once()
    nbgrader_speedups.check_schemas_once()  # a second call changes nothing
    assert isinstance(common.jsonschema, nbgrader_speedups._SchemaCheckedOnce)
    assert not isinstance(common.jsonschema._module, nbgrader_speedups._SchemaCheckedOnce)
    assert _errors(cells) == plain
    assert _errors(list(reversed(cells))) == list(reversed(plain))  # nothing carried over


def test_the_schema_itself_is_checked_once(nbgraders_own_jsonschema, monkeypatch):
    nbgrader_speedups.check_schemas_once()
    checked = []
    kind = common.jsonschema.validators.validator_for(MetadataValidatorV3().schema)
    real = kind.check_schema
    monkeypatch.setattr(kind, "check_schema", lambda schema, **k: checked.append(1) or real(schema))
    _errors([GOOD] * 5 + BROKEN)
    assert len(checked) == 1
    # a broken schema is refused as jsonschema refuses it
    with pytest.raises(common.jsonschema.exceptions.SchemaError):
        common.jsonschema.validate({}, {"type": 12})


@pytest.fixture(autouse=True)
def _alembic_on_path():
    ensure_env_bin_on_path()  # a new gradebook runs alembic


def _url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'gradebook.db'}"


def test_gradebooks_of_one_url_share_an_engine_disposed_of_at_the_end(tmp_path, monkeypatch):
    real = nbgrader.api.create_engine
    disposed = []
    with nbgrader_speedups.shared_engines():
        assert nbgrader.api.create_engine is not real
        with Gradebook(_url(tmp_path)) as first:
            first.add_student("s1")
            engine = first.engine
        with Gradebook(_url(tmp_path)) as second:
            assert second.engine is engine
            assert [s.id for s in second.students] == ["s1"]
        with Gradebook(f"sqlite:///{tmp_path / 'other.db'}") as other:
            assert other.engine is not engine
        with engine.connect():  # a connection back in the pool when the block ends
            pass
        assert engine.pool.checkedin() == 1
        monkeypatch.setattr(engine, "dispose", lambda *a, **k: disposed.append(engine))
    assert disposed == [engine]
    assert nbgrader.api.create_engine is real
    with Gradebook(_url(tmp_path)) as after:  # nbgrader's own again
        assert after.engine is not engine


def test_an_inner_block_leaves_the_engines_to_the_outer_one(tmp_path):
    real = nbgrader.api.create_engine
    with nbgrader_speedups.shared_engines():
        with Gradebook(_url(tmp_path)) as outer:
            engine = outer.engine
        with nbgrader_speedups.shared_engines():
            with Gradebook(_url(tmp_path)) as inner:
                assert inner.engine is engine
        assert nbgrader.api.create_engine is not real  # still shared
        with Gradebook(_url(tmp_path)) as later:
            assert later.engine is engine
    assert nbgrader.api.create_engine is real


def test_the_engines_are_disposed_of_when_the_block_fails(tmp_path):
    real = nbgrader.api.create_engine
    with pytest.raises(RuntimeError), nbgrader_speedups.shared_engines():
        with Gradebook(_url(tmp_path)) as gradebook:
            engine = gradebook.engine
        with engine.connect():
            pass
        raise RuntimeError("grading failed")
    assert nbgrader.api.create_engine is real
    assert engine.pool.checkedin() == 0
