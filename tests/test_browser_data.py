"""Browser tests of tables: a CSV upload through Chromium's file chooser (a bad file, then a good one that
trains), and a built-in table with its evaluation tab."""

import pytest
from csv_samples import pima_csv

from tests.conftest import SCREENSHOTS
from tests.test_browser_playground import wait_for_app, wait_for_epoch

pytestmark = pytest.mark.slow


def choose_file(page, name: str, data: bytes, mime: str = "text/csv") -> None:
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(
        files=[{"name": name, "mimeType": mime, "buffer": data}])


def test_csv_upload_bad_then_good_trains_in_the_browser(page, app_url):
    page.goto(f"{app_url}/?dataset=csv&layers=8&activation=relu&optimizer=adam&lr=0.01&batch=16&train=80"
              "&epochs=60")
    page.get_by_text("none is loaded").wait_for()
    assert page.locator(".pg-epoch").count() == 0  # nothing to train yet

    choose_file(page, "photo.csv", b"\x89PNG\r\n\x1a\n" + bytes(256), "image/png")
    page.get_by_text("it looks like a PNG image").wait_for()
    assert page.get_by_test_id("stException").count() == 0

    choose_file(page, "pima.csv", pima_csv(300))
    wait_for_app(page)
    page.get_by_text("it looks like a PNG image").wait_for(state="detached")
    assert "problem=binary" in page.url and "dataset=csv" in page.url
    page.get_by_role("button", name="Play", exact=True).click()
    wait_for_epoch(page, "epoch === 60", timeout=120_000)
    page.get_by_text("Finished").wait_for()
    page.get_by_role("tab", name="Evaluation").click()
    page.get_by_text("ROC AUC").wait_for()
    assert page.get_by_test_id("stException").count() == 0
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.mouse.move(700, 700)
    page.get_by_role("tab", name="Evaluation").scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "csv-evaluation.png"))


def test_digits_show_images_and_a_confusion_matrix(page, app_url):
    page.goto(f"{app_url}/?dataset=digits&layers=32&activation=relu&optimizer=adam&lr=0.003&batch=32&epochs=15")
    wait_for_app(page)
    page.get_by_test_id("stMainBlockContainer").get_by_text("Data", exact=True).click()
    page.get_by_text("The first digits").wait_for()
    page.get_by_role("button", name="Play", exact=True).click()
    wait_for_epoch(page, "epoch === 15", timeout=120_000)
    page.get_by_text("Finished").wait_for()
    page.get_by_role("tab", name="Evaluation").click()
    page.locator(".st-key-confusion svg").filter(has_text="predicted").wait_for()
    assert page.locator(".st-key-confusion svg g").count() == 100  # ten classes by ten
    page.get_by_text("F1 (macro)").wait_for()
    assert page.get_by_test_id("stException").count() == 0
    page.mouse.move(700, 700)
    page.locator(".pg-epoch").scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "digits.png"))
