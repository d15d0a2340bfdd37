"""Chinese text in charts renders with a real glyph for every character, never as a box.

matplotlib warns "Glyph 23458 (\\N{CJK UNIFIED IDEOGRAPH-5BA2}) missing from font(s) DejaVu Sans."
when it has to draw a box; these tests turn that warning into an error and draw everything the
kit labels in Chinese.
"""

from __future__ import annotations

import io
import logging
import warnings

import matplotlib

matplotlib.use("Agg")  # draw without a display, as the notebooks' inline backend does

import matplotlib.pyplot as plt
import pytest
from matplotlib import font_manager
from matplotlib.ft2font import FT2Font

from crmkit import plotting
from crmkit.datasets import CASES
from crmkit.errors import CrmkitError
from crmkit.plotting import cjk_font, use_cjk_font


@pytest.fixture(autouse=True)
def fresh_style():
    """Each test starts from matplotlib's defaults and leaves no figure open."""
    with matplotlib.rc_context():
        yield
    plt.close("all")


def draw(fig) -> bytes:
    """Render ``fig`` the way a notebook shows it (PNG, cropped) and return the bytes."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    return buffer.getvalue()


def every_chinese_label() -> list[str]:
    """Every label the data dictionaries give a code, plus every Chinese value, of every case."""
    texts = set()
    for case in CASES.values():
        texts |= {case.zh}
        for table in case.tables:
            texts.add(table.zh)
            for spec in table.fields:
                texts |= set((spec.enum or {}).values()) | set(spec.enum or {})
    return sorted(t for t in texts if any(ord(ch) > 0x2E80 for ch in t))


def test_chart_with_chinese_labels_draws_without_missing_glyphs(caplog):
    use_cjk_font()
    caplog.set_level(logging.WARNING, logger="matplotlib.font_manager")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph … missing from font(s)" becomes an exception
        fig, ax = plt.subplots()
        ax.bar(["现有客户", "潜在客户", "流失客户", "非公司客户"], [1200, -300, 450, 80])
        ax.set_title("哪类客户最多？/ Which client status is most common?")
        ax.set_xlabel("客户状态 / Status")
        ax.set_ylabel("客户数（人）/ Clients (people)")
        ax.legend(["2013 年 / 2013"], title="年份 / Year")
        ax.annotate("前 20% → 80%，≥ 1 手，1–5 分", (0, 1200))
        png = draw(fig)
    assert png.startswith(b"\x89PNG")
    # a family that cannot be found is logged ("findfont: Font family … not found"), not warned
    assert not [r for r in caplog.records if "findfont" in r.getMessage()]


def test_every_label_in_the_data_dictionaries_renders():
    use_cjk_font()
    labels = every_chinese_label()
    assert len(labels) > 50  # the kit has many; an empty list would prove nothing
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig, ax = plt.subplots(figsize=(8, 30))
        for row, text in enumerate(labels):
            ax.text(0, row, text)
        ax.set_ylim(-1, len(labels))
        draw(fig)


def test_without_the_cjk_font_the_same_chart_warns():
    """The check above is real: with matplotlib's default font, Chinese text does warn."""
    matplotlib.rcParams["font.family"] = "sans-serif"
    matplotlib.rcParams["font.sans-serif"] = ["DejaVu Sans"]
    fig, ax = plt.subplots()
    ax.set_title("客户")
    with pytest.warns(UserWarning, match="missing from font"):
        draw(fig)


def test_cjk_font_is_installed_and_has_chinese_glyphs():
    name = cjk_font()
    path = font_manager.findfont(
        font_manager.FontProperties(family=name), fallback_to_default=False
    )
    font = FT2Font(path)
    for character in "客户关系管理营业部会员等级满意度":
        assert font.get_char_index(ord(character)) != 0, f"{name} has no glyph for {character}"


def test_use_cjk_font_returns_the_font_and_sets_the_style():
    name = use_cjk_font()
    assert name == cjk_font()
    assert matplotlib.rcParams["font.sans-serif"][0] == name
    assert matplotlib.rcParams["axes.unicode_minus"] is False  # CJK fonts often lack U+2212
    assert matplotlib.rcParams["svg.hashsalt"] == "crmkit"


def test_same_chart_gives_the_same_png_bytes():
    """Stored notebook outputs only change when a chart does."""
    use_cjk_font()

    def chart() -> bytes:
        fig, ax = plt.subplots()
        ax.plot([1, 2, 3], [3, 1, 2])
        ax.set_title("每月到店人次 / Visits per month")
        png = draw(fig)
        plt.close(fig)
        return png

    assert chart() == chart()


def test_no_cjk_font_gives_an_error_naming_the_package(monkeypatch):
    monkeypatch.setattr(plotting, "CJK_FONTS", ("No Such Font SC",))
    monkeypatch.setattr(font_manager, "findSystemFonts", lambda *args, **kwargs: [])
    cjk_font.cache_clear()
    try:
        with pytest.raises(CrmkitError, match="fonts-noto-cjk"):
            cjk_font()
    finally:
        cjk_font.cache_clear()
