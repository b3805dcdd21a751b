#!/bin/sh
# The web process on a host other than Lambda (the Dockerfile's ENTRYPOINT, Elastic Beanstalk's
# Procfile): load the stage's configuration as its Lambda's cold start does, then become the
# command (gunicorn by default). exec twice: this shell becomes python, python becomes the command,
# so the command keeps this PID (PID 1 in a container) and gets `docker stop`'s SIGTERM itself.
# STAGE names a stage of zappa_settings.json: a pointer, never a value.
set -eu
exec lambda-bootstrap exec "${STAGE:?set STAGE to a stage of zappa_settings.json (e.g. -e STAGE=prod)}" -- "$@"
