"""Charts whose Chinese text renders: find an installed CJK font and make matplotlib use it."""

from __future__ import annotations

from functools import lru_cache

from .errors import CrmkitError

# Linux (Debian/Ubuntu packages), then the fonts Windows and macOS students already have
CJK_FONTS = (
    "Noto Sans CJK SC",
    "WenQuanYi Micro Hei",
    "Source Han Sans SC",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
    "Heiti SC",
    "Arial Unicode MS",
)


@lru_cache(maxsize=1)
def cjk_font() -> str:
    """The name of the first installed font that has Chinese glyphs.

    Raises a CrmkitError naming the package to install when there is none.
    """
    from matplotlib import font_manager

    for attempt in range(2):
        installed = {font.name for font in font_manager.fontManager.ttflist}
        for name in CJK_FONTS:
            if name in installed:
                return name
        if attempt == 0:
            _add_fonts_installed_after_cache(font_manager)
    raise CrmkitError(
        "找不到中文字体，图中的汉字会显示成方框。Debian/Ubuntu 请运行 `sudo apt-get install "
        "fonts-noto-cjk`，然后重启内核 / No Chinese font found, so Chinese text would show as "
        "boxes. On Debian/Ubuntu run `sudo apt-get install fonts-noto-cjk`, then restart the kernel"
    )


def _add_fonts_installed_after_cache(font_manager) -> None:
    """matplotlib caches its font list; a font installed later is added here instead."""
    hints = (
        "cjk",
        "wqy",
        "wenquanyi",
        "simhei",
        "msyh",
        "pingfang",
        "heiti",
        "sourcehan",
        "unicode",
    )
    for path in font_manager.findSystemFonts():
        if any(hint in path.lower() for hint in hints):
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError, ValueError):
                continue  # an unreadable font file is not ours to fix


def use_cjk_font() -> str:
    """Make matplotlib draw Chinese with :func:`cjk_font` and keep outputs reproducible.

    Returns the font's name. Call it once at the top of a notebook.
    """
    import matplotlib as mpl

    name = cjk_font()
    mpl.rcParams["font.family"] = "sans-serif"
    mpl.rcParams["font.sans-serif"] = [name, "DejaVu Sans"]
    mpl.rcParams["axes.unicode_minus"] = False  # CJK fonts often lack the Unicode minus sign
    mpl.rcParams["svg.hashsalt"] = "crmkit"  # same figure, same bytes
    mpl.rcParams["figure.figsize"] = (7.0, 4.0)
    mpl.rcParams["figure.dpi"] = 100
    return name
