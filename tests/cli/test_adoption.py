"""An outside project adopts the bootstrap by following docs/adopting.md, from the wheels, against moto's server.

A fresh virtualenv holds only Django, the runtime (with its Django extra) and
the tool, installed from wheels built out of a copy of this repository (as a
clean clone would build them). A project made by ``django-admin startproject``
whose settings read ``os.environ`` then goes through the page: ``init``,
``push``, ``check`` (values SKIP without a schema, PASS with one), ``exec``, and
a cold import that answers a request with a pushed value. Nothing of this
repository is importable there but what the wheels installed.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from testsupport.aws_env import FAKE_CREDENTIALS, NO_LOCAL_AWS
from testsupport.leaks import assert_nothing_leaked

from .tooling import check_rows

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
GREETING = "hello-from-the-bundle-" + "Gx7" * 8
SECRET_KEY = "adopter-secret-key-" + "Kq4!z" * 8
PINS = ("Django==5.2.19", "boto3==1.44.8", "botocore==1.44.8", "python-dotenv==1.2.4", "dj-database-url==3.1.2")
_SOURCES = shutil.ignore_patterns("__pycache__", "*.egg-info", "build", "dist")


@dataclass(frozen=True)
class Adopter:
    venv: Path
    project: Path
    environ: dict[str, str]

    def run(self, *argv: str, check: bool = False) -> subprocess.CompletedProcess[str]:
        """A command of the fresh virtualenv, run in the adopter's project folder."""
        command = [str(self.venv / "bin" / argv[0]), *argv[1:]]
        done = subprocess.run(
            command, cwd=self.project, env=self.environ, capture_output=True, text=True, timeout=120, check=False
        )
        if check:
            assert done.returncode == 0, f"{' '.join(argv)}: {done.stdout}{done.stderr}"
        return done


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Both wheels, built from a copy of the sources (the checkout gets no build/ or egg-info)."""
    copy = tmp_path_factory.mktemp("sources")
    shutil.copy(ROOT / "pyproject.toml", copy)
    shutil.copytree(ROOT / "lambda_bootstrap", copy / "lambda_bootstrap", ignore=_SOURCES)
    shutil.copytree(ROOT / "lambda-bootstrap-cli", copy / "lambda-bootstrap-cli", ignore=_SOURCES)
    (copy / "docs").mkdir()
    shutil.copy(ROOT / "docs" / "library.md", copy / "docs" / "library.md")
    out = tmp_path_factory.mktemp("wheels")
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run(
        [*pip, "wheel", "--no-deps", "-w", str(out), ".", "./lambda-bootstrap-cli"],
        cwd=copy,
        check=True,
        capture_output=True,
    )
    return out


@pytest.fixture(scope="module")
def venv(wheels: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv: Django, the runtime with its Django extra and the tool, from the wheels only."""
    folder = tmp_path_factory.mktemp("adopter") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True)
    runtime = next(wheels.glob("lambda_bootstrap-*.whl"))
    tool = next(wheels.glob("lambda_bootstrap_cli-*.whl"))
    slugify = f"python-slugify=={importlib.metadata.version('python-slugify')}"
    install = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q", "--python", str(folder / "bin/python")]
    subprocess.run(
        [*install, "install", f"{runtime}[django]", str(tool), *PINS, slugify],
        check=True,
        timeout=600,
        capture_output=True,
    )
    return folder


@pytest.fixture
def adopter(venv: Path, tmp_path: Path, moto_endpoint: str) -> Iterator[Adopter]:
    """A project fresh from ``django-admin startproject``, its settings reading os.environ, already on Zappa."""
    environ = {
        "PATH": f"{venv / 'bin'}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        "HOME": str(tmp_path),
        **FAKE_CREDENTIALS,
        **NO_LOCAL_AWS,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": moto_endpoint,
    }
    project = tmp_path / "mysite"
    project.mkdir()
    made = Adopter(venv, tmp_path, environ).run("django-admin", "startproject", "mysite", str(project), check=True)
    assert made.returncode == 0
    settings = project / "mysite" / "settings.py"
    text = settings.read_text()
    # docs/adopting.md, step 1: load() first, then the settings read the environment.
    text = text.replace(
        "from pathlib import Path\n",
        "import lambda_bootstrap\n\nlambda_bootstrap.load()\n\nimport os\nfrom pathlib import Path\n",
        1,
    )
    start = text.index("SECRET_KEY = ")
    text = text[:start] + 'SECRET_KEY = os.environ["SECRET_KEY"]' + text[text.index("\n", start) :]
    text = text.replace("ALLOWED_HOSTS = []", 'ALLOWED_HOSTS = os.environ.get("ALLOWED_HOSTS", "").split(",")')
    text += '\nGREETING = os.environ.get("GREETING", "")\n'
    settings.write_text(text)
    (project / "mysite" / "urls.py").write_text(
        textwrap.dedent(
            """
            from django.conf import settings
            from django.http import HttpResponse
            from django.urls import path

            urlpatterns = [path("greeting/", lambda request: HttpResponse(settings.GREETING))]
            """
        )
    )
    stage = {
        "project_name": "mysite",
        "aws_region": "us-east-1",
        "django_settings": "mysite.settings",
        "s3_bucket": "b",
    }
    (project / "zappa_settings.json").write_text(json.dumps({"prod": stage}, indent=2) + "\n")
    (project / ".env.prod").write_text(f"SECRET_KEY={SECRET_KEY}\nALLOWED_HOSTS=localhost\nGREETING={GREETING}\n")
    yield Adopter(venv, project, environ)


def test_an_outside_project_adopts_the_bootstrap_by_following_the_page(adopter: Adopter) -> None:
    outputs: list[str] = []

    def run(*argv: str, code: int = 0) -> subprocess.CompletedProcess[str]:
        done = adopter.run(*argv)
        outputs.append(done.stdout + done.stderr)
        assert done.returncode == code, f"{' '.join(argv)} exited {done.returncode}:\n{done.stdout}{done.stderr}"
        return done

    run("lambda-bootstrap", "init", "prod", "--required", "SECRET_KEY,GREETING")
    stage = json.loads((adopter.project / "zappa_settings.json").read_text())["prod"]
    assert stage["environment_variables"] == {"BOOTSTRAP_BUNDLE": "config", "BOOTSTRAP_REQUIRED": "SECRET_KEY,GREETING"}
    assert stage["attach_policy"] == "deploy/iam/prod.json"
    policy = run("lambda-bootstrap", "policy", "prod").stdout
    assert (adopter.project / "deploy/iam/prod.json").read_text() == policy
    assert run("lambda-bootstrap", "init", "prod").stdout.count("kept") == 1  # again: nothing changes

    pushed = run("lambda-bootstrap", "push", "prod", "--from", ".env.prod", "--yes")
    assert pushed.stderr.count("values are not typed") == 1
    untyped = run("lambda-bootstrap", "check", "prod")
    assert check_rows(untyped.stdout) == {
        "sources": "PASS",
        "required": "PASS",
        "values": "SKIP",
        "database": "SKIP",
        "policy-file": "PASS",
        "role": "SKIP",
        "burst": "PASS",
        "vpc": "SKIP",
        "age": "PASS",
        "unique": "SKIP",  # no other stage
        "encryption": "PASS",
    }

    (adopter.project / "mysite" / "keys.py").write_text(
        textwrap.dedent(
            """
            from lambda_bootstrap.schema import Boolean, List, Schema, Text

            class Keys(Schema):
                SECRET_KEY = Text(required=True, min_length=50, min_distinct=5)
                ALLOWED_HOSTS = List(required=True)
                GREETING = Text(required=True)
                REDIS_AUTH_ENABLED = Boolean(default=False)
            """
        )
    )
    run("lambda-bootstrap", "init", "prod", "--schema", "mysite.keys:Keys")
    typed = run("lambda-bootstrap", "check", "prod")
    assert check_rows(typed.stdout)["values"] == "PASS"
    assert "4 value(s)" not in typed.stdout and "3 value(s) parse by Keys" in typed.stdout
    (adopter.project / ".env.redis").write_text("REDIS_AUTH_ENABLED=maybe\n")
    refused = run("lambda-bootstrap", "push", "prod", "--from", ".env.redis", "--yes", code=2)
    assert "REDIS_AUTH_ENABLED must be a boolean" in refused.stderr

    expected = f"import os, sys; sys.exit(0 if os.environ['GREETING'] == {GREETING!r} else 3)"
    run("lambda-bootstrap", "exec", "prod", "--", "python", "-c", expected)

    # A cold start as Zappa's handler makes it: PROJECT, STAGE and the stage's variables, then the settings.
    cold = dict(adopter.environ, PROJECT="mysite", STAGE="prod", DJANGO_SETTINGS_MODULE="mysite.settings")
    cold.update(json.loads((adopter.project / "zappa_settings.json").read_text())["prod"]["environment_variables"])
    request = textwrap.dedent(
        """
        import sys, wsgiref.util
        from django.core.wsgi import get_wsgi_application
        import lambda_bootstrap
        environ = {"PATH_INFO": "/greeting/", "HTTP_HOST": "localhost"}
        wsgiref.util.setup_testing_defaults(environ)
        answer = b"".join(get_wsgi_application()(environ, lambda status, headers: None))
        assert "site-packages" in lambda_bootstrap.__file__, lambda_bootstrap.__file__
        sys.exit(0 if answer == sys.argv[1].encode() else 4)
        """
    )
    answered = subprocess.run(
        [str(adopter.venv / "bin/python"), "-c", request, GREETING],
        cwd=adopter.project,
        env=cold,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert answered.returncode == 0, answered.stdout + answered.stderr
    assert_nothing_leaked([GREETING, SECRET_KEY], *outputs)


def test_the_runtimes_metadata_requires_boto3_alone_and_imports_nothing_else(venv: Path) -> None:
    probe = textwrap.dedent(
        """
        import importlib.metadata as metadata, json, sys
        import lambda_bootstrap
        lambda_bootstrap.load()  # no pointer: a developer's machine
        loaded = sorted({name.split(".")[0] for name in sys.modules})
        print(json.dumps({"requires": metadata.requires("lambda-bootstrap"), "loaded": loaded}))
        """
    )
    done = subprocess.run(
        [str(venv / "bin/python"), "-I", "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    found = json.loads(done.stdout)
    plain = [r for r in found["requires"] if "extra ==" not in r]
    assert plain == ["boto3>=1.34"]
    extras = {r.split(";")[0].split(">=")[0].strip() for r in found["requires"] if "extra ==" in r}
    assert extras == {"Django", "dj-database-url", "python-dotenv"}
    assert not {"django", "zappa", "lambda_bootstrap_cli", "boto3", "botocore", "dotenv"} & set(found["loaded"])
