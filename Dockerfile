# syntax=docker/dockerfile:1
# Playground's image: one replica of the app on port 8501. Build it from the repository's top folder:
#     docker build -t playground .
#     docker run --rm -p 8501:8501 playground
# deploy/compose.yaml and deploy/kubernetes.yaml run several replicas behind nginx (README: "Serving a class").
# The server's settings are .streamlit/config.toml, copied below: the same file `make run` serves with.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    TF_CPP_MIN_LOG_LEVEL=2 \
    KERAS_BACKEND=tensorflow

# The dependencies first, in a layer of their own (a code change does not reinstall TensorFlow), read from
# pyproject.toml: tensorflow-cpu on Linux x86_64, full tensorflow elsewhere (e.g. an arm64 build).
COPY pyproject.toml /tmp/build/
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('/tmp/build/pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# The playground package itself (a regular install, not editable), then the app: its entry point, its pages and
# its settings. /app stays owned by root: the server only reads it.
COPY README.md /tmp/build/
COPY playground /tmp/build/playground
RUN pip install --no-deps /tmp/build && rm -rf /tmp/build

WORKDIR /app
COPY app.py serve.py ./
COPY app_pages ./app_pages
COPY .streamlit ./.streamlit

# Not root (by number, so that Kubernetes can check runAsNonRoot). The home folder takes Matplotlib's font
# cache and Keras's config.
RUN groupadd --gid 10001 playground \
    && useradd --create-home --uid 10001 --gid 10001 --shell /usr/sbin/nologin playground
USER 10001:10001

EXPOSE 8501
# Streamlit's own health endpoint: it answers once the server listens (the first session imports TensorFlow).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4).status != 200)"]

# `make run`'s command: only the address and the port on the command line, every other setting in the config.
CMD ["python", "-m", "streamlit", "run", "serve.py", "--server.address", "0.0.0.0", "--server.port", "8501"]
