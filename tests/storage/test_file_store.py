"""The storage port's promise, kept alike by the local disk and the S3-compatible store: what is put is
read back whole or streamed in chunks, listed, deleted; a missing file says so; and one council's files
can only be named inside that council's folder."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from civicshare.settings import Settings
from civicshare.storage import Area, CouncilFiles, FileMissing, FileStore, file_store
from tests.storage.conftest import new_bucket, storing_at


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, settings: Settings, tmp_path: Path) -> Iterator[FileStore]:
    if request.param == "local":
        yield file_store(settings.model_copy(update={"storage_url": f"file://{tmp_path}"}))
    else:
        endpoint = request.getfixturevalue("s3_endpoint")
        yield file_store(storing_at(settings, endpoint, new_bucket(endpoint)))


async def test_a_file_put_is_read_listed_and_deleted(store: FileStore) -> None:
    files = CouncilFiles(store, Area.ATTACHMENTS, "tenant_kingston")
    await files.put("KNG-2026-000001/abc.png", b"photo")
    await files.put("KNG-2026-000002/def.png", b"another")

    assert await files.read("KNG-2026-000001/abc.png") == b"photo"
    assert await files.exists("KNG-2026-000001/abc.png")
    assert [item.key for item in await files.list()] == ["KNG-2026-000001/abc.png", "KNG-2026-000002/def.png"]
    assert [(item.key, item.size) for item in await files.list("KNG-2026-000001")] == [("KNG-2026-000001/abc.png", 5)]
    await files.delete("KNG-2026-000001/abc.png")
    await files.delete("KNG-2026-000001/abc.png")  # already gone is fine
    assert not await files.exists("KNG-2026-000001/abc.png")
    with pytest.raises(FileMissing):
        await files.read("KNG-2026-000001/abc.png")
    with pytest.raises(FileMissing):
        await files.open("KNG-2026-000001/abc.png")


async def test_a_large_file_is_stored_from_disk_and_streamed_back_in_chunks(store: FileStore, tmp_path: Path) -> None:
    content = os.urandom(6 * 1024 * 1024 + 123)  # past S3's 5 MB part: a multipart upload
    source = tmp_path / "archive.zip"
    source.write_bytes(content)
    files = CouncilFiles(store, Area.EXPORTS, "kingston")

    await files.put_file("kingston-export.zip", source)
    opened = await files.open("kingston-export.zip")
    chunks = [chunk async for chunk in opened.chunks]

    assert opened.size == len(content) and len(chunks) > 1
    assert b"".join(chunks) == content
    assert source.exists()  # the caller's scratch file is the caller's


async def test_one_councils_files_are_not_listed_with_anothers(store: FileStore) -> None:
    await CouncilFiles(store, Area.EXPORTS, "kingston").put("kingston.zip", b"k")
    await CouncilFiles(store, Area.EXPORTS, "kingston-upon-thames").put("other.zip", b"o")

    assert [item.key for item in await CouncilFiles(store, Area.EXPORTS, "kingston").list()] == ["kingston.zip"]


@pytest.mark.parametrize("name", ["../tenant_newham/x.png", "a/../../b", "/etc/passwd", "a//b", "a\\b", ".hidden", ""])
def test_a_name_cannot_climb_out_of_the_councils_folder(name: str, tmp_path: Path) -> None:
    files = CouncilFiles(file_store(Settings(storage_url=f"file://{tmp_path}")), Area.ATTACHMENTS, "tenant_kingston")
    with pytest.raises(ValueError, match="not a file name inside a council's folder"):
        files.key(name)


@pytest.mark.parametrize("council", ["", "tenant_kingston/../x", "Kingston", "a/b"])
def test_a_council_folder_is_a_plain_name(council: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not a council's folder name"):
        CouncilFiles(file_store(Settings(storage_url=f"file://{tmp_path}")), Area.EXPORTS, council)


def test_storage_url_picks_the_backend(tmp_path: Path) -> None:
    assert file_store(Settings(data_dir=tmp_path)).location("exports/k/a.zip") == str(tmp_path / "exports/k/a.zip")
    on_s3 = Settings(storage_url="s3://files?endpoint_url=http://127.0.0.1:9&region=eu-west-2&prefix=civic")
    assert file_store(on_s3).location("exports/k/a.zip") == "s3://files/civic/exports/k/a.zip"
    with pytest.raises(ValueError, match="storage_url"):
        Settings(storage_url="ftp://files")
