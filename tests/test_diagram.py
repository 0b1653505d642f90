import io
import re
from xml.etree import ElementTree

import numpy as np
import PIL.Image
import pytest
from matplotlib.collections import LineCollection
from matplotlib.text import Text

from playground.spec import RunSpec
from playground.views import diagram, network_layout
from playground.views.colors import BLUE, ORANGE
from playground.views.diagram_svg import diagram_svg


def random_weights(layer_sizes, seed=0):
    """(W1, b1, ..., W_out, b_out) shaped like Snapshot.weights."""
    rng = np.random.default_rng(seed)
    weights = []
    for units_in, units_out in zip(layer_sizes[:-1], layer_sizes[1:], strict=True):
        weights += [rng.normal(0, 0.5, (units_in, units_out)), rng.normal(0, 0.1, units_out)]
    return tuple(weights)


def find_link(layout, layer, source_unit, target_unit):
    (link,) = [link for link in layout.links if link.source.layer == layer and link.source.unit == source_unit
               and link.target.unit == target_unit]
    return link


def nodes_per_layer(layout):
    return [sum(node.layer == layer.index for node in layout.nodes) for layer in layout.layers]


def test_nodes_links_labels_and_kinds_of_a_small_network():
    layout = network_layout.layout_network([2, 4, 2, 1], ["tanh", "tanh", "sigmoid"])
    assert nodes_per_layer(layout) == [2, 4, 2, 1]
    assert len(layout.links) == 2 * 4 + 4 * 2 + 2 * 1
    assert [node.kind for node in layout.nodes] == ["input"] * 2 + ["hidden"] * 6 + ["output"]
    assert [node.label for node in layout.nodes if node.label] == ["X₁", "X₂", "ŷ"]
    assert [layer.name for layer in layout.layers] == ["inputs", "hidden_1", "hidden_2", "output"]
    assert layout.ellipses == ()
    # Columns are centred on one line and the titles sit above the tallest one.
    assert all(np.mean([node.y for node in layout.nodes if node.layer == index]) == 0 for index in range(4))
    assert layout.title_y > max(node.y for node in layout.nodes)


def test_layer_titles_read_like_the_keras_tutorial():
    layout = network_layout.layout_for_spec(RunSpec())
    assert layout.titles == ("inputs = 2", "tanh(Σ n[X·w]+b) = 4 out", "tanh(Σ n[X·w]+b) = 2 out",
                             "sigmoid(Σ n[X·w]+b) = 1 out")
    spec = RunSpec.from_query("problem=multiclass&dataset=spiral&classes=3&layers=8&activation=relu"
                              "&features=x1,x2,sinx1").spec
    layout = network_layout.layout_for_spec(spec)
    assert layout.titles[-1] == "softmax(Σ n[X·w]+b) = 3 out"
    assert [node.label for node in layout.nodes if node.kind == "input"] == ["X₁", "X₂", "sin(X₁)"]
    assert [node.label for node in layout.nodes if node.kind == "output"] == ["class 0", "class 1", "class 2"]
    no_hidden = network_layout.layout_for_spec(RunSpec(layers=(), activations=(), dropout_rates=()))
    assert no_hidden.titles == ("inputs = 2", "sigmoid(Σ n[X·w]+b) = 1 out")


def test_a_64_unit_layer_shows_its_first_and_last_units_around_an_ellipsis():
    layer_sizes = [2, 64, 32, 1]
    layout = network_layout.layout_network(layer_sizes, ["relu", "relu", "sigmoid"], random_weights(layer_sizes))
    assert nodes_per_layer(layout) == [2, 10, 10, 1]
    assert layout.layers[1].drawn_units == (0, 1, 2, 3, 4, 59, 60, 61, 62, 63)
    assert len(layout.ellipses) == 2
    # The ellipsis sits in the gap between unit 4 and unit 59, in the layer's column.
    hidden = {node.unit: node for node in layout.nodes if node.layer == 1}
    ellipsis_x, ellipsis_y = layout.ellipses[0]
    assert ellipsis_x == hidden[4].x and hidden[59].y < ellipsis_y < hidden[4].y
    # Links only among drawn nodes: every pair of drawn nodes of neighbouring layers, nothing else.
    assert len(layout.links) == 2 * 10 + 10 * 10 + 10 * 1
    drawn = set(layout.nodes)
    assert all(link.source in drawn and link.target in drawn for link in layout.links)
    assert layout.titles[1] == "relu(Σ n[X·w]+b) = 64 out"
    small = network_layout.layout_network([2, 64, 1], ["relu", "sigmoid"], max_nodes=4)
    assert nodes_per_layer(small) == [2, 4, 1]


def test_link_weights_and_biases_come_from_the_right_entries():
    layer_sizes = [3, 64, 5, 2]
    weights = random_weights(layer_sizes)
    layout = network_layout.layout_network(layer_sizes, ["tanh", "tanh", "softmax"], weights)
    assert find_link(layout, 0, 2, 1).weight == weights[0][2, 1]
    assert find_link(layout, 0, 0, 62).weight == weights[0][0, 62]
    assert find_link(layout, 1, 61, 3).weight == weights[2][61, 3]
    assert find_link(layout, 2, 4, 1).weight == weights[4][4, 1]
    biases = {(node.layer, node.unit): node.bias for node in layout.nodes}
    assert biases[(0, 1)] is None
    assert biases[(1, 63)] == weights[1][63] and biases[(2, 0)] == weights[3][0]
    assert biases[(3, 1)] == weights[5][1]


def test_weights_of_a_keras_model_match_its_dense_kernels():
    from playground.training.model import build_model

    spec = RunSpec(initializer="playground", seed=5)
    weights = tuple(build_model(spec, 2, 1).get_weights())  # Dense kernels and biases only: no Dropout here
    layout = network_layout.layout_for_spec(spec, weights)
    assert find_link(layout, 0, 1, 3).weight == weights[0][1, 3]
    assert find_link(layout, 1, 3, 0).weight == weights[2][3, 0]
    assert find_link(layout, 2, 1, 0).weight == weights[4][1, 0]
    assert [node.bias for node in layout.nodes if node.kind != "input"] == pytest.approx([0.1] * 7)


def test_wrong_weights_are_refused_clearly():
    assert network_layout.weights_fit([2, 4, 1], random_weights([2, 4, 1]))
    assert not network_layout.weights_fit([2, 4, 1], random_weights([2, 3, 1]))
    assert not network_layout.weights_fit([2, 4, 1], random_weights([2, 4, 4, 1]))
    with pytest.raises(ValueError, match="do not fit"):
        network_layout.layout_network([2, 4, 1], ["tanh", "sigmoid"], random_weights([2, 3, 1]))
    with pytest.raises(ValueError, match="activations"):
        network_layout.layout_network([2, 4, 1], ["tanh"])
    with pytest.raises(ValueError, match="input labels"):
        network_layout.layout_network([2, 4, 1], ["tanh", "sigmoid"], input_labels=["X₁"])


def test_colour_follows_the_sign_and_width_grows_with_the_size_of_w():
    layer_sizes = [2, 8, 8, 1]
    layout = network_layout.layout_network(layer_sizes, ["tanh", "tanh", "sigmoid"], random_weights(layer_sizes))
    colors, widths = network_layout.link_styles(layout)
    weights = np.array([link.weight for link in layout.links])
    assert colors == [BLUE if weight >= 0 else ORANGE for weight in weights]
    assert BLUE in colors and ORANGE in colors
    order = np.argsort(np.abs(weights))
    assert np.all(np.diff(widths[order]) >= 0)
    assert widths.max() == pytest.approx(network_layout.MAX_LINK_WIDTH)
    assert widths.min() >= network_layout.MIN_LINK_WIDTH
    # The Matplotlib figure draws exactly these colours and widths, under the nodes.
    figure = diagram.diagram_figure(layout)
    (links,) = [artist for artist in figure.axes[0].collections if isinstance(artist, LineCollection)]
    assert np.allclose(links.get_linewidths(), widths)
    assert links.get_zorder() < min(artist.get_zorder() for artist in figure.axes[0].collections
                                    if artist is not links)


def test_no_weights_yet_draws_thin_grey_links_everywhere():
    layout = network_layout.layout_network([2, 4, 2, 1], ["tanh", "tanh", "sigmoid"], None)
    assert not layout.has_weights and layout.max_abs_weight == 0
    assert all(link.weight is None for link in layout.links)
    assert all(node.bias is None for node in layout.nodes)
    colors, widths = network_layout.link_styles(layout)
    assert set(colors) == {network_layout.NO_WEIGHT_COLOR} and set(widths) == {network_layout.NO_WEIGHT_WIDTH}
    assert diagram.figure_bytes(diagram.diagram_figure(layout), "png").startswith(b"\x89PNG")
    titles = re.findall(r"<title>(.*?)</title>", diagram_svg(layout))
    link_titles = [title for title in titles if "→" in title]
    assert len(link_titles) == len(layout.links) and all(title.endswith("no weight yet") for title in link_titles)


def test_png_at_300_dpi_svg_and_legible_text():
    layer_sizes = [6, 8, 8, 8, 8, 8, 8, 1]
    layout = network_layout.layout_network(layer_sizes, ["tanh"] * 6 + ["sigmoid"], random_weights(layer_sizes))
    figure = diagram.diagram_figure(layout, title="6 x 8 tanh")
    assert figure.get_size_inches()[0] <= diagram.MAX_NATURAL_WIDTH + 0.01  # fits a printed page
    sizes = [text.get_fontsize() for text in figure.findobj(Text) if text.get_text()]
    assert sizes and min(sizes) >= 9
    assert "tanh(Σ n[X·w]+b)\n= 8 out" in [text.get_text() for text in figure.findobj(Text)]
    png = diagram.figure_bytes(figure, "png")
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    image = PIL.Image.open(io.BytesIO(png))
    assert image.info["dpi"] == pytest.approx((300, 300), abs=0.01)
    assert image.width > 6 * 300 * 0.9
    svg = ElementTree.fromstring(diagram.figure_bytes(figure, "svg"))
    assert svg.tag == "{http://www.w3.org/2000/svg}svg"
    assert len(list(svg.iter("{http://www.w3.org/2000/svg}path"))) >= len(layout.links)
    with pytest.raises(ValueError):
        diagram.figure_bytes(figure, "gif")
    assert diagram.diagram_figure(layout, width_inches=9).get_size_inches()[0] == pytest.approx(9)


