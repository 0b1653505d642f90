import base64
import html
import io
import pathlib
import re

import matplotlib
import numpy as np
import pytest
from PIL import Image, ImageFont

from playground.data.points import grid_points
from playground.spec import RunSpec
from playground.views.colors import BLUE, ORANGE
from playground.views.diagram_svg import diagram_svg
from playground.views.network_layout import layout_for_spec, layout_network
from playground.views.output_view import output_picture_uri, points_svg


def weights_for(sizes, seed=0):
    rng = np.random.default_rng(seed)
    weights = []
    for units_in, units_out in zip(sizes[:-1], sizes[1:], strict=False):
        weights += [rng.normal(size=(units_in, units_out)).astype(np.float32), rng.normal(size=units_out)]
    return tuple(weights)


def test_every_link_and_node_has_a_tooltip_with_its_weight_or_bias():
    spec = RunSpec()
    weights = weights_for([2, 4, 2, 1])
    layout = layout_for_spec(spec, weights=weights, output_units=1)
    svg = diagram_svg(layout)
    titles = re.findall(r"<title>(.*?)</title>", svg)
    assert len(titles) == len(layout.links) + len(layout.nodes)
    # hidden_1[2] -> hidden_2[1] is W2[2, 1]; underscores are escaped for Markdown
    expected = f"hidden&#95;1[2] → hidden&#95;2[1]: w = {weights[2][2, 1]:.4f}"
    assert expected in titles
    assert f"bias = {weights[1][3]:.4f}" in svg
    assert "tanh(Σ n[X·w]+b)" in svg and "= 4 out" in svg and "sigmoid(Σ n[X·w]+b)" in svg


def test_link_colour_follows_the_sign():
    layout = layout_for_spec(RunSpec(layers=(1,), activations=("tanh",), dropout_rates=(0.0,)),
                             weights=(np.array([[2.0], [-1.0]]), np.zeros(1), np.array([[0.5]]), np.zeros(1)),
                             output_units=1)
    svg = diagram_svg(layout)
    visible = re.findall(r'stroke="(#[0-9a-fA-F]{6})" stroke-width', svg)
    assert visible.count(BLUE) == 2 and visible.count(ORANGE) == 1


def test_hidden_nodes_show_their_heatmaps_and_large_layers_an_ellipsis():
    spec = RunSpec(layers=(64,), activations=("relu",), dropout_rates=(0.0,))
    layout = layout_for_spec(spec, weights=weights_for([2, 64, 1]), output_units=1)
    pictures = {(1, unit): np.zeros((8, 8, 3), dtype=np.uint8) for unit in range(64)}
    svg = diagram_svg(layout, pictures)
    assert svg.count("<image ") == 10  # only the drawn nodes
    assert "⋮" in svg and svg.startswith("<svg") and svg.endswith("</svg>")


def test_the_output_picture_puts_positive_y_at_the_top_and_the_points_where_they_are():
    grid = grid_points(100)
    output = (grid[:, 1:2] > 0).astype(np.float32)  # sigmoid output 1 above the x axis, 0 below
    uri = output_picture_uri(output, "binary")
    picture = np.asarray(Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))).convert("RGB"))
    assert picture.shape == (100, 100, 3) and picture.dtype == np.uint8  # the browser scales it to the box
    assert tuple(picture[2, 2]) == tuple(int(BLUE[i:i + 2], 16) for i in (1, 3, 5))
    assert tuple(picture[97, 2]) == tuple(int(ORANGE[i:i + 2], 16) for i in (1, 3, 5))
    svg = points_svg(np.array([[0.0, 3.0]], dtype=np.float32), np.array([1]), "binary")
    assert 'd="M150 75h0" stroke="#ffffff" stroke-width="9"' in svg  # the white ring around the point


# Matplotlib ships DejaVu Sans, the font Chromium draws "sans-serif" with on Linux (wider than Arial).
DEJAVU_SANS = pathlib.Path(matplotlib.get_data_path(), "fonts", "ttf", "DejaVuSans.ttf")
LONG_NAMES = {
    "PIMA diabetes": ["Pregnancies", "Glucose", "BloodPressure", "SkinThickness", "Insulin", "BMI",
                      "DiabetesPedigreeFunction", "Age"],
    "wine": ["proanthocyanins", "od280/od315_of_diluted_wines", "color_intensity"],
    "capitals": ["MAXIMUM_WEIGHT_KG", "WWWWWWWWWWWWWWWWWW", "mmmmmmmmmmmmmmmmmm", "Wochentag (Mo–So)"],
}


@pytest.mark.parametrize("names", list(LONG_NAMES.values()), ids=list(LONG_NAMES))
def test_long_input_and_output_labels_fit_inside_the_view_box(names):
    layout = layout_network([len(names), 4, len(names)], ["tanh", "softmax"], input_labels=names,
                            output_labels=names[::-1])
    svg = diagram_svg(layout)
    view_width = float(re.search(r'viewBox="0 0 ([\d.]+) ', svg).group(1))
    labels = re.findall(r'<text x="([\d.-]+)" [^>]*font-size="(\d+)"[^>]*text-anchor="(start|end)">([^<]*)</text>', svg)
    assert len(labels) == 2 * len(names)
    for x, size, anchor, text in labels:
        width = ImageFont.truetype(str(DEJAVU_SANS), int(size)).getlength(html.unescape(text))
        left, right = (float(x) - width, float(x)) if anchor == "end" else (float(x), float(x) + width)
        assert left >= 0 and right <= view_width, (text, left, right, view_width)
