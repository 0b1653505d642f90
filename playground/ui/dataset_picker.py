"""The data-set thumbnails above the data-set menu, clickable as in TensorFlow Playground.

A small custom component (Streamlit's components v2: inline HTML, CSS and JS, no iframe, nothing fetched): each
thumbnail is a button; a click sends the data set's name back to Python, which picks it as the menu would.
"""

from __future__ import annotations

import functools
import html
from collections.abc import Callable

import streamlit as st

from playground.views.boundary import preview_image
from playground.views.diagram_svg import png_data_uri

THUMBNAIL_PIXELS = 48

_CSS = """
.pg-picker { display: flex; flex-wrap: wrap; gap: 6px 2px; margin-bottom: 2px; }
.pg-picker button {
  display: flex; flex-direction: column; align-items: center; gap: 2px; width: 74px; padding: 3px 0 2px;
  border: 2px solid transparent; border-radius: 6px; background: none; cursor: pointer;
  font: inherit; font-size: 11px; line-height: 1.2; color: var(--st-text-color);
}
.pg-picker button:hover { border-color: var(--st-border-color, #d5dae5); }
.pg-picker button[aria-pressed="true"] { border-color: var(--st-primary-color); font-weight: 600; }
.pg-picker button:focus-visible { outline: 2px solid var(--st-primary-color); outline-offset: 1px; }
.pg-picker img { width: 44px; height: 44px; image-rendering: pixelated; border-radius: 3px; }
.pg-picker span { max-width: 72px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
"""

# Buttons are rebuilt from the data on every render, so the highlighted one follows the menu.
_JS = """
export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  let box = parentElement.querySelector(".pg-picker");
  if (!box) {
    box = document.createElement("div");
    box.className = "pg-picker";
    box.setAttribute("role", "group");
    box.setAttribute("aria-label", "Data sets");
    parentElement.appendChild(box);
  }
  box.innerHTML = data.html;
  box.querySelectorAll("button[data-name]").forEach((button) => {
    button.onclick = () => setTriggerValue("picked", button.dataset.name);
  });
}
"""


@functools.cache
def _picker():
    return st.components.v2.component("playground.dataset_picker", css=_CSS, js=_JS)


@functools.cache
def thumbnail_uri(name: str) -> str:
    return png_data_uri(preview_image(name, THUMBNAIL_PIXELS))


def thumbnails_html(names: tuple[str, ...], labels: tuple[str, ...], chosen: str) -> str:
    """One button per data set: its thumbnail and its label (on one line), the chosen one pressed."""
    buttons = []
    for name, label in zip(names, labels, strict=True):
        text = html.escape(label)
        buttons.append(
            f'<button type="button" data-name="{html.escape(name)}" title="{text}" '
            f'aria-pressed="{str(name == chosen).lower()}"><img src="{thumbnail_uri(name)}" alt="">'
            f"<span>{text}</span></button>")
    return "".join(buttons)


def pick_dataset(names: tuple[str, ...], labels: tuple[str, ...], chosen: str, key: str,
                 on_pick: Callable[[str], None]) -> None:
    """Draw the thumbnails; a click calls ``on_pick(name)`` before the next run (as a widget's on_change does,
    so it may set other widgets' values)."""

    def picked() -> None:
        name = (st.session_state.get(key) or {}).get("picked")
        if name in names and name != chosen:
            on_pick(name)

    _picker()(data={"html": thumbnails_html(names, labels, chosen)}, key=key, on_picked_change=picked)
