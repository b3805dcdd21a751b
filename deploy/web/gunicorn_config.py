"""gunicorn's settings wherever the project runs outside Lambda (docs/hosts.md).

Read by ``gunicorn --config deploy/web/gunicorn_config.py``. Only the port and
the number of workers vary by host, through the variables the hosts already
use: ``PORT`` (Elastic Beanstalk's proxy forwards to 8000) and gunicorn's own
``WEB_CONCURRENCY``. ``GUNICORN_CMD_ARGS`` overrides any of it.
"""

import os

bind = [f"0.0.0.0:{os.environ.get('PORT', '8000')}"]
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
accesslog = "-"  # stdout and stderr: the host's log collector (docker logs, journald, CloudWatch agent)
errorlog = "-"
# The workers' heartbeat files in memory: a container's /tmp may be a slow overlay filesystem.
worker_tmp_dir = "/dev/shm"  # noqa: S108 - gunicorn makes unique 0600 files there (mkstemp)
graceful_timeout = 20  # inside `docker stop`'s and ECS's default 30 s before SIGKILL
