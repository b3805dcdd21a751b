# syntax=docker/dockerfile:1
# The Django project as a container (ECS, Kubernetes, docker run): docs/hosts.md.
# It holds no secret, in no layer and no build argument: the image carries pointers only
# (zappa_settings.json), and at start the entry point loads the stage's values from SSM and
# Secrets Manager into the process's environment, as the stage's Lambda does at cold start.
#   docker build -t coldstart .
#   docker run -e STAGE=prod -p 8000:8000 coldstart        (AWS credentials: the task or instance role)

FROM python:3.13-slim AS build
# The Lambda's requirements (the runtime library, editable from /app as the project installs it),
# the operator tool for `exec`, and gunicorn: requirements-container.txt.
WORKDIR /app
COPY pyproject.toml requirements.txt requirements-tool.txt requirements-container.txt ./
COPY lambda_bootstrap/ lambda_bootstrap/
COPY lambda-bootstrap-cli/ lambda-bootstrap-cli/
COPY docs/library.md docs/library.md
RUN python -m venv /venv \
    && /venv/bin/pip install --no-cache-dir --disable-pip-version-check \
        -r requirements-container.txt

FROM python:3.13-slim AS runtime
ENV PATH="/venv/bin:${PATH}" \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1
# A user with no home, no shell and no password: the code and the virtualenv stay root's, read-only to it.
RUN useradd --system --no-log-init --no-create-home --shell /usr/sbin/nologin --uid 10001 --user-group app
COPY --from=build /venv /venv
WORKDIR /app
# .dockerignore lets in only the code, zappa_settings.json and these files: never a .env.
COPY . .
RUN python -m compileall -q lambda_bootstrap lambda-bootstrap-cli project deploy/web
USER 10001:10001
EXPOSE 8000
ENTRYPOINT ["/app/deploy/web/entrypoint.sh"]
CMD ["gunicorn", "--config", "deploy/web/gunicorn_config.py", "project.wsgi"]
