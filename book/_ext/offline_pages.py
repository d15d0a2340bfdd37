"""Sphinx extension for the case-library site: pages load nothing from the web.

- Drops sphinx-thebe's scripts and per-page settings (Jupyter Book always adds them; they hold the
  address of thebe on a CDN, used only by a "live code" button this site does not have).
- Fails the build, naming the page and the address, if any other script or stylesheet would be
  fetched from another site, so a theme or extension update cannot bring a CDN in unnoticed.
"""

from __future__ import annotations

import re

from docutils import nodes
from sphinx.errors import ExtensionError

EXTERNAL = re.compile(r"^(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)


def _address(asset) -> str:
    return str(getattr(asset, "filename", asset) or "")


def _is_thebe(asset) -> bool:
    body = getattr(asset, "attributes", {}).get("body", "")
    return "sphinx-thebe" in _address(asset) or "THEBE_JS_URL" in body


def drop_thebe_settings(app, doctree, docname) -> None:
    for node in list(doctree.findall(nodes.raw)):
        if "text/x-thebe-config" in node.astext():
            node.parent.remove(node)


def keep_pages_offline(app, pagename, templatename, context, doctree) -> None:
    if "script_files" in context:
        context["script_files"] = [
            asset for asset in context["script_files"] if not _is_thebe(asset)
        ]
    if "css_files" in context:
        context["css_files"] = [
            asset for asset in context["css_files"] if "sphinx-thebe" not in _address(asset)
        ]
    for asset in context.get("script_files", []) + context.get("css_files", []):
        if EXTERNAL.match(_address(asset)):
            raise ExtensionError(
                f"{pagename}: 页面会从网上加载 / the page would load {_address(asset)} from the "
                "web; the site must work offline (book/_config.yml, book/build.py)"
            )


def setup(app):
    # after sphinx-thebe adds them
    app.connect("doctree-resolved", drop_thebe_settings, priority=900)
    app.connect("html-page-context", keep_pages_offline)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
