# One image for every part of a distributed run: the reference service (`memload serve`), a master
# (`memload master`) and workers (`memload worker`). Built from this repository:
#   docker build -t memload:local .
# A pinned base: Python 3.11.7 on Debian bookworm, as on the machines memload is developed on.
FROM python:3.11.7-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY memload ./memload
COPY analysis ./analysis
COPY locustfiles ./locustfiles
COPY scenarios ./scenarios
RUN pip install --quiet . && useradd --create-home memload && mkdir /results && chown memload /results
USER memload
WORKDIR /results
# 5557: Locust's worker port (memload master); 5558: the scenario for workers; 8089: the web UI;
# 8000: the reference service
EXPOSE 5557 5558 8089 8000
ENTRYPOINT ["memload"]
CMD ["--help"]
