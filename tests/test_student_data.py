"""Each student's data variants, made once per grading run by the grader
(crmkit.grading.run.student_data)."""

from __future__ import annotations

import os
import pickle
import threading
import time

import nbformat
import pandas as pd

from crmkit.datasets import DEFAULT_SEED, build_tables, generate, get_case, load, memory
from crmkit.grading.run.student_data import VariantStore, cases_loaded
from crmkit.grading.sandbox import variant_cache


def test_the_cases_a_notebook_loads_for_the_student_are_read_from_its_code():
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_markdown_cell('load("retail_chain", student=student)'),
        nbformat.v4.new_code_cell(
            'futures = load("futures_broker", "complaints", student=student)\n'
            "car = load('car_detailing', student=course.student_id())\n"
            'default = load("online_shop")  # the committed data, not a variant\n'
            'other = load("no_such_case", student=student)'
        ),
        nbformat.v4.new_code_cell('again = load("futures_broker", "clients", student=student)'),
    ]
    assert cases_loaded(notebook) == ["futures_broker", "car_detailing"]


def test_a_variant_is_made_once_and_handed_over_as_the_kernel_would_make_it(tmp_path, monkeypatch):
    store = VariantStore(tmp_path / "store")
    made = []
    real = store._make
    monkeypatch.setattr(store, "_make", lambda *a: made.append(a) or real(*a))
    for round_ in range(2):
        target = tmp_path / f"cache{round_}"
        target.mkdir()
        names = store.hand_over(" S001", ["futures_broker"], target)
        assert [p.name for p in target.iterdir()] == names
    assert len(made) == 1  # the second submission of the student reuses it
    # what a kernel reads from that folder is what it would have generated itself
    handed = variant_cache.read(tmp_path / "cache1", "futures_broker", DEFAULT_SEED, "s001", 3000)
    memory.clear()
    for name, table in generate("futures_broker", student="s001").items():
        pd.testing.assert_frame_equal(handed[name], table)
    assert os.stat(tmp_path / "cache1" / names[0]).st_mode & 0o777 == 0o644


def test_the_store_keeps_the_latest_students_within_its_bound(tmp_path):
    store = VariantStore(tmp_path / "store", max_bytes=1)  # room for nothing but what is in use
    for student in ("s1", "s2"):
        target = tmp_path / student
        target.mkdir()
        (name,) = store.hand_over(student, ["online_shop"], target)
        assert (target / name).is_file()  # handed over even when the store must let it go
    kept = [p.name for p in (tmp_path / "store").glob("*.pickle")]
    assert kept == [name]  # s1's was dropped for s2's


def test_an_empty_id_gets_nothing(tmp_path):
    target = tmp_path / "cache"
    target.mkdir()
    assert VariantStore(tmp_path / "store").hand_over("  ", ["online_shop"], target) == []


def test_the_handed_files_are_the_students_own_and_byte_identical_to_loads(tmp_path):
    store = VariantStore(tmp_path / "store")
    handed = {}
    for student in ("s001", "s002"):
        target = tmp_path / student
        target.mkdir()
        names = store.hand_over(student.upper(), ["futures_broker", "online_shop"], target)
        # only this student's variants, under the names a kernel looks for
        assert sorted(names) == sorted(
            variant_cache.file_name(case, DEFAULT_SEED, student, get_case(case).default_customers)
            for case in ("futures_broker", "online_shop")
        )
        assert sorted(p.name for p in target.iterdir()) == sorted(names)
        for name in names:  # a link to the store's file, not a copy a kernel could swap
            assert os.stat(target / name).st_ino == os.stat(tmp_path / "store" / name).st_ino
        handed[student] = names
    assert not set(handed["s001"]) & set(handed["s002"])
    for case in ("futures_broker", "online_shop"):
        size = get_case(case).default_customers
        stored = tmp_path / "s002" / variant_cache.file_name(case, DEFAULT_SEED, "s002", size)
        # the grader's file is a fresh generation, pickled (generating is deterministic)
        fresh = build_tables(case, DEFAULT_SEED, "s002", size)
        assert stored.read_bytes() == pickle.dumps(fresh, protocol=5)
        # and what load() gives once a kernel kept it is what load() generates without it
        memory.clear()
        assert sorted(variant_cache.preload(tmp_path / "s002", "S002 ")) == [
            "futures_broker",
            "online_shop",
        ]
        try:
            from_cache = {name: load(case, name, student="S002 ") for name in fresh}
        finally:
            memory.clear()
        for name, table in generate(case, student="s002").items():
            assert list(from_cache[name].dtypes) == list(table.dtypes)
            assert from_cache[name].equals(table)
            assert from_cache[name].to_csv().encode() == table.to_csv().encode()


def test_a_kernel_hands_out_copies_of_the_preloaded_variant_not_its_own(tmp_path):
    tables = build_tables("futures_broker", DEFAULT_SEED, "s003", 3000)
    tables["trades"] = tables["trades"].head(7)  # not what load() would generate
    variant_cache.store(tmp_path, "futures_broker", DEFAULT_SEED, "s003", 3000, tables)
    memory.clear()
    try:
        assert variant_cache.preload(tmp_path, "S003") == ["futures_broker"]
        first = load("futures_broker", "trades", student=" s003")
        first["changed"] = 1  # a copy: the next load is not changed
        again = load("futures_broker", "trades", student="s003")
        assert len(again) == 7 and "changed" not in again
        assert len(load("futures_broker", "trades", student="s004")) != 7  # not handed: generated
        assert variant_cache.preload(tmp_path, "  ") == []
    finally:
        memory.clear()


def test_two_workers_grading_one_student_make_the_variant_once(tmp_path, monkeypatch):
    store = VariantStore(tmp_path / "store")
    made = []
    real = store._make

    def slow_make(*args):
        made.append(args)
        time.sleep(0.3)  # the other worker arrives while this one is making it
        real(*args)

    monkeypatch.setattr(store, "_make", slow_make)
    results = {}

    def worker(slot):
        target = tmp_path / f"worker{slot}"
        target.mkdir()
        results[slot] = store.hand_over("s001", ["online_shop"], target)

    threads = [threading.Thread(target=worker, args=(slot,)) for slot in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(made) == 1
    assert results[0] == results[1] == results[2] and len(results[0]) == 1
    for slot in range(3):
        assert (tmp_path / f"worker{slot}" / results[0][0]).stat().st_size > 0
    assert not list((tmp_path / "store").glob(".*partial"))


def test_a_variant_being_made_or_handed_is_not_dropped(tmp_path):
    store = VariantStore(tmp_path / "store", max_bytes=1)
    first = tmp_path / "first"
    first.mkdir()
    (name,) = store.hand_over("s1", ["online_shop"], first)
    with store._locked(name):  # another worker holds it (making or linking it)
        second = tmp_path / "second"
        second.mkdir()
        store.hand_over("s2", ["online_shop"], second)
        assert (tmp_path / "store" / name).is_file()
    third = tmp_path / "third"
    third.mkdir()
    store.hand_over("s3", ["online_shop"], third)
    assert not (tmp_path / "store" / name).exists()
    assert pickle.loads((first / name).read_bytes())  # a handed link outlives the store's file


def test_a_case_that_cannot_be_made_is_left_to_the_kernels(tmp_path, monkeypatch):
    store = VariantStore(tmp_path / "store")

    def broken(*args):
        raise ValueError("no")

    monkeypatch.setattr(store, "_make", broken)
    target = tmp_path / "cache"
    target.mkdir()
    assert store.hand_over("s1", ["online_shop"], target) == []
    assert not list(target.iterdir())
