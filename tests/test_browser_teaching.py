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
