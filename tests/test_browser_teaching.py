"""Browser test: every teaching page opens from the app's navigation and shows no exception."""

import pytest

from tests.conftest import SCREENSHOTS

pytestmark = pytest.mark.slow

PAGES = {"forward": "Forward pass", "backprop": "Backpropagation", "activations": "Activation functions",
         "descent": "Gradient descent"}


@pytest.mark.parametrize("path", list(PAGES))
def test_teaching_page_opens_without_an_exception(page, app_url, path):
    page.goto(f"{app_url}/{path}")
    page.get_by_test_id("stMainBlockContainer").wait_for()
    page.wait_for_timeout(1500)
    page.wait_for_function("() => !document.querySelector('[data-testid=stSpinner]')", timeout=60_000)
    assert page.get_by_test_id("stException").count() == 0
    assert page.get_by_text(PAGES[path]).count() >= 1  # its title, or its entry in the navigation
    page.screenshot(path=str(SCREENSHOTS / f"{path}.png"))
