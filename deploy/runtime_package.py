"""Zappa's ``zip`` callback: make the package right for the stage's runtime, whatever Python builds it.

Zappa zips the deploying machine's virtualenv: on a Python 3.11 machine a
``python3.13`` stage would get psycopg2 built for 3.11 (it fails only on
Lambda, at import) and bytecode Lambda's interpreter ignores (every module
compiled again at every cold start, on a read-only file system). Zappa's own
swap (``use_precompiled_packages``) asks PyPI's JSON API and swallows its
errors, so this project turns it off and does the work here, after Zappa has
written the zip and before it uploads it:

1. every distribution in the zip whose wheel is not pure Python, or not built
   for the runtime's Python and architecture, is installed again by pip for
   the runtime (``--platform manylinux_*_<arch> --python-version 3.13
   --abi cp313 --only-binary=:all:``, same version) and replaces the old one
   file for file (its RECORD);
2. every module is compiled by the runtime's own interpreter (found on this
   machine, or provisioned by ``bin/python3.13``: :func:`runtime_python`) into
   hash-checked bytecode (PEP 552): Zappa dates zip entries 1980-01-01, so a
   timestamp-checked ``.pyc`` would never match its source on Lambda. Checked,
   not unchecked: ``python -m bench.bytecode`` finds skipping the check saves
   nothing measurable (3 ms of 255 over 21 runs), and a checked ``.pyc`` never
   runs code other than its source's;
3. botocore's service data is cut to the services the function can call:
   the bootstrap's and Zappa's handler's (:data:`RUNTIME_SERVICES`), those
   named by a literal ``client("...")``/``resource("...")`` in the project's
   own code, and the stage's ``lambda_bootstrap.aws_services``; and
   ``endpoints.json`` to those services' entries. botocore lists and stats
   every service folder (449 of them, 28 MB) and parses ``endpoints.json``
   (1.2 MB) when it makes its first client: the cut makes the first client of
   every cold start cheaper (docs/benchmarks.md, "init"). A client of a
   service cut out fails with botocore's UnknownServiceError: name the
   service in ``aws_services``;
4. a guard refuses a zip holding a local environment file (``.env``,
   ``.env.prod``: Zappa zips the project folder minus its ``exclude``
   patterns), and reads the result and refuses the package, naming the files, when
   any compiled extension, shared library, bytecode file or wheel tag does not
   match the runtime: a refused build uploads nothing.

The zip is rewritten with Zappa's own entry attributes. Runs in Zappa's
process; imports nothing from the project but this folder.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

__all__ = ["PackageRefusedError", "Target", "for_the_runtime", "install_for", "repackage", "runtime_python", "verify"]

RUNTIME_PYTHON_VARIABLE = "LAMBDA_RUNTIME_PYTHON"  # an interpreter to use, instead of searching
# What bin/python3.13 provisions on a machine without one (outside the project: Zappa copies that folder).
PROVISIONED = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / (
    "lambda-bootstrap/python3.13-trixie/usr/bin/python3.13-host"
)
_ELF_MACHINES = {"x86_64": 62, "aarch64": 183}
_GLIBC = ("2_34", "2_31", "2_28", "2_27", "2_24", "2_17")  # Amazon Linux 2023 has glibc 2.34
_EXTENSION = re.compile(r"\.cpython-(\d+)-([a-z0-9_]+)-linux-gnu\.so$")


class PackageRefusedError(SystemExit):
    """Raised from Zappa's callback: Zappa stops, and nothing is uploaded."""


@dataclass(frozen=True)
class Target:
    """What the package must be built for: Lambda's runtime (``python3.13``) and architecture."""

    runtime: str
    architecture: str  # Zappa's spelling: x86_64 or arm64

    @property
    def version(self) -> tuple[int, int]:
        match = re.fullmatch(r"python(\d)\.(\d+)", self.runtime)
        if not match:
            raise PackageRefusedError(f"runtime package: {self.runtime!r} is not a Python runtime (python3.13)")
        return int(match.group(1)), int(match.group(2))

    @property
    def machine(self) -> str:
        return "aarch64" if self.architecture == "arm64" else "x86_64"

    @property
    def tag(self) -> str:
        return "cp{}{}".format(*self.version)

    @property
    def platforms(self) -> list[str]:
        older = ["manylinux2014", "manylinux2010", "manylinux1"] if self.machine == "x86_64" else ["manylinux2014"]
        return [f"manylinux_{glibc}_{self.machine}" for glibc in _GLIBC] + [f"{p}_{self.machine}" for p in older]


# The services a Django function under Zappa calls without naming them: the bootstrap's (Secrets Manager,
# SSM, RDS IAM tokens, STS for an assumed role) and Zappa's handler's (S3: remote_env and slim_handler;
# Lambda, SNS, DynamoDB: zappa.asynchronous tasks).
RUNTIME_SERVICES = ("secretsmanager", "ssm", "rds", "sts", "s3", "lambda", "sns", "dynamodb")
_SERVICE_LITERAL = re.compile(
    r"""\b(?:client|resource|create_client)\(\s*(?:service_name\s*=\s*)?["']([a-z0-9-]+)["']"""
)


def for_the_runtime(cli: Any) -> None:
    """The entry point named in zappa_settings.json (``callbacks.zip``): Zappa passes its CLI object."""
    target = Target(str(cli.runtime), str(getattr(cli, "architecture", None) or "x86_64"))
    declared = (getattr(cli, "stage_config", None) or {}).get("lambda_bootstrap", {}).get("aws_services") or []
    summary = repackage(Path(cli.zip_path), target, runtime_python(target), services=[str(s) for s in declared])
    print(f"runtime package: {summary}", file=sys.stderr)


def runtime_python(target: Target) -> Path:
    """An interpreter of the runtime's version on this machine; refuses, saying how to get one, when none runs."""
    name = "python{}.{}".format(*target.version)
    pyenv = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")
    candidates = [
        os.environ.get(RUNTIME_PYTHON_VARIABLE, ""),
        shutil.which(name) or "",
        f"/usr/bin/{name}",
        f"/usr/local/bin/{name}",
        *sorted(str(p) for p in pyenv.glob(f"versions/{name[6:]}*/bin/{name}")),
        str(PROVISIONED) if name == "python3.13" else "",
    ]
    for candidate in filter(None, candidates):
        found = _running(candidate, target.version)
        if found is not None:
            return found
    raise PackageRefusedError(
        f"runtime package: no {name} runs on this machine, and the {target.runtime} runtime's bytecode must be "
        f"compiled by it: install {name} (a distribution's package, pyenv, ...) or point "
        f"{RUNTIME_PYTHON_VARIABLE} at one"
    )


def _running(candidate: str, version: tuple[int, int]) -> Path | None:
    """The interpreter behind ``candidate`` when it runs, whole, and is ``version`` (a pyenv shim may fail)."""
    check = f"import sys, ssl, sqlite3, ctypes, zlib; assert sys.version_info[:2] == {version!r}; print(sys.executable)"
    try:
        done = subprocess.run([candidate, "-S", "-c", check], capture_output=True, text=True, timeout=30, check=False)
    except OSError:
        return None
    return Path(done.stdout.strip()) if done.returncode == 0 and done.stdout.strip() else None


def repackage(zip_path: Path, target: Target, interpreter: Path, *, services: Iterable[str] = ()) -> str:
    """Swap, cut, compile and verify ``zip_path`` in place; a one-line summary of what was done."""
    with tempfile.TemporaryDirectory(prefix="runtime-package-") as scratch:
        tree = Path(scratch) / "tree"
        with zipfile.ZipFile(zip_path) as archive:
            archive.extractall(tree)
        _refuse_local_environment_files(tree)
        swapped = _swap_distributions(tree, target, Path(scratch) / "wheels")
        kept = _cut_service_data(tree, {*RUNTIME_SERVICES, *services})
        compiled = _compile(tree, interpreter)
        problems = verify(tree, target, _magic(interpreter))
        if problems:
            shown = "; ".join(problems[:10]) + (f"; and {len(problems) - 10} more" if len(problems) > 10 else "")
            raise PackageRefusedError(
                f"runtime package: refusing a zip that would not run on {target.runtime}: {shown}"
            )
        _write_zip(tree, zip_path)
    names = ", ".join(swapped) or "none needed"
    return (
        f"{target.runtime} {target.architecture}: distributions rebuilt for it: {names}; "
        f"botocore service data kept: {', '.join(kept) or 'no botocore'}; {compiled} modules compiled by {interpreter}"
    )


def _cut_service_data(tree: Path, wanted: set[str]) -> list[str]:
    """Remove every botocore service folder but ``wanted`` and those the project's own code names; the kept."""
    data = tree / "botocore" / "data"
    if not data.is_dir():
        return []
    available = {folder.name for folder in data.iterdir() if folder.is_dir()}
    unknown = sorted(set(wanted) - available - set(RUNTIME_SERVICES))
    if unknown:
        raise PackageRefusedError(
            f"runtime package: lambda_bootstrap.aws_services names {', '.join(unknown)}, which botocore does not "
            "know (a service's name is the one boto3.client() takes)"
        )
    keep = (set(wanted) | _services_named_in(tree)) & available
    for folder in sorted(available - keep):
        shutil.rmtree(data / folder)
    _cut_endpoints(data / "endpoints.json", keep)
    return sorted(keep)


def _cut_endpoints(endpoints: Path, keep: set[str]) -> None:
    """endpoints.json (1.2 MB, parsed by every first client) with the kept services' entries only.

    Every partition stays whole but for its ``services``: a kept service resolves exactly as before.
    """
    if not endpoints.is_file():
        return
    document = json.loads(endpoints.read_text(encoding="utf-8"))
    for partition in document.get("partitions", []):
        services = partition.get("services", {})
        partition["services"] = {name: entry for name, entry in services.items() if name in keep}
    endpoints.write_text(json.dumps(document, separators=(",", ":")), encoding="utf-8")


def _services_named_in(tree: Path) -> set[str]:
    """``client("name")`` and ``resource("name")`` literals in the project's code (not in an installed distribution)."""
    installed = {relative for info, _, _ in _distributions(tree) for relative in _record(info)}
    named: set[str] = set()
    for source in tree.rglob("*.py"):
        relative = source.relative_to(tree).as_posix()
        if relative not in installed and not relative.startswith(("botocore/", "boto3/")):
            named.update(_SERVICE_LITERAL.findall(source.read_text(encoding="utf-8", errors="replace")))
    return named


def _refuse_local_environment_files(tree: Path) -> None:
    """A ``.env`` file in the zip is a value in the zip: Zappa zips the project folder minus ``exclude``."""
    found = sorted(
        path.relative_to(tree).as_posix()
        for path in tree.rglob(".env*")
        if path.is_file()
        and (path.name == ".env" or path.name.startswith(".env."))
        and not path.name.endswith((".example", ".sample", ".template"))
    )
    if found:
        raise PackageRefusedError(
            f"runtime package: refusing a zip that holds local environment files ({', '.join(found)}): "
            'add ".env" and ".env.*" to the stage\'s "exclude" in zappa_settings.json'
        )


def _distributions(tree: Path) -> Iterator[tuple[Path, str, str]]:
    """Each ``*.dist-info`` of the package: its folder, name and version."""
    for info in sorted(tree.glob("*.dist-info")):
        metadata = (
            (info / "METADATA").read_text(encoding="utf-8", errors="replace") if (info / "METADATA").is_file() else ""
        )
        fields = dict(re.findall(r"^(Name|Version): (.+)$", metadata, flags=re.MULTILINE))
        if "Name" in fields and "Version" in fields:
            yield info, fields["Name"].strip(), fields["Version"].strip()


def _wheel_tags(info: Path) -> list[str]:
    wheel = info / "WHEEL"
    if not wheel.is_file():
        return []
    return re.findall(r"^Tag: (\S+)$", wheel.read_text(encoding="utf-8", errors="replace"), flags=re.MULTILINE)


def _fits(tag: str, target: Target) -> bool:
    """One wheel tag (``cp313-cp313-manylinux_2_17_x86_64``) against the runtime."""
    try:
        python, abi, platform = tag.split("-")
    except ValueError:
        return False
    major, minor = target.version
    pythons = set(python.split("."))
    py_ok = bool(pythons & {"py3", f"py{major}{minor}", target.tag, "py2.py3"}) or any(
        abi == "abi3" and (built := _python_version(p)) is not None and built <= (major, minor) for p in pythons
    )
    abi_ok = abi in {"none", "abi3", target.tag}
    platforms = set(platform.split("."))
    platform_ok = "any" in platforms or any(
        p.endswith(f"_{target.machine}") and p.startswith("manylinux") for p in platforms
    )
    return py_ok and abi_ok and platform_ok


def _python_version(tag: str) -> tuple[int, int] | None:
    """``cp39`` -> (3, 9), ``cp311`` -> (3, 11): an abi3 wheel runs on its version and every later one."""
    match = re.fullmatch(r"(?:cp|py)(\d)(\d+)", tag)
    return (int(match.group(1)), int(match.group(2))) if match else None


def _swap_distributions(tree: Path, target: Target, wheels: Path) -> list[str]:
    """Install again, for the runtime, every distribution whose wheel does not fit it; their names."""
    wrong = [(info, name, version) for info, name, version in _distributions(tree) if not _built_for(info, target)]
    if not wrong:
        return []
    done = install_for(target, [f"{name}=={version}" for _, name, version in wrong], wheels, dependencies=False)
    if done.returncode != 0:
        reasons = [line for line in done.stderr.splitlines() if "ERROR" in line][:3]
        raise PackageRefusedError(
            f"runtime package: pip found no {target.tag} {target.machine} wheel for "
            f"{', '.join(f'{n}=={v}' for _, n, v in wrong)}: {' '.join(reasons) or done.stderr[-500:]}"
        )
    for info, _, _ in wrong:
        for relative in _record(info):
            (tree / relative).unlink(missing_ok=True)
        shutil.rmtree(info, ignore_errors=True)
    for entry in wheels.iterdir():
        if entry.name == "bin":
            continue  # console scripts: Lambda runs none
        destination = tree / entry.name
        if entry.is_dir():
            shutil.copytree(entry, destination, dirs_exist_ok=True)
        else:
            shutil.copy2(entry, destination)
    return sorted(name for _, name, _ in wrong)


def install_for(
    target: Target, requirements: list[str], destination: Path, *, dependencies: bool
) -> subprocess.CompletedProcess[str]:
    """pip, on this machine's Python, installing ``requirements`` as the runtime's wheels into ``destination``."""
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile"]
    command += [] if dependencies else ["--no-deps"]
    command += ["--only-binary=:all:", "--target", str(destination), "--implementation", "cp"]
    command += ["--python-version", "{}.{}".format(*target.version), "--abi", target.tag, "--abi", "abi3"]
    command += ["--abi", "none", *(arg for platform in target.platforms for arg in ("--platform", platform))]
    return subprocess.run([*command, *requirements], capture_output=True, text=True, timeout=600, check=False)


def _built_for(info: Path, target: Target) -> bool:
    tags = _wheel_tags(info)
    return bool(tags) and any(_fits(tag, target) for tag in tags)


def _record(info: Path) -> list[str]:
    """The files a distribution installed (its RECORD), inside the package only."""
    record = info / "RECORD"
    if not record.is_file():
        return []
    paths = [line.split(",", 1)[0] for line in record.read_text(encoding="utf-8", errors="replace").splitlines()]
    return [p for p in paths if p and not PurePosixPath(p).is_absolute() and ".." not in PurePosixPath(p).parts]


def _compile(tree: Path, interpreter: Path) -> int:
    """Every module to hash-checked bytecode by the runtime's interpreter; bytecode of any other removed.

    Whole ``__pycache__`` folders go: Zappa drops an empty ``__init__.py`` into every folder it zips,
    theirs included.
    """
    for cache in sorted(tree.rglob("__pycache__"), reverse=True):
        shutil.rmtree(cache, ignore_errors=True)
    for stale in tree.rglob("*.pyc"):
        stale.unlink()
    modules = sum(1 for _ in tree.rglob("*.py"))
    command = [str(interpreter), "-I", "-m", "compileall", "-q", "-j", "0", "--invalidation-mode", "checked-hash"]
    command += ["-s", str(tree), "-p", "/var/task", str(tree)]  # tracebacks name Lambda's task root
    # compileall's workers meet over a Unix socket under TMPDIR, whose path may not exceed 107 bytes
    short_tmp = {"TMPDIR": "/tmp"} if Path("/tmp").is_dir() else {}  # noqa: S108 - only a rendezvous socket
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=600, check=False, env={**os.environ, **short_tmp}
    )
    if done.returncode != 0:
        failed = [line for line in done.stdout.splitlines() if line.startswith("***")][:3]
        raise PackageRefusedError(
            f"runtime package: {interpreter} could not compile every module of the package: "
            f"{' '.join(failed) or done.stderr[-500:]}"
        )
    return modules


def _magic(interpreter: Path) -> bytes:
    done = subprocess.run(
        [
            str(interpreter),
            "-I",
            "-c",
            "import importlib.util, sys; sys.stdout.write(importlib.util.MAGIC_NUMBER.hex())",
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return bytes.fromhex(done.stdout.strip())


def verify(tree: Path, target: Target, magic: bytes) -> list[str]:
    """Everything in ``tree`` that would not run on the target: compiled code, libraries, bytecode, wheel tags."""
    problems: list[str] = []
    tag = "cpython-{}{}".format(*target.version)
    for path in sorted(tree.rglob("*")):
        if not path.is_file():
            continue
        relative = path.relative_to(tree).as_posix()
        if fnmatch.fnmatch(path.name, "*.so") or fnmatch.fnmatch(path.name, "*.so.*"):
            extension = _EXTENSION.search(path.name)
            if extension and (f"cpython-{extension.group(1)}" != tag or extension.group(2) != target.machine):
                problems.append(f"{relative} is built for cpython-{extension.group(1)} {extension.group(2)}")
            elif (machine := _elf_machine(path)) != _ELF_MACHINES[target.machine]:
                problems.append(f"{relative} is not a {target.machine} library (ELF machine {machine})")
        elif path.suffix == ".pyc":
            if path.parent.name != "__pycache__" or f".{tag}." not in path.name:
                problems.append(f"{relative} is not {tag} bytecode in __pycache__")
            elif path.read_bytes()[:4] != magic:
                problems.append(f"{relative} has another interpreter's magic number")
    for info, name, version in _distributions(tree):
        if not _built_for(info, target):
            problems.append(f"{name} {version} is a wheel for {', '.join(_wheel_tags(info)) or 'no known tag'}")
    missing = list(_sources_without_bytecode(tree, tag))
    problems.extend(f"{m} has no {tag} bytecode" for m in missing[:5])
    return problems


def _sources_without_bytecode(tree: Path, tag: str) -> Iterable[str]:
    for source in tree.rglob("*.py"):
        cached = source.parent / "__pycache__" / f"{source.stem}.{tag}.pyc"
        if not cached.is_file():
            yield source.relative_to(tree).as_posix()


def _elf_machine(path: Path) -> int | None:
    with path.open("rb") as file:
        header = file.read(20)
    if len(header) < 20 or header[:4] != b"\x7fELF":
        return None
    return int.from_bytes(header[18:20], "little" if header[5] == 1 else "big")


def _write_zip(tree: Path, zip_path: Path) -> None:
    """The tree as Zappa zips (every entry 0755, Unix, 1980-01-01, deflated), replacing ``zip_path`` at once."""
    partial = zip_path.with_name(zip_path.name + ".partial")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(tree.rglob("*")):
            if path.is_file():
                info = zipfile.ZipInfo(path.relative_to(tree).as_posix())
                info.create_system = 3
                info.external_attr = 0o755 << 16
                archive.writestr(info, path.read_bytes(), zipfile.ZIP_DEFLATED)
    os.replace(partial, zip_path)
