"""Where `ody` writes what it produces (`odyssey_dsl._support.files.write_atomic`, behind `compile -o`,
`decompile -o`, `fmt`, run.json and the user config): a regular file is replaced atomically and
keeps its permissions; a symlink stays a link; a FIFO, a device or the process's own stdout is
written as it is, never replaced by a regular file; the process umask is never touched.

The devices are real: FIFOs and a character device made in the test's folder (the same device
as /dev/null, when the test may create one), and `/dev/stdout` of a real `ody` process. The
machine's /dev/null is written only once the same command has left such a copy a device.
"""

from __future__ import annotations

import os
import shutil
import socket
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import within
from hypothesis import given
from hypothesis import strategies as st

from odyssey_dsl._support import files
from odyssey_dsl._support.files import write_atomic

ODY = shutil.which("ody", path=str(Path(sys.executable).parent)) or "ody"
GOOD = '@0  start    "a cat on a windowsill"\n@3s interact "the cat looks outside"\n@9s end\n'  # as `ody fmt` writes it
UGLY = '@0 start "a cat on a windowsill"\n@3s   interact "the cat looks outside"\n@9s end\n'
NULL_DEVICE = (1, 3)  # Linux's major and minor numbers of /dev/null


def ody(*args: str, cwd: Path, umask: int = 0o022, stdout: Any = subprocess.PIPE) -> subprocess.CompletedProcess[bytes]:
    """Run the installed `ody` with this umask; its stdout a pipe unless given."""
    env = dict(os.environ, NO_COLOR="1")
    return subprocess.run([ODY, *args], cwd=cwd, env=env, umask=umask, stdout=stdout, stderr=subprocess.PIPE,
                          stdin=subprocess.DEVNULL, timeout=60, check=False)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "good.ody").write_text(GOOD, encoding="utf-8")
    return tmp_path


@pytest.fixture
def script(tree: Path) -> bytes:
    """What `ody compile good.ody` prints."""
    done = ody("compile", "good.ody", cwd=tree)
    assert done.returncode == 0, done.stderr
    return done.stdout


def kind(path: Path) -> str:
    mode = path.lstat().st_mode
    for name in ("LNK", "REG", "FIFO", "CHR", "DIR"):
        if getattr(stat, f"S_IS{name}")(mode):
            return name
    return oct(mode)


@pytest.fixture
def fifo_reader(tmp_path: Path) -> Iterator[tuple[Path, int]]:
    """A FIFO already open for reading (without blocking), so a writer's open never waits."""
    path = tmp_path / "pipe"
    os.mkfifo(path)
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    yield path, fd
    os.close(fd)


def drain(fd: int) -> bytes:
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 65536)
        except BlockingIOError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def null_copy(folder: Path) -> Path:
    """A character device in `folder` that is the null device, or skip where none may be made."""
    path = folder / "null"
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(*NULL_DEVICE))
        os.close(os.open(path, os.O_WRONLY))  # a folder mounted `nodev` refuses to open it
    except (PermissionError, OSError) as error:
        pytest.skip(f"cannot make a character device here: {error}")
    return path


# --- regular files and new paths --------------------------------------------------------------


def test_a_regular_file_is_replaced_whole_and_keeps_its_mode(tmp_path: Path) -> None:
    path = tmp_path / "out.json"
    path.write_text("old and longer than the new text", encoding="utf-8")
    path.chmod(0o640)
    before = path.stat().st_ino
    write_atomic(path, "new\r\nline")
    assert path.read_bytes() == b"new\r\nline"
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert path.stat().st_ino != before  # a new file renamed over the old one, not rewritten
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]


def test_an_explicit_mode_wins_over_the_old_one(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("", encoding="utf-8")
    path.chmod(0o644)
    write_atomic(path, "secret", mode=0o600)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    write_atomic(tmp_path / "new.toml", "secret", mode=0o600)
    assert stat.S_IMODE((tmp_path / "new.toml").stat().st_mode) == 0o600


@pytest.mark.parametrize(("umask", "expected"), [(0o022, 0o644), (0o027, 0o640), (0o002, 0o664), (0o077, 0o600)])
def test_a_new_output_gets_what_the_umask_gives_a_new_file(tree: Path, umask: int, expected: int) -> None:
    done = ody("compile", "good.ody", "-o", "new.json", cwd=tree, umask=umask)
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE((tree / "new.json").stat().st_mode) == expected


def test_the_umask_is_never_changed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Setting the umask to read it would let another thread create a file with 0666 meanwhile."""
    def refuse(mask: int) -> int:
        raise AssertionError(f"os.umask({mask:#o}) called: other threads may be creating files")

    monkeypatch.setattr(os, "umask", refuse)
    (tmp_path / "old.json").write_text("x", encoding="utf-8")
    write_atomic(tmp_path / "new.json", "new")
    write_atomic(tmp_path / "old.json", "old")
    write_atomic(tmp_path / "private.toml", "private", mode=0o600)
    (tmp_path / "link.json").symlink_to("dangling.json")
    write_atomic(tmp_path / "link.json", "through")
    assert (tmp_path / "dangling.json").read_text(encoding="utf-8") == "through"


def test_a_folder_is_refused_and_left_alone(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    with pytest.raises(IsADirectoryError):
        write_atomic(tmp_path / "out", "x")
    assert kind(tmp_path / "out") == "DIR" and sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_failed_write_leaves_no_temporary_file(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        write_atomic(tmp_path / "missing-folder" / "out.json", "x")
    assert list(tmp_path.iterdir()) == []


# --- symlinks ------------------------------------------------------------------------------------


def test_a_symlink_stays_a_link_and_its_target_is_replaced(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "out.json"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o600)
    link = tmp_path / "out.json"
    link.symlink_to(Path("real") / "out.json")
    write_atomic(link, "new")
    assert kind(link) == "LNK" and os.readlink(link) == str(Path("real") / "out.json")
    assert target.read_text(encoding="utf-8") == "new" and stat.S_IMODE(target.stat().st_mode) == 0o600


def test_a_dangling_symlink_gets_its_target_created(tmp_path: Path) -> None:
    link = tmp_path / "out.json"
    link.symlink_to("made.json")
    write_atomic(link, "new")
    assert kind(link) == "LNK" and (tmp_path / "made.json").read_text(encoding="utf-8") == "new"


def test_fmt_through_a_symlink_keeps_the_link(tree: Path) -> None:
    (tree / "real.ody").write_text(UGLY, encoding="utf-8")
    (tree / "play.ody").symlink_to("real.ody")
    done = ody("fmt", "play.ody", cwd=tree)
    assert done.returncode == 0, done.stderr
    assert kind(tree / "play.ody") == "LNK"
    assert (tree / "real.ody").read_text(encoding="utf-8") == GOOD


# --- FIFOs, devices and standard output ------------------------------------------------------------


def test_compile_into_a_fifo_writes_to_its_reader(tree: Path, script: bytes, fifo_reader: tuple[Path, int]) -> None:
    path, fd = fifo_reader
    done = ody("compile", "good.ody", "-o", str(path), cwd=tree)
    assert done.returncode == 0, done.stderr
    assert kind(path) == "FIFO"
    assert drain(fd) == script


def test_write_atomic_through_a_symlink_to_a_fifo(tmp_path: Path, fifo_reader: tuple[Path, int]) -> None:
    path, fd = fifo_reader
    (tmp_path / "link").symlink_to(path.name)
    write_atomic(tmp_path / "link", "through the link")
    assert kind(tmp_path / "link") == "LNK" and kind(path) == "FIFO"
    assert drain(fd) == b"through the link"


def test_decompile_into_a_fifo(tree: Path, script: bytes, fifo_reader: tuple[Path, int]) -> None:
    path, fd = fifo_reader
    (tree / "script.json").write_bytes(script)
    done = ody("decompile", "script.json", "-o", str(path), cwd=tree)
    assert done.returncode == 0, done.stderr
    assert kind(path) == "FIFO"
    assert drain(fd).decode("utf-8") == GOOD


def test_compile_into_dev_stdout_prints(tree: Path, script: bytes) -> None:
    done = ody("compile", "good.ody", "-o", "/dev/stdout", cwd=tree)  # stdout: a pipe
    assert (done.returncode, done.stdout) == (0, script), done.stderr


def test_dev_stdout_appends_where_stdout_is_appending(tree: Path, script: bytes) -> None:
    """`ody compile x.ody -o /dev/stdout >> log` adds to the log, as printing would."""
    log = tree / "log"
    log.write_bytes(b"earlier lines\n")
    with log.open("ab") as out:
        done = ody("compile", "good.ody", "-o", "/dev/stdout", cwd=tree, stdout=out)
    assert done.returncode == 0, done.stderr
    assert log.read_bytes() == b"earlier lines\n" + script


def test_decompile_into_dev_stdout(tree: Path, script: bytes) -> None:
    (tree / "script.json").write_bytes(script)
    done = ody("decompile", "script.json", "-o", "/dev/stdout", cwd=tree)
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode("utf-8") == GOOD


def test_compile_into_a_character_device_keeps_the_device(tree: Path) -> None:
    device = null_copy(tree)
    done = ody("compile", "good.ody", "-o", str(device), cwd=tree)
    assert done.returncode == 0, done.stderr
    assert kind(device) == "CHR" and os.stat(device).st_rdev == os.makedev(*NULL_DEVICE)
    assert sorted(p.name for p in tree.iterdir()) == ["good.ody", "null"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the null device's numbers are Linux's")
def test_compile_into_dev_null_leaves_the_null_device(tree: Path) -> None:
    """The machine's /dev/null, written only once a FIFO and a copy of the device in the test's
    folder were left as they were (as root, the old code replaced /dev/null by a file)."""
    os.mkfifo(tree / "pipe")
    reader = os.open(tree / "pipe", os.O_RDONLY | os.O_NONBLOCK)
    try:
        assert ody("compile", "good.ody", "-o", "pipe", cwd=tree).returncode == 0
        assert kind(tree / "pipe") == "FIFO"
    finally:
        os.close(reader)
    if os.geteuid() == 0:
        device = null_copy(tree)
        assert ody("compile", "good.ody", "-o", str(device), cwd=tree).returncode == 0
        assert kind(device) == "CHR"
    before = os.stat("/dev/null")
    assert stat.S_ISCHR(before.st_mode)
    try:
        done = ody("compile", "good.ody", "-o", "/dev/null", cwd=tree)
    finally:
        after = os.lstat("/dev/null")
        if not stat.S_ISCHR(after.st_mode) and os.geteuid() == 0:  # put the machine's device back
            os.unlink("/dev/null")
            os.mknod("/dev/null", stat.S_IFCHR | 0o666, before.st_rdev)
            os.chmod("/dev/null", 0o666)
    assert done.returncode == 0, done.stderr
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev and after.st_ino == before.st_ino


def test_a_descriptor_name_is_recognised_through_links(tmp_path: Path) -> None:
    """`/dev/stdout`, `/dev/fd/N`, `/proc/self/fd/N` and a link to one of them name this
    process's descriptor N; a link elsewhere, a regular path or another process's do not."""
    (tmp_path / "out").symlink_to("/dev/stdout")
    assert files._own_descriptor(tmp_path / "out") == 1
    assert files._own_descriptor(Path("/dev/stderr")) == 2
    if Path("/proc/self/fd").is_dir():
        assert files._own_descriptor(Path("/proc/self/fd/2")) == 2
        assert files._own_descriptor(Path(f"/proc/{os.getpid()}/fd/1")) == 1
    assert files._own_descriptor(tmp_path / "regular.json") is None
    (tmp_path / "file").write_text("", encoding="utf-8")
    (tmp_path / "to-file").symlink_to("file")
    assert files._own_descriptor(tmp_path / "to-file") is None


def test_write_atomic_to_this_process_descriptor(tmp_path: Path) -> None:
    """A descriptor opened for appending is written where it stands, not replaced."""
    log = tmp_path / "log"
    log.write_bytes(b"first\n")
    fd = os.open(log, os.O_WRONLY | os.O_APPEND)
    try:
        write_atomic(Path(f"/dev/fd/{fd}"), "second\n")
    finally:
        os.close(fd)
    assert log.read_bytes() == b"first\nsecond\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["log"]


# --- files only ever replaced (a preview's video and captions) ---------------------------------


def test_refuse_special_names_a_fifo_a_socket_or_a_device_through_links_and_passes_the_rest(
        tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "to-pipe").symlink_to(tmp_path / "pipe")
    listening = socket.socket(socket.AF_UNIX)
    listening.bind(str(tmp_path / "sock"))
    refused = {"pipe": "a FIFO", "to-pipe": "a FIFO", "sock": "a socket"}
    if os.geteuid() == 0:  # only the inode is looked at: a `nodev` folder is fine
        os.mknod(tmp_path / "null", stat.S_IFCHR | 0o666, os.makedev(*NULL_DEVICE))
        refused["null"] = "a device"
    (tmp_path / "file").write_text("x", encoding="utf-8")
    (tmp_path / "folder").mkdir()
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    try:
        for name, what in refused.items():
            with pytest.raises(files.NotRegularFile) as raised:
                files.refuse_special(tmp_path / name)
            assert (raised.value.strerror, raised.value.filename) == (f"not a regular file ({what})",
                                                                      str(tmp_path / name))
        for name in ("file", "folder", "dangling", "missing"):
            files.refuse_special(tmp_path / name)  # the write says what is wrong, if anything
    finally:
        listening.close()


@given(st.text(st.characters(codec="utf-8"), min_size=1, max_size=300).filter(lambda n: "/" not in n and "\0" not in n),
       st.sampled_from(["0123456789ab.tmp", "deadbeef.part"]))
def test_a_temporary_name_always_fits_a_file_name_and_keeps_its_suffix(name: str, suffix: str) -> None:
    hidden = files.hidden_beside(name, suffix)
    assert len(os.fsencode(hidden)) <= 255
    assert hidden.startswith(".") and hidden.endswith("." + suffix)  # hidden, and the suffix kept whole
    assert name.startswith(hidden[1:-len(suffix) - 1])
    if len(os.fsencode(f".{name}.{suffix}")) <= 255:
        assert hidden == f".{name}.{suffix}"


@pytest.mark.parametrize("name", ["é" * 123 + ".json", "a" * 250 + ".json"])
def test_an_output_named_near_the_limit_is_written(tree: Path, name: str) -> None:
    """A valid name of 250 bytes was refused, `File name too long`: its temporary file's was."""
    done = ody("compile", "good.ody", "-o", name, cwd=tree)
    assert done.returncode == 0, done.stderr
    assert (tree / name).read_bytes().startswith(b"[")
    assert sorted(p.name for p in tree.iterdir()) == sorted(["good.ody", name])


def test_a_file_we_keep_is_never_read_from_nor_written_to_a_fifo(tmp_path: Path) -> None:
    """Opening a FIFO waits for its other end: run.json, a page, a claim are refused at once."""
    from odyssey_dsl._support.reads import read_file

    fifo = tmp_path / "run.json"
    os.mkfifo(fifo)
    with pytest.raises(files.NotRegularFile, match=r"not a regular file \(a FIFO\)"):
        within(30, lambda: read_file(fifo))
    with pytest.raises(files.NotRegularFile):
        within(30, lambda: write_atomic(fifo, "{}", only_files=True))
    with pytest.raises(IsADirectoryError):
        read_file(tmp_path)
    (tmp_path / "ok.json").write_text("{}", encoding="utf-8")
    assert read_file(tmp_path / "ok.json") == b"{}"
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
