# Tandem's production image: gunicorn for the web, the same image for the Celery worker and beat.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    TANDEM_RUN_DIR=/app/.run

WORKDIR /app

# gettext: compilemessages turns the translation catalogs into .mo files at build time.
RUN apt-get update \
    && apt-get install --yes --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*

# Dependencies first, so that a code change does not reinstall them.
COPY pyproject.toml README.md ./
RUN pip install .

COPY . .

# Static files are collected into the image and served by WhiteNoise; the key below exists only
# for this build step (settings refuse to load without one) and is never used at run time.
RUN DEBUG=0 SECRET_KEY=build-only-collectstatic-key-not-used-at-run-time-0123456789 \
    python manage.py collectstatic --noinput --verbosity 0 \
    && if [ -d locale ]; then \
        DEBUG=0 SECRET_KEY=build-only-collectstatic-key-not-used-at-run-time-0123456789 \
        python manage.py compilemessages --verbosity 0; \
    fi \
    && useradd --system --uid 10001 --home-dir /app tandem \
    && mkdir -p /app/.run/media \
    && chown -R tandem /app/.run

USER tandem
EXPOSE 8000

# WEB_CONCURRENCY (gunicorn reads it) sets the number of web workers; 3 by default.
CMD ["gunicorn", "collab.wsgi", "--bind", "0.0.0.0:8000", "--access-logfile", "-", \
     "--timeout", "30", "--graceful-timeout", "20", "--forwarded-allow-ips", "*"]
