FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY requirements.lock .
RUN pip install --no-cache-dir --require-hashes -r requirements.lock
COPY . .
RUN ECRF_ENV=production SECRET_KEY=collectstatic-only DATABASE_URL=postgresql://x@localhost/x \
    python manage.py collectstatic --noinput
RUN useradd --create-home ecrf && chown -R ecrf /app
USER ecrf
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
