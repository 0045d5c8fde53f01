# LTC for production: gunicorn serves the app, the same image runs the Celery worker and beat.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    LTC_VAR_DIR=/app/var

WORKDIR /app

# Dependencies first, so a code change does not reinstall them.
COPY pyproject.toml ./
RUN pip install .

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
CMD ["gunicorn", "ltc.wsgi", "-w", "2", "--worker-class", "gthread", "--threads", "4", \
     "--keep-alive", "5", "-b", "0.0.0.0:8000", "--access-logfile", "-"]
