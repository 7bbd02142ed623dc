# Recruit Hub: one image for `hub serve` and `hub worker`.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    HUB_HOST=0.0.0.0 \
    HUB_PORT=8080 \
    HUB_DATA_DIR=/data

RUN useradd --create-home --uid 10001 hub \
    && mkdir -p /data /app \
    && chown hub:hub /data /app
WORKDIR /app

COPY setup.cfg pyproject.toml README.md ./
COPY hub ./hub
COPY api ./api
COPY media ./media
COPY workers ./workers
RUN pip install --upgrade pip && pip install .

USER hub
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ.get(\"HUB_PORT\", \"8080\")}/api/v1/health', timeout=2)"

ENTRYPOINT ["hub"]
CMD ["serve"]
