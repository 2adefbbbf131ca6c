# crosswarn on the official Airflow image: the project, its region configuration, the DAGs and
# the deployment scripts baked in. docker-compose.yml builds it; see README, "Deployment".
# The image already has the providers the deployment uses (celery, fab, postgres, redis, statsd).
FROM apache/airflow:3.3.2-python3.11

# The volumes are mounted at these paths. A new named volume starts as a copy of the image's
# directory, ownership included, so the airflow user (uid 50000, gid 0) can write to it;
# airflow-init fixes volumes created before these directories existed.
USER root
RUN mkdir -p /data/archive /data/work /data/out /data/cache /data/web /opt/airflow/logs \
    && chown -R airflow:0 /data /opt/airflow/logs \
    && chmod -R g+rwX /data /opt/airflow/logs
USER airflow

COPY --chown=airflow:0 pyproject.toml uv.lock README.md /opt/crosswarn/
COPY --chown=airflow:0 pipeline /opt/crosswarn/pipeline
COPY --chown=airflow:0 regions /opt/crosswarn/regions
# crosswarn requires apache-airflow==3.3.2, the image's own, so pip keeps the image's Airflow
# and providers and adds crosswarn's runtime dependencies (not the dev group).
RUN pip install --no-cache-dir --compile /opt/crosswarn

# The region registry and criteria every stage after fetch reads (scope.yaml, criteria/...).
ENV CROSSWARN_REGIONS_DIR=/opt/crosswarn/regions
# Fail the build rather than the first DAG run: the configuration loads, the providers are there.
RUN python -c "from pipeline.orchestration.config import load_config; \
from pipeline.settings import Settings; load_config(Settings().regions_dir)" \
    && python -c "from importlib.metadata import version; \
[version(f'apache-airflow-providers-{p}') for p in ('celery', 'fab', 'postgres', 'redis')]"

COPY --chown=airflow:0 deploy /opt/crosswarn/deploy
COPY --chown=airflow:0 dags /opt/airflow/dags
