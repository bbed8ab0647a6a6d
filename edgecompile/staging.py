"""Writing artifact folders safely: a lock per folder, a staging folder renamed into place, and a
sweep of what killed builds left behind.

- Only one build writes OUT/<name> at a time: `.<name>.lock` (flock) next to it; the loser gets an
  ArtifactError naming the holder's process id.
- `force` replaces only a folder whose manifest says edgecompile wrote it and that holds nothing but
  the files the manifest lists: anything else of the user's is refused even with --force.
- The replace is one atomic exchange (renameat2 RENAME_EXCHANGE) where the file system has it; else
  two renames whose gap the next build's sweep repairs (it puts the old artifact back), so a kill at
  any moment leaves the old or the new artifact.
- Staging folders (`.<name>.<pid>-<token>.partial/.old`) under the lock belong to dead builds and
  are swept; so are `edgecompile-<pid>-*` scratch folders in the temp folder whose process is gone.
"""
from __future__ import annotations

import ctypes
import errno
import fcntl
import json
import os
import re
import secrets
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from edgecompile.errors import ArtifactError

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths; False where the kernel, libc or file system cannot."""
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    if fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):
        return False
    raise ArtifactError(f"Cannot replace {b}: {os.strerror(err)}.")


def foreign_reason(folder: Path) -> str | None:
    """Why `folder` is not an artifact edgecompile may replace, or None when it is one."""
    if folder.is_symlink() or not folder.is_dir():
        return "not a folder"
    try:
        manifest = json.loads((folder / "manifest.json").read_text())
    except (OSError, ValueError, RecursionError):
        return "a folder edgecompile did not write: no readable manifest.json"
    files = manifest.get("files") if isinstance(manifest, dict) else None
    if not isinstance(files, dict) or "schema_version" not in manifest:
        return "a folder edgecompile did not write: its manifest.json is not an edgecompile manifest"
    listed = {"manifest.json", *map(str, files)}
    dirs = {str(d) for n in listed for d in Path(n).parents} - {"."}  # every ancestor: nested packages
    extra = sorted(str(p.relative_to(folder)) for p in folder.rglob("*")
                   if str(p.relative_to(folder)) not in listed | dirs)
    if extra:
        return f"an artifact folder that also holds files edgecompile did not write: {extra[:5]}"
    return None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _sweep(final: Path) -> None:
    """Under the lock, every staging folder of `final` is a dead build's: remove it, or restore an old
    artifact whose replacement was cut between its two renames."""
    pat = re.compile(rf"^\.{re.escape(final.name)}\.\d+-[0-9a-f]+\.(partial|old)$")
    for p in sorted(final.parent.iterdir()):
        m = pat.match(p.name)
        if not m or p.is_symlink() or not p.is_dir() or p.stat().st_uid != os.getuid():
            continue
        if m.group(1) == "old" and not final.exists():
            p.rename(final)
        else:
            shutil.rmtree(p, ignore_errors=True)


@contextmanager
def _locked(final: Path) -> Iterator[None]:
    lock = final.with_name(f".{final.name}.lock")
    while True:
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
        except OSError as e:
            raise ArtifactError(f"Cannot create the lock file {lock}: {e.strerror}.") from e
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise ArtifactError(f"Another edgecompile build (process {holder}) is writing {final} right now. "
                                f"Wait for it to finish, or build into another --out folder.") from None
        try:  # the previous holder may have removed the file between our open and our lock
            same = os.stat(lock).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        lock.unlink(missing_ok=True)
        os.close(fd)


def _make_parents(folder: Path) -> list[Path]:
    """mkdir -p, returning the folders it created (removed again if the build leaves them empty)."""
    made = []
    for p in reversed([folder, *folder.parents]):
        if not p.exists():
            try:
                p.mkdir()
            except FileExistsError:
                continue
            except OSError as e:
                raise ArtifactError(f"Cannot create the output folder {p}: {e.strerror}.") from e
            made.append(p)
        elif not p.is_dir():
            raise ArtifactError(f"Cannot write artifacts under {folder}: {p} is not a folder.")
    return made


@contextmanager
def staged(final: Path, force: bool) -> Iterator[Path]:
    """Yield an empty staging folder next to `final`; on success it replaces `final` atomically.

    An existing `final` is only replaced with force=True and only if edgecompile wrote it; a failure
    or interrupt removes the staging folder and leaves `final` as it was.
    """
    final = Path(final)
    if final.is_symlink() or (final.exists() and not final.is_dir()):
        raise ArtifactError(f"{final} exists and is not a folder; edgecompile will not replace it.")
    made = _make_parents(final.parent)
    stage = None
    try:
        with _locked(final):
            _sweep(final)
            if final.exists() and not any(final.iterdir()):
                final.rmdir()  # an empty folder holds nothing to lose (CMake makes its outputs' folders first)
            if final.exists():
                why = foreign_reason(final)
                if why:
                    raise ArtifactError(f"{final} already exists ({why}); edgecompile replaces only its own "
                                        f"artifacts, even with --force. Move it away or choose another --out.")
                if not force:
                    raise ArtifactError(f"{final} already exists (an edgecompile artifact). Use --force to replace it.")
            tag = f"{os.getpid()}-{secrets.token_hex(4)}"
            stage = final.with_name(f".{final.name}.{tag}.partial")
            stage.mkdir(mode=0o755)
            yield stage
            if not final.exists():
                stage.rename(final)
            elif _exchange(stage, final):
                shutil.rmtree(stage)
            else:
                old = final.with_name(f".{final.name}.{tag}.old")
                final.rename(old)
                stage.rename(final)  # a kill before this line: the next build's sweep restores `old`
                shutil.rmtree(old)
    finally:
        if stage is not None and stage.exists():
            shutil.rmtree(stage, ignore_errors=True)
        for p in reversed(made):
            try:
                p.rmdir()  # only if the build left it empty
            except OSError:
                break


_SCRATCH = re.compile(r"^edgecompile-(\d+)-")


@contextmanager
def scratch_dir(kind: str) -> Iterator[Path]:
    """A private temp folder `edgecompile-<pid>-<kind>-*`, removed afterwards; first sweeps those
    whose process is gone (killed with SIGKILL, which no cleanup code survives)."""
    tmp = Path(tempfile.gettempdir())
    try:
        for p in tmp.iterdir():
            m = _SCRATCH.match(p.name)
            if m and not _pid_alive(int(m.group(1))) and not p.is_symlink() and p.is_dir() \
                    and p.stat().st_uid == os.getuid():
                shutil.rmtree(p, ignore_errors=True)
    except OSError:
        pass  # a sweep is a courtesy; it never fails a build
    with tempfile.TemporaryDirectory(prefix=f"edgecompile-{os.getpid()}-{kind}-") as d:
        yield Path(d)
