#!/bin/bash
# EC2 user data (Amazon Linux 2023): install the project and run it under systemd, configured at
# every start by `lambda-bootstrap exec` from the stage's SSM path and secrets (docs/hosts.md).
# It holds no secret, because user data is readable by anything on the instance through the
# instance metadata service: only the stage's name and where a release of the code is.
# The instance profile's role: `lambda-bootstrap policy STAGE --for ec2 [--trust]`.
set -euo pipefail

STAGE=prod                                           # a stage of zappa_settings.json
RELEASE_URL=https://example.com/coldstart/release.tar.gz # a `git archive` of this repository

dnf install -y python3.11
id coldstart >/dev/null 2>&1 ||
    useradd --system --no-create-home --home-dir /opt/coldstart --shell /sbin/nologin coldstart
install -d -m 0755 /opt/coldstart/app
curl --fail --silent --show-error --location "$RELEASE_URL" | tar -xz -C /opt/coldstart/app --strip-components=1
python3.11 -m venv /opt/coldstart/venv
/opt/coldstart/venv/bin/pip install --no-cache-dir --disable-pip-version-check \
    -r /opt/coldstart/app/requirements-container.txt
# The code and the virtualenv stay root's: the service's user can read them, not change them.
install -d -m 0755 /etc/coldstart
printf 'STAGE=%s\n' "$STAGE" >/etc/coldstart/stage.env
install -m 0644 /opt/coldstart/app/deploy/ec2/coldstart.service /etc/systemd/system/coldstart.service
systemctl daemon-reload
systemctl enable --now coldstart.service
