"""A run: the Keras model of a spec (``model``), the TensorFlow side that fits it (``engine``), the job that runs
it in a background thread under the page's control (``job``), what it publishes (``snapshot``), the registry of
every session's jobs (``registry``), the runs kept for comparison (``runs``), the test-split evaluation
(``evaluation``) and the loss watch (``loss_watch``). Only ``engine`` and ``model`` import Keras, when used."""
