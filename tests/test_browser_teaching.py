"""Browser test: every teaching page opens by its own link (through app.py) and shows no exception."""

import pytest

from tests.conftest import SCREENSHOTS

pytestmark = pytest.mark.slow

PAGES = {"forward": "Forward pass", "backprop": "Backpropagation", "activations": "Activation functions",
         "descent": "Gradient descent"}
# What each page shows once its script has run to the end.
FINISHED = {"forward": "Next neuron", "backprop": "match", "activations": "Softmax", "descent": "Adam"}


@pytest.mark.parametrize("path", list(PAGES))
def test_teaching_page_opens_without_an_exception(page, app_url, path):
    page.goto(f"{app_url}/{path}")
    page.get_by_role("heading", name=PAGES[path]).wait_for(timeout=90_000)
    page.get_by_text(FINISHED[path]).first.wait_for(timeout=90_000)
    page.wait_for_timeout(1000)
    assert page.get_by_test_id("stException").count() == 0
    # The app's navigation (not Streamlit's legacy pages/ listing) is in the sidebar.
    assert page.get_by_test_id("stSidebarNav").get_by_text("Learn the arithmetic").is_visible()
    page.screenshot(path=str(SCREENSHOTS / f"{path}.png"))


# Each formula's rightmost piece of text (KaTeX's .base boxes), its paragraph's right edge, and whether the formula
# or anything around it scrolls or clips (display math sat in an overflow box: cut off, with no scrollbar shown).
FORMULA_EXTENTS_JS = """() => [...document.querySelectorAll('[data-testid="stMarkdownContainer"] .katex')].map(math => {
  const box = math.closest('[data-testid="stMarkdownContainer"]');
  const right = Math.max(...[...math.querySelectorAll('.base')].map(base => base.getBoundingClientRect().right));
  let overflow = false;
  for (let node = math; node !== box.parentElement; node = node.parentElement)
    overflow = overflow || node.scrollWidth > node.clientWidth + 1;
  return {text: math.textContent.slice(0, 40), right, limit: box.getBoundingClientRect().right, overflow};
})"""


def test_a_trained_networks_long_formulas_wrap_inside_the_column_at_1280_px(browser, app_url):
    # An 8-unit layer before the output: its formula has 8 products, about twice the column's width (issue 9f).
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    page.set_default_timeout(90_000)
    try:
        page.goto(f"{app_url}/?layers=8,8")
        page.locator(".pg-epoch").wait_for()
        page.get_by_role("button", name="Step", exact=True).click()
        page.wait_for_function("() => parseInt(document.querySelector('.pg-epoch b')?.innerText) >= 1")
        page.get_by_test_id("stSidebarNav").get_by_text("Forward pass").click()  # same session, same run
        page.get_by_text("My trained network").click()
        page.get_by_text("Every layer").wait_for()
        page.wait_for_timeout(1000)
        extents = page.evaluate(FORMULA_EXTENTS_JS)
        assert len(extents) == 4  # the output neuron and the three layers as vectors
        assert not [extent for extent in extents if extent["overflow"] or extent["right"] > extent["limit"] + 1]
    finally:
        context.close()
