# The Cablegraph API, for `docker compose up` (Neo4j runs in its own container).
FROM python:3.11-slim
RUN apt-get update -q && apt-get install -y -q --no-install-recommends npm && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md ./
COPY schema schema
COPY graph graph
COPY loaders loaders
COPY api api
COPY seeds seeds
RUN pip install --no-cache-dir -e . \
 && npm ci --prefix api/static --no-audit --no-fund --ignore-scripts --loglevel=error
ENV CABLEGRAPH_HOST=0.0.0.0
EXPOSE 8000
# load the seeds and the inbox (idempotent), then serve
CMD ["sh", "-c", "cablegraph load && cablegraph serve"]
