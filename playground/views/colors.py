"""TensorFlow Playground's colours: orange for negative / class 0, blue for positive / class 1."""

ORANGE = "#f59322"
GREY = "#e8eaeb"
BLUE = "#0877bd"
# Output -1 -> 0 -> 1 reads ORANGE -> GREY -> BLUE (class 0 -> undecided -> class 1).
# Further classes of multi-class problems, after orange and blue: ten, so that digits' classes 8 and 9 no longer
# repeat the colours of 0 and 1.
CLASS_COLORS = [ORANGE, BLUE, "#2ca02c", "#9467bd", "#d62728", "#8c564b", "#e377c2", "#17becf", "#bcbd22",
                "#393b79"]
TRAIN_COLOR = "#333333"
TEST_COLOR = "#999999"
