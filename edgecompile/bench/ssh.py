"""Remote runner: copy the artifact to a machine over SSH (paramiko) and run the same worker there.

The remote needs Python with edgecompile and the artifact's runtime installed (for a Raspberry Pi
with a TFLite artifact: `pip install 'edgecompile[tflite]'`). Host keys are checked against
known_hosts; an unknown host is refused, never silently trusted.
"""
from __future__ import annotations

import json
import logging
import posixpath
import re
import secrets
import shlex
from dataclasses import dataclass
from pathlib import Path

from edgecompile.artifact import sha256_file
from edgecompile.errors import EdgeCompileError, MissingExtraError, UsageError


_SAFE = re.compile(r"^[A-Za-z0-9._-]+$")  # host names, IPv4 addresses, user names


@dataclass(frozen=True)
class Remote:
    host: str  # name or address
    user: str | None = None  # default: the local user name
    port: int = 22
    key_file: str | None = None  # private key; default: the SSH agent and ~/.ssh keys
    known_hosts: str | None = None  # default: ~/.ssh/known_hosts
    python: str = "python3"  # interpreter on the remote that has edgecompile installed
    workdir: str = "/tmp/edgecompile-bench"  # where artifacts are copied (removed afterwards)
    timeout: float = 10.0  # seconds to connect, exchange banners and authenticate: a dead host fails fast

    @classmethod
    def parse(cls, spec: str, **settings) -> "Remote":
        """'user@host:port' plus settings from the profile's [bench] table or the command line."""
        user, _, hostport = spec.rpartition("@")
        host, _, port = hostport.partition(":")
        if not host or (port and not port.isdigit()) or not _SAFE.match(host) or (user and not _SAFE.match(user)):
            raise UsageError(f"Remote '{spec}': expected [user@]host[:port].")
        if port and not 1 <= int(port) <= 65535:
            raise UsageError(f"Remote '{spec}': port {port} is outside 1..65535.")
        known = {k: v for k, v in settings.items()
                 if k in ("key_file", "known_hosts", "python", "workdir", "timeout") and v}
        workdir = known.get("workdir", cls.workdir)
        if not isinstance(workdir, str) or not posixpath.isabs(workdir) or ".." in workdir.split("/"):
            raise UsageError(f"Remote work folder '{workdir}' must be an absolute path without '..'.")
        return cls(host=host, user=user or None, port=int(port or 22), **known)


def _client(remote: Remote):
    try:
        import paramiko
    except ImportError as e:
        raise MissingExtraError("ssh runner", "remote", str(e)) from e
    # paramiko's transport thread logs failures with tracebacks; the error below says it in one line
    logging.getLogger("paramiko").addHandler(logging.NullHandler())
    client = paramiko.SSHClient()
    known = Path(remote.known_hosts or "~/.ssh/known_hosts").expanduser()
    if known.is_file():  # none at all: every host is unknown, and RejectPolicy refuses it below
        client.load_host_keys(str(known))
    elif remote.known_hosts:
        raise UsageError(f"known_hosts file {known} does not exist.")
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    try:
        client.connect(remote.host, remote.port, remote.user, key_filename=remote.key_file, timeout=remote.timeout,
                       banner_timeout=remote.timeout, auth_timeout=remote.timeout)
    except (paramiko.SSHException, OSError) as e:
        why = str(e) or type(e).__name__  # a connect timeout's message is empty
        raise EdgeCompileError(f"Cannot reach {remote.host}:{remote.port} over SSH (within {remote.timeout:g} s): {why}") from e
    return client


def _exec(client, command: str) -> tuple[int, str, str]:
    _, stdout, stderr = client.exec_command(command, timeout=600)
    rc = stdout.channel.recv_exit_status()
    return rc, stdout.read().decode(), stderr.read().decode()


def bench(artifact, runs: int, warmup: int, settings: dict, run=None) -> dict:
    """`settings`: the runner's [bench] keys (host, key_file, ...); `run`: bench's BenchSettings."""
    from edgecompile.bench.host import worker_result
    from edgecompile.bench.settings import BenchSettings

    run = run or BenchSettings(runs=runs, warmup=warmup)
    if not settings.get("host"):
        raise UsageError("The ssh runner needs a remote: --remote user@host[:port] or [bench] host in the profile.")
    if run.scenario or run.eval_src:
        raise UsageError("Over SSH, bench runs the plain timer; LoadGen scenarios and --eval run on host artifacts.")
    remote = Remote.parse(settings["host"], **settings)
    client = _client(remote)
    # a fresh folder under the user's or profile's workdir, never a path from the artifact; file names were
    # checked as plain relative paths when the artifact was opened
    folder = posixpath.join(remote.workdir, f"{sha256_file(artifact.path / 'manifest.json')[:12]}-{secrets.token_hex(6)}")
    try:
        _exec(client, f"mkdir -p {shlex.quote(folder)}")
        with client.open_sftp() as sftp:
            for name in ["manifest.json", *artifact.manifest["files"]]:
                if posixpath.dirname(name):
                    _exec(client, f"mkdir -p {shlex.quote(posixpath.join(folder, posixpath.dirname(name)))}")
                sftp.put(str(artifact.path / name), posixpath.join(folder, name))
        cmd = (f"{shlex.quote(remote.python)} -m edgecompile.bench.worker {shlex.quote(folder)} {run.runs} "
               f"{run.warmup} {shlex.quote(json.dumps(run.to_json()))}")
        rc, out, err = _exec(client, cmd)
        metrics = worker_result(rc, out, err, f"on {remote.host}")
    finally:
        _exec(client, f"rm -rf {shlex.quote(folder)}")
        client.close()
    return {**metrics, "runner": "ssh", "remote": f"{remote.user + '@' if remote.user else ''}{remote.host}:{remote.port}"}
