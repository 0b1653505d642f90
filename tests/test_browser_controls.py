"""Browser tests of the controls: the data-set thumbnails pick a data set, their labels fit on one line."""

import urllib.parse

import pytest

from playground.spec import RunSpec
from tests.conftest import SCREENSHOTS

pytestmark = pytest.mark.slow

THUMBNAIL = ".pg-picker button[data-name='{name}']"


def url_spec(page) -> RunSpec:
    return RunSpec.from_query(urllib.parse.urlparse(page.url).query).spec


def test_clicking_a_thumbnail_picks_its_data_set(page, app_url):
    page.goto(f"{app_url}/?seed=3&lr=0.1")
    page.locator(".pg-epoch").wait_for()
    moons = page.locator(THUMBNAIL.format(name="moons"))
    moons.wait_for()
    assert page.locator(THUMBNAIL.format(name="circle")).get_attribute("aria-pressed") == "true"
    moons.click()
    page.wait_for_function("() => new URLSearchParams(location.search).get('dataset') === 'moons'")
    spec = url_spec(page)
    assert spec.dataset == "moons" and spec.seed == 3 and spec.learning_rate == 0.1  # only the data set changed
    page.locator(THUMBNAIL.format(name="moons") + "[aria-pressed='true']").wait_for()
    assert page.get_by_role("combobox", name="Data set").input_value() == "moons"  # the menu follows
    # A regression problem offers its own data sets, and a click picks one of those.
    page.goto(f"{app_url}/?problem=regression&dataset=plane")
    page.locator(THUMBNAIL.format(name="multi_gauss")).click()
    page.wait_for_function("() => new URLSearchParams(location.search).get('dataset') === 'multi_gauss'")
    assert url_spec(page).problem == "regression"


@pytest.mark.parametrize("width", [1366, 1280])
def test_thumbnail_labels_stay_on_one_line(page, app_url, width):
    page.set_viewport_size({"width": width, "height": 768 if width == 1366 else 720})
    page.goto(app_url)
    page.locator(THUMBNAIL.format(name="checkerboard")).wait_for()
    heights = page.locator(".pg-picker button span").evaluate_all(
        "spans => spans.map(span => [span.innerText, span.getBoundingClientRect().height,"
        " parseFloat(getComputedStyle(span).lineHeight), span.scrollWidth - span.clientWidth])")
    assert len(heights) == 6
    for text, height, line, cut in heights:
        assert height < 1.5 * line, f"{text!r} wraps ({height:.0f} px for a {line:.0f} px line)"
        assert cut <= 0, f"{text!r} is cut short"
    assert [text for text, *_ in heights] == ["circle", "xor", "gauss", "spiral", "moons", "checkerboard"]
    if width == 1366:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.get_by_test_id("stSidebar").screenshot(path=str(SCREENSHOTS / "data-set-thumbnails.png"))
