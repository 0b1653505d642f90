"""The boundary views: colours, orientation on the grid, neuron thumbnails, previews, Matplotlib exports."""

import base64
import io
import re

import numpy as np
import pytest
from PIL import Image

from playground.data.points import grid_points
from playground.views import boundary, colors, figures, output_view

GRID = grid_points(100)
ORANGE, GREY, BLUE = (boundary.hex_to_rgb(color).astype(np.uint8) for color in (colors.ORANGE, colors.GREY,
                                                                                 colors.BLUE))
POINTS = np.array([[-3.0, 2.0], [4.0, -1.0], [0.5, 0.5]], dtype=np.float32)
CLASS_LABELS = np.array([0, 1, 1])


def probability_of_y() -> np.ndarray:
    """A binary output whose signed value is y / 6: blue at the top of the domain, orange at the bottom."""
    return ((GRID[:, 1] / 6 + 1) / 2).reshape(-1, 1)


def three_class_output(confident: bool = True) -> np.ndarray:
    """Softmax-like outputs: class 0 left of x = -2, class 1 right of x = 2, class 2 between."""
    classes = np.where(GRID[:, 0] < -2, 0, np.where(GRID[:, 0] > 2, 1, 2))
    top = 0.9 if confident else 0.4
    output = np.full((len(GRID), 3), (1 - top) / 2)
    output[np.arange(len(GRID)), classes] = top
    return output


def history(metric: str, epochs: int = 5) -> list[dict[str, float]]:
    return [{"epoch": epoch, "loss": 1 / (epoch + 1), "test_loss": 1.1 / (epoch + 1), metric: epoch / epochs,
             f"test_{metric}": epoch / epochs - 0.05} for epoch in range(epochs + 1)]


# ---- colours and signed output -----------------------------------------------------------------------------
def test_signed_output_per_problem():
    np.testing.assert_allclose(boundary.signed_output(np.array([[0.0], [0.5], [1.0], [0.75]]), "binary"),
                               [-1, 0, 1, 0.5])
    np.testing.assert_allclose(boundary.signed_output(np.array([[-3.0], [-0.2], [0.4], [2.0]]), "regression"),
                               [-1, -0.2, 0.4, 1], rtol=1e-6)
    with pytest.raises(ValueError):
        boundary.signed_output(np.zeros((4, 3)), "multiclass")


def test_colorize_ends_and_middle():
    rgb = boundary.colorize(np.array([-1.0, 0.0, 1.0, -5.0, np.nan]))
    assert rgb.dtype == np.uint8 and rgb.shape == (5, 3)
    for pixel, expected in zip(rgb, [ORANGE, GREY, BLUE, ORANGE, GREY], strict=True):
        np.testing.assert_array_equal(pixel, expected)


# ---- the output picture -------------------------------------------------------------------------------------
def drawn_at(svg: str, point: np.ndarray) -> list[str]:
    """The colours of the paths (``points_svg``) that draw a dot at a point of the plane: x right, y up, on the
    300 px square of the output view."""
    move = f"M{round((point[0] + 6) / 12 * 299)} {round((6 - point[1]) / 12 * 299)}h0"
    return [color for path, color in re.findall(r'<path d="([^"]*)" stroke="(#[0-9a-f]{6})"', svg) if move in path]


def test_points_are_drawn_in_their_class_colours_and_test_points_in_their_own_rings():
    train = output_view.points_svg(POINTS[:1], CLASS_LABELS[:1], "binary")
    test = output_view.points_svg(POINTS[1:2], CLASS_LABELS[1:2], "binary", test=True)
    assert drawn_at(train, POINTS[0]) == [boundary.TRAIN_OUTLINE, colors.ORANGE]  # a white ring, class 0 orange
    assert drawn_at(train, POINTS[1]) == []
    assert drawn_at(test, POINTS[1]) == [boundary.TEST_OUTLINE, colors.BLUE]  # a dark ring, class 1 blue
    np.testing.assert_array_equal(boundary.point_rgb(np.array([0, 1]), "binary"), [ORANGE, BLUE])


def picture(output: np.ndarray, problem: str, **options) -> np.ndarray:
    uri = output_view.output_picture_uri(output, problem, **options)
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))).convert("RGB"))


def test_discretize_gives_only_signs():
    values = boundary.output_values(probability_of_y(), "binary", discretize=True)
    assert set(np.unique(values)) == {-1.0, 1.0}
    assert np.all(values[GRID[:, 1] > 0] == 1) and np.all(values[GRID[:, 1] < 0] == -1)
    values = boundary.output_values(np.array([[-2.0], [0.3], [0.0]]), "regression", discretize=True)
    np.testing.assert_array_equal(values, [-1, 1, 1])


def test_multiclass_image_colours_and_orientation():
    z = boundary.output_image(three_class_output(), "multiclass").astype(int)
    assert z.shape == (100, 100, 3)
    # Confident cells lean to their class colour: orange on the left, blue on the right, green in the middle.
    left, right, middle = z[50, 5], z[50, 95], z[50, 50]
    assert left[0] > left[2] and right[2] > right[0] and middle[1] > max(middle[0], middle[2])

    upper_is_blue = np.stack([GRID[:, 1] < 0, GRID[:, 1] > 0, np.zeros(len(GRID))], axis=1).astype(float)
    z = boundary.output_image(upper_is_blue, "multiclass")
    assert np.all(z[0] == BLUE) and np.all(z[-1] == ORANGE)  # row 0 is the top (y = +6)

    discrete = boundary.output_image(three_class_output(), "multiclass", discretize=True)
    palette = {tuple(boundary.class_palette(3)[index].astype(np.uint8)) for index in range(3)}
    assert {tuple(pixel) for pixel in discrete.reshape(-1, 3)} == palette


@pytest.mark.parametrize("names", [("setosa", "versicolor", "virginica"), tuple("0123456789")],
                         ids=["iris", "digits"])
def test_the_class_legend_gives_each_class_the_colour_the_picture_uses(names):
    # Each class certain in its own band of the grid, discretized: every pixel is a class's full colour.
    bands = np.minimum(((GRID[:, 0] + 6) / 12 * len(names)).astype(int), len(names) - 1)
    output = np.eye(len(names))[bands]
    image = picture(output, "multiclass", discretize=True)
    row = image[50]
    legend = boundary.class_legend(names)
    assert [name for name, _ in legend] == list(names)
    for index, (_, color) in enumerate(legend):
        column = int((index + 0.5) / len(names) * image.shape[1])
        assert boundary.rgb_to_hex(row[column:column + 1]) == [color]  # the region of the class
        assert boundary.rgb_to_hex(boundary.point_rgb(np.array([index]), "multiclass")) == [color]  # its points
    assert len({color for _, color in legend}) == len(names)  # digits' 8 and 9 no longer look like 0 and 1


def test_the_class_legend_html_lists_every_name_with_its_swatch_in_order():
    html = boundary.class_legend_html(["setosa", "iris_virginica", "<b>"])
    colours = [color for _, color in boundary.class_legend(["setosa", "iris_virginica", "<b>"])]
    positions = [html.index(f"background:{color}") for color in colours]
    assert positions == sorted(positions)
    assert "setosa" in html and "iris&#95;virginica" in html and "&lt;b&gt;" in html  # escaped for Markdown
    assert html.index("setosa") < html.index("iris&#95;virginica") < html.index("&lt;b&gt;")


def test_multiclass_confidence_fades_to_grey():
    uniform = boundary.class_colors(np.full((2, 4), 0.25))
    np.testing.assert_array_equal(uniform, [GREY, GREY])
    certain = boundary.class_colors(np.array([[0.0, 0.0, 1.0, 0.0]]))
    np.testing.assert_array_equal(certain[0], boundary.class_palette(4)[2].astype(np.uint8))
    faded = boundary.class_colors(np.array([[0.1, 0.1, 0.7, 0.1]]))[0].astype(int)
    green = boundary.class_palette(4)[2]
    assert np.all(np.abs(faded - green) <= np.abs(GREY.astype(int) - green) + 1)
    assert not np.array_equal(faded, certain[0])


def test_output_image_row_zero_is_the_top():
    image = boundary.output_image(probability_of_y(), "binary")
    assert image.shape == (100, 100, 3) and image.dtype == np.uint8
    assert image[0, 0, 2] > image[0, 0, 0]  # top row blue
    assert image[-1, 0, 0] > image[-1, 0, 2]  # bottom row orange


def test_wrong_grid_size_is_reported():
    with pytest.raises(ValueError, match="10000"):
        boundary.output_image(np.zeros((50, 1)), "binary")


# ---- neuron thumbnails -------------------------------------------------------------------------------------
def test_neuron_images_shapes_and_colours():
    hidden = np.zeros((10000, 3), dtype=np.float32)
    hidden[:, 0], hidden[:, 1] = 1.0, -1.0  # neuron 2 stays at 0
    second = np.tile(GRID[:, 1:2] / 6, (1, 2))  # y / 6: blue top, orange bottom
    output = np.zeros((10000, 1))
    probe = (hidden, second, output)
    images = boundary.neuron_images(probe[:-1], ("tanh", "tanh"), size=40)  # the hidden layers
    assert [len(layer) for layer in images] == [3, 2]
    for layer in images:
        for image in layer:
            assert image.shape == (40, 40, 3) and image.dtype == np.uint8
    for image, color in zip(images[0], (BLUE, ORANGE, GREY), strict=True):
        assert np.all(image == color)
    top, bottom = images[1][0][0, 0].astype(int), images[1][0][-1, 0].astype(int)
    assert top[2] > top[0] and bottom[0] > bottom[2]
    assert [len(layer) for layer in boundary.neuron_images(probe)] == [3, 2, 1]  # every array given is drawn


def test_unbounded_neurons_are_scaled_to_their_peak():
    relu = np.zeros((10000, 2), dtype=np.float32)
    relu[:, 0] = np.where(GRID[:, 0] > 0, 0.01, 0.0)  # tiny but alive: shown at full blue where it peaks
    big = np.full((10000, 1), 7.0, dtype=np.float32)
    (small_images,) = boundary.neuron_images((relu,), ("relu",), size=20)
    assert np.all(small_images[0][:, -1] == BLUE) and np.all(small_images[0][:, 0] == GREY)
    assert np.all(small_images[1] == GREY)  # a dead neuron is grey, not NaN
    (tanh_images,) = boundary.neuron_images((relu,), ("tanh",), size=20)
    assert not np.any(np.all(tanh_images[0] == BLUE, axis=-1))  # bounded: 0.01 stays near grey
    (unknown,) = boundary.neuron_images((big,), size=10)  # 7 everywhere, activation unknown
    assert np.all(unknown[0] == BLUE)


def test_neuron_images_downsample_any_size():
    layer = np.tile(GRID[:, :1] / 6, (1, 1))  # x / 6: orange left, blue right
    for size in (10, 25, 40, 100):
        (images,) = boundary.neuron_images((layer,), ("tanh",), size=size)
        image = images[0].astype(int)
        assert image.shape == (size, size, 3)
        assert image[0, 0, 0] > image[0, 0, 2] and image[0, -1, 2] > image[0, -1, 0]


# ---- previews ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["circle", "spiral", "plane", "multi_gauss"])
def test_preview_images(name):
    image = boundary.preview_image(name, size=48)
    assert image.shape == (48, 48, 3) and image.dtype == np.uint8
    assert not image.flags.writeable
    assert boundary.preview_image(name, size=48) is image  # cached
    background = boundary.hex_to_rgb(boundary.PREVIEW_BACKGROUND).astype(np.uint8)
    assert np.any(np.any(image != background, axis=-1))  # some dots drawn


# ---- Matplotlib exports ------------------------------------------------------------------------------------
@pytest.mark.parametrize("metric", ["accuracy", "r2"])
def test_loss_curve_figure(metric):
    figure = figures.loss_curve_figure(history(metric), metric)
    loss_axes, metric_axes = figure.axes
    assert len(loss_axes.get_lines()) == 2 and len(metric_axes.get_lines()) == 2
    assert loss_axes.get_ylabel() == "loss" and metric_axes.get_ylabel() == figures.METRIC_LABELS[metric]
    assert len(figure.legends) == 1 and len(figure.legends[0].get_texts()) == 4


def test_loss_curve_figure_without_metric_or_history():
    records = [{"epoch": 0, "loss": 1.0, "test_loss": 1.2}, {"epoch": 1, "loss": 0.5, "test_loss": 0.7}]
    loss_axes, metric_axes = figures.loss_curve_figure(records, "accuracy").axes
    assert len(loss_axes.get_lines()) == 2 and not metric_axes.get_lines()
    assert figures.figure_png(figures.loss_curve_figure([], "r2"), dpi=50).startswith(b"\x89PNG")


@pytest.mark.parametrize("problem", ["binary", "multiclass", "regression"])
def test_boundary_png_figure(problem):
    output = three_class_output() if problem == "multiclass" else probability_of_y()
    labels = np.array([0.5, -0.5, 0.0]) if problem == "regression" else CLASS_LABELS
    figure = figures.boundary_png_figure(output, problem, POINTS, labels, POINTS[:2], labels[:2],
                                         title=problem)
    (axes,) = figure.axes
    (image,) = axes.get_images()
    assert list(image.get_extent()) == [-6, 6, -6, 6]
    assert len(axes.collections) == 2  # train and test points
    png = figures.figure_png(figure, dpi=50)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
