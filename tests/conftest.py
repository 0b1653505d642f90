import contextlib
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
def page(browser, request):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, accept_downloads=True)
    opened = context.new_page()
    opened.set_default_timeout(60_000)
    yield opened
    report = getattr(request.node, "call_report", None)
    if report is not None and report.failed:
        describe_failure(opened, request.node, report)
    context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep the call phase's report on the test item: the ``page`` fixture reads it to describe a failure."""
    report = yield
    if report.when == "call":
        item.call_report = report
    return report


def describe_failure(page, item, report) -> None:
    """A failed browser test leaves what CI alone saw: a screenshot in test-artifacts/, and in the report the
    page's text and the end of the server's log (which often says why the page stopped changing)."""
    name = item.name.replace("/", "_")[:120]
    lines = []
    with contextlib.suppress(Exception):
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), timeout=10_000)
        lines.append(f"screenshot: test-artifacts/{name}.png")
    with contextlib.suppress(Exception):
        lines.append(f"url: {page.url}")
        text = page.get_by_test_id("stMain").inner_text(timeout=10_000)
        lines.append("main area's text:\n" + text[:4000])
    log = ARTIFACTS / "streamlit.log"
    with contextlib.suppress(OSError):
        lines.append("server log (end):\n" + "\n".join(log.read_text(errors="replace").splitlines()[-40:]))
    report.sections.append(("browser at failure", "\n".join(lines)))
