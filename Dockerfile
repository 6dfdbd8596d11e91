# inngest-sim dev as a container: a stand-in for Inngest's dev server image in CI.
#
#   docker build -t inngest-sim-dev .
#   docker run --rm -p 8288:8288 --add-host=host.docker.internal:host-gateway inngest-sim-dev
#
# It listens on 0.0.0.0 inside the container (the published port is the only way in) and
# calls apps on other hosts (your app runs outside it). More flags go in
# INNGEST_SIM_DEV_ARGS, e.g. "--clock virtual --hold-time -u http://host.docker.internal:3000/api/inngest";
# a flag given there wins over the same flag below. See docs/dev-server.md ("In a container").
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    INNGEST_SIM_DEV_ARGS=""

WORKDIR /src
COPY pyproject.toml README.md LICENSE CHANGELOG.md MANIFEST.in ./
COPY _inngest_sim_pytestplugin.py ./
COPY inngest_sim ./inngest_sim
RUN pip install --no-compile '.[dev,mcp,re2]' && rm -rf /src

RUN useradd --create-home --uid 10001 inngest
USER inngest
WORKDIR /home/inngest

EXPOSE 8288
# Ready once REST API v2's health answers (what CI polls, as it polls Inngest's image).
HEALTHCHECK --interval=2s --timeout=2s --start-period=2s --retries=15 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8288/api/v2/health', timeout=1)"]

# A shell form so that INNGEST_SIM_DEV_ARGS is split into flags; exec keeps the server PID 1,
# so `docker stop` (SIGTERM) stops it cleanly.
CMD ["sh", "-c", "exec inngest-sim dev --host 0.0.0.0 --port 8288 --allow-remote-apps $INNGEST_SIM_DEV_ARGS"]
