# crosswarn on the official Airflow image: the project and its locked dependencies baked in.
FROM apache/airflow:3.3.2-python3.11

USER root
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/*
USER airflow

COPY --chown=airflow:root pyproject.toml uv.lock README.md /opt/crosswarn/
COPY --chown=airflow:root pipeline /opt/crosswarn/pipeline
COPY --chown=airflow:root regions /opt/crosswarn/regions
COPY --chown=airflow:root dags /opt/airflow/dags
# The lock pins apache-airflow to the image's version; install crosswarn with its runtime
# dependencies (not the dev group) and compiled bytecode.
RUN pip install --no-cache-dir --compile "/opt/crosswarn" "distributed" "pg8000" \
        "apache-airflow-providers-celery" "redis"
