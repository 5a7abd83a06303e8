# Image for the workers and the dcs CLI (Docker path only; see docker-compose.yml).
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md topics.yaml ./
COPY contracts ./contracts
COPY workers ./workers
COPY sandbox ./sandbox
COPY kafka ./kafka
RUN pip install --no-cache-dir -e .
ENTRYPOINT []
CMD ["dcs", "--help"]
