"""deploy/runtime_package.py on a zip as a Python 3.11 machine's Zappa writes it: psycopg2 built for 3.11.

The zip is made here the way Zappa makes one from a 3.11 virtualenv (pip's
cp311 wheel of psycopg2-binary, bytecode of 3.11), then the callback makes it
right for python3.13, on x86_64 (and then imported by a real 3.13) and on
arm64 (checked by wheel tags and ELF headers: it cannot run here). A file the
callback cannot rebuild makes it refuse the zip, which stays as it was.
"""

from __future__ import annotations

import subprocess
import zipfile
from pathlib import Path

import pytest

from deploy.runtime_package import PackageRefusedError, Target, _fits, install_for, repackage
from testsupport.lambda_python import the_runtime_python

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

PSYCOPG2 = "psycopg2-binary==2.9.13"  # requirements.txt's pin
MAGIC_311 = b"\xa7\r\r\n"
ELF_X86_64 = b"\x7fELF\x02\x01\x01" + b"\x00" * 11 + (62).to_bytes(2, "little")


@pytest.fixture(scope="module")
def built_on_311(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Zappa's zip from a 3.11 virtualenv: psycopg2's cp311 wheel, a module with its 3.11 bytecode."""
    tree = tmp_path_factory.mktemp("venv-311")
    installed = install_for(Target("python3.11", "x86_64"), [PSYCOPG2], tree, dependencies=False)
    assert installed.returncode == 0, installed.stderr
    (tree / "app").mkdir()
    (tree / "app" / "__init__.py").write_text("ANSWER = 42\n")
    (tree / "app" / "__pycache__").mkdir()
    (tree / "app" / "__pycache__" / "__init__.cpython-311.pyc").write_bytes(MAGIC_311 + b"\x00" * 12)
    package = tmp_path_factory.mktemp("zappa") / "coldstart-prod.zip"
    write_zip(tree, package)
    return package


def write_zip(tree: Path, package: Path) -> None:
    with zipfile.ZipFile(package, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(tree.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(tree).as_posix())


def repackaged(built: Path, tmp_path: Path, target: Target) -> tuple[Path, str]:
    package = tmp_path / built.name
    package.write_bytes(built.read_bytes())
    return package, repackage(package, target, the_runtime_python())


def extracted(package: Path, tmp_path: Path) -> Path:
    tree = tmp_path / "extracted"
    with zipfile.ZipFile(package) as archive:
        archive.extractall(tree)
    return tree


def elf_machine(path: Path) -> int:
    return int.from_bytes(path.read_bytes()[18:20], "little")


def test_a_311_zip_becomes_a_313_zip_that_a_real_313_imports(built_on_311: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(built_on_311) as archive:
        assert any(".cpython-311-x86_64-linux-gnu.so" in name for name in archive.namelist())

    package, summary = repackaged(built_on_311, tmp_path, Target("python3.13", "x86_64"))

    assert "distributions rebuilt for it: psycopg2-binary" in summary
    with zipfile.ZipFile(package) as archive:
        names = archive.namelist()
        wheel = archive.read("psycopg2_binary-2.9.13.dist-info/WHEEL").decode()
    assert "psycopg2/_psycopg.cpython-313-x86_64-linux-gnu.so" in names
    assert "app/__pycache__/__init__.cpython-313.pyc" in names
    assert not [name for name in names if "311" in name]
    assert "Tag: cp313-cp313-manylinux" in wheel
    tree = extracted(package, tmp_path)
    imported = subprocess.run(
        [str(the_runtime_python()), "-s", "-E", "-c", "import app, psycopg2; print(app.ANSWER, psycopg2.__version__)"],
        cwd=tree,
        capture_output=True,
        text=True,
        check=False,
    )
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.startswith("42 2.9.13")


def test_an_arm64_stage_gets_aarch64_wheels(built_on_311: Path, tmp_path: Path) -> None:
    package, summary = repackaged(built_on_311, tmp_path, Target("python3.13", "arm64"))

    assert "python3.13 arm64" in summary
    tree = extracted(package, tmp_path)
    libraries = [p for p in tree.rglob("*") if p.is_file() and (p.suffix == ".so" or ".so." in p.name)]
    assert libraries
    assert {elf_machine(library) for library in libraries} == {183}  # EM_AARCH64
    assert (tree / "psycopg2" / "_psycopg.cpython-313-aarch64-linux-gnu.so").is_file()
    wheel = (tree / "psycopg2_binary-2.9.13.dist-info" / "WHEEL").read_text()
    assert "aarch64" in wheel and "x86_64" not in wheel


def test_compiled_code_it_cannot_rebuild_refuses_the_zip(built_on_311: Path, tmp_path: Path) -> None:
    tree = extracted(built_on_311, tmp_path)
    (tree / "legacy").mkdir()
    (tree / "legacy" / "_speedups.cpython-311-x86_64-linux-gnu.so").write_bytes(ELF_X86_64)  # in no wheel's RECORD
    package = tmp_path / "with-stray.zip"
    write_zip(tree, package)
    before = package.read_bytes()

    with pytest.raises(PackageRefusedError) as refused:
        repackage(package, Target("python3.13", "x86_64"), the_runtime_python())

    assert "refusing a zip that would not run on python3.13" in str(refused.value)
    assert "legacy/_speedups.cpython-311-x86_64-linux-gnu.so is built for cpython-311 x86_64" in str(refused.value)
    assert package.read_bytes() == before  # Zappa stops; nothing is uploaded


def test_a_local_environment_file_refuses_the_zip(built_on_311: Path, tmp_path: Path) -> None:
    tree = extracted(built_on_311, tmp_path)
    (tree / ".env.example").write_text("SECRET_KEY=\n")  # a template of names: allowed
    (tree / "config").mkdir()
    (tree / "config" / ".env.prod").write_text("SECRET_KEY=not-to-be-uploaded\n")
    package = tmp_path / "with-env.zip"
    write_zip(tree, package)

    with pytest.raises(PackageRefusedError) as refused:
        repackage(package, Target("python3.13", "x86_64"), the_runtime_python())

    assert "local environment files (config/.env.prod)" in str(refused.value)
    assert "not-to-be-uploaded" not in str(refused.value)


@pytest.mark.parametrize(
    ("tag", "fits"),
    [
        ("cp313-cp313-manylinux_2_17_x86_64.manylinux2014_x86_64", True),
        ("cp311-cp311-manylinux_2_17_x86_64", False),
        ("cp311-abi3-manylinux_2_17_x86_64", True),  # the stable ABI: 3.11 and every later Python
        ("cp39-abi3-manylinux2014_x86_64", True),
        ("cp314-abi3-manylinux_2_17_x86_64", False),
        ("cp313-cp313-manylinux_2_17_aarch64", False),
        ("py3-none-any", True),
    ],
)
def test_which_wheels_fit_python313_on_x86_64(tag: str, fits: bool) -> None:
    assert _fits(tag, Target("python3.13", "x86_64")) is fits
