"""The data-set thumbnails' markup: one button per data set, the chosen one pressed, labels escaped."""

import re

from playground.ui.dataset_picker import thumbnails_html


def test_one_button_per_data_set_and_the_chosen_one_pressed():
    markup = thumbnails_html(("circle", "xor"), ("circle", "x<or>"), chosen="xor")
    buttons = re.findall(r'<button type="button" data-name="(\w+)" title="([^"]*)" aria-pressed="(\w+)">', markup)
    assert buttons == [("circle", "circle", "false"), ("xor", "x&lt;or&gt;", "true")]
    assert markup.count('src="data:image/png;base64,') == 2 and "<span>x&lt;or&gt;</span>" in markup
