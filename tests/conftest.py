import os

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

from bench.server import CHROMIUM, ROOT, chromium, streamlit_server  # noqa: E402

SCREENSHOTS = ROOT / "assets" / "screenshots"
ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture(scope="session")
def app_url():
    """The app as `make run` serves it (`streamlit run serve.py`: app.py plus the live channel), bound to
    127.0.0.1 on a free port, for the browser tests."""
    ARTIFACTS.mkdir(exist_ok=True)
    with streamlit_server(ARTIFACTS / "streamlit.log") as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
    with chromium() as launched:
        yield launched


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, accept_downloads=True)
    opened = context.new_page()
    opened.set_default_timeout(60_000)
    yield opened
    context.close()
