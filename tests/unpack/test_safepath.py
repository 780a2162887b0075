"""Member names to safe relative paths, and collision-free allocation."""

from __future__ import annotations

import pytest

from agentxray.unpack.safepath import NESTED_SUFFIX, PathAllocator, safe_component, split_name


@pytest.mark.parametrize(
    ("name", "parts", "absolute", "traversal"),
    [
        ("package/cli.js", ("package", "cli.js"), False, False),
        ("/$bunfs/root/src/cli.js", ("$bunfs", "root", "src", "cli.js"), True, False),
        ("B:/~BUN/root/cli.js", ("~BUN", "root", "cli.js"), True, False),
        ("C:\\Windows\\evil.dll", ("Windows", "evil.dll"), True, False),
        ("../../etc/passwd", ("__", "__", "etc", "passwd"), False, True),
        ("a/./b//c", ("a", "b", "c"), False, False),
        ("a\x00b/c\x1b[31m", ("a_b", "c_[31m"), False, False),
        ("dir/CON.txt", ("dir", "_CON.txt"), False, False),
        ("x/trailing. ", ("x", "trailing._"), False, False),
        ('w<i>n:d"o|w?s*', ("w_i_n_d_o_w_s_",), False, False),
        ("", ("_",), False, False),
        ("/", ("_",), True, False),
    ],
)
def test_split_name(name: str, parts: tuple[str, ...], absolute: bool, traversal: bool) -> None:
    safe = split_name(name)
    assert (safe.parts, safe.absolute, safe.traversal) == (parts, absolute, traversal)


def test_long_components_are_shortened_with_a_digest() -> None:
    long = "a" * 300 + ".js"
    short = safe_component(long)
    assert len(short.encode()) <= 200
    assert short.endswith(".js")
    assert safe_component("b" + long[1:]) != short.replace("a", "b", 1)
    assert safe_component(long) == short


def test_undecodable_bytes_become_replacement_characters() -> None:
    name = b"caf\xe9.js".decode("utf-8", "surrogateescape")
    assert split_name(name).parts == ("caf\ufffd.js",)


def test_allocator_numbers_duplicates_case_insensitively() -> None:
    alloc = PathAllocator()
    assert alloc.file("", ("a", "x.js")) == "a/x.js"
    assert alloc.file("", ("a", "x.js")) == "a/x~2.js"
    assert alloc.file("", ("A", "X.js")) == "a/X~3.js"  # joins folder "a", like macOS would
    assert alloc.file("", ("a",)) == "a~2"  # a file cannot take a folder's name


def test_container_folder_never_merges_with_a_member_folder() -> None:
    alloc = PathAllocator()
    alloc.file("", ("package", "claude.x", "own.txt"))  # the archive has its own claude.x/
    folder = alloc.folder("package", "claude" + NESTED_SUFFIX, alias="c:package/claude")
    assert folder == "package/claude~2.x"
    assert alloc.folder("package", "claude.x", alias="c:package/claude") == folder


def test_reserved_names_are_kept_free() -> None:
    alloc = PathAllocator()
    alloc.reserve("manifest.json")
    assert alloc.file("", ("manifest.json",)) == "manifest~2.json"
