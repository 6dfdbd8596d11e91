"""A description of the machine and the packages, printed with every benchmark."""

from __future__ import annotations

import importlib.metadata
import os
import platform
import sys

PACKAGES = (
    "inngest",
    "inngest-sim",
    "fastapi",
    "starlette",
    "httpx",
    "pydantic",
    "pydantic-core",
    "time-machine",
    "hypothesis",
)


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _memory() -> str:
    try:
        with open("/proc/meminfo", encoding="utf-8") as info:
            kib = int(info.readline().split()[1])
        return f"{kib / 2**20:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        return "RAM unknown"


def _version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "absent"


def load() -> str:
    try:
        one, five, _ = os.getloadavg()
    except OSError:
        return "load unknown"
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min)"


def describe() -> dict[str, str]:
    return {
        "cpu": f"{_cpu_model()}, {os.cpu_count()} logical cores",
        "memory": _memory(),
        "os": platform.platform(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "executable": sys.executable,
        "packages": ", ".join(f"{name} {_version(name)}" for name in PACKAGES),
    }
