# LTC for production: gunicorn serves the app, the same image runs the Celery worker and beat.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    LTC_VAR_DIR=/app/var

WORKDIR /app

# Dependencies first, so a code change does not reinstall them: the runtime lock, every
# package checked against its hashes (requirements/README.md).
COPY requirements/runtime.txt requirements/runtime.txt
RUN pip install --require-hashes --no-deps -r requirements/runtime.txt

COPY . .
# Static files are collected at build time with the production storage (hashed names); the
# key and host here exist only for this step.
RUN DJANGO_ENV=production SECRET_KEY=build-only-not-a-secret ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --noinput \
 && useradd --system --home /app ltc \
 && mkdir -p /app/var \
 && chown -R ltc /app/var

USER ltc
EXPOSE 8000
# gunicorn.conf.py holds the worker settings (two workers of four threads, JSON logs).
CMD ["gunicorn", "ltc.wsgi", "-b", "0.0.0.0:8000"]
