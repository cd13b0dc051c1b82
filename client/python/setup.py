"""Builds the package with its generated gRPC modules: after the
hand-written tilbake/ is copied, protoc (Debian's protobuf-compiler) and
grpc_python_plugin (protobuf-compiler-grpc) write tilbake/v1/ into the build
from the .proto files in $TILBAKE_PROTO_DIR, or ../../proto of this file.
The metadata is in pyproject.toml."""

import os
import pathlib
import shutil
import subprocess

from setuptools import setup
from setuptools.command.build_py import build_py

PROTOS = ("tilbake/v1/feedback.proto", "tilbake/v1/trends.proto",
          "tilbake/v1/admin.proto")


def proto_dir() -> pathlib.Path:
    given = os.environ.get("TILBAKE_PROTO_DIR")
    here = pathlib.Path(__file__).resolve().parent
    found = pathlib.Path(given) if given else here.parent.parent / "proto"
    if not (found / PROTOS[0]).is_file():
        raise SystemExit(
            f"tilbake: no {PROTOS[0]} under {found}; install from a Tilbake "
            "checkout (client/python) or set TILBAKE_PROTO_DIR")
    return found


def tool(name: str, package: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise SystemExit(f"tilbake: {name} not found; apt install {package}")
    return path


class BuildWithGrpcModules(build_py):
    def run(self):
        super().run()
        out = pathlib.Path(self.build_lib)
        (out / "tilbake" / "v1").mkdir(parents=True, exist_ok=True)
        (out / "tilbake" / "v1" / "__init__.py").touch()
        subprocess.run(
            [tool("protoc", "protobuf-compiler"), f"--proto_path={proto_dir()}",
             f"--python_out={out}", f"--grpc_python_out={out}",
             "--plugin=protoc-gen-grpc_python="
             + tool("grpc_python_plugin", "protobuf-compiler-grpc"),
             *PROTOS], check=True)


setup(cmdclass={"build_py": BuildWithGrpcModules})
