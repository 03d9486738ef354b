"""Where generated files (exports) are kept: Django's storage API, `STORAGES["exports"]`.

EXPORT_STORAGE (config/settings.py) picks the backend:

* ``filesystem`` (the development default): `var/exports` of this machine. One machine only:
  a file a worker writes there cannot be downloaded through a web process on another node.
* ``database`` (the production default): the file in PostgreSQL, in rows of at most
  EXPORT_CHUNK_BYTES (StoredFile, StoredFileChunk). Every web node and worker already shares
  the database, so files are shared with no new service; a download reads one chunk at a time.
* ``s3``: django-storages' S3Storage (an optional dependency, `pip install
  'django-storages[s3]'`), for S3-compatible object storage.

Every backend is written through `Storage.save` and read through `Storage.open`, so the
services never see a path.
"""

from __future__ import annotations

import io
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.db import transaction
from django.utils import timezone
from django.utils.deconstruct import deconstructible

DEFAULT_CHUNK_BYTES = 1 << 20


def export_storage() -> Storage:
    return storages["exports"]


@deconstructible
class ExportFileSystemStorage(FileSystemStorage):
    """`VAR_DIR/exports`, read from the settings on each use (tests move VAR_DIR)."""

    @property
    def base_location(self):
        return self._value_or_setting(self._location, str(Path(settings.VAR_DIR) / "exports"))

    @property
    def location(self):
        return str(Path(self.base_location).resolve())


class _ChunkReader(io.RawIOBase):
    """A seekable, read-only view of a StoredFile that loads one chunk at a time."""

    def __init__(self, stored):
        super().__init__()
        self._id = stored.pk
        self._size = stored.size
        self._chunk_size = stored.chunk_size
        self._position = 0
        self._number = None
        self._data = b""

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._size}[whence]
        if base + offset < 0:
            raise ValueError("negative seek position")
        self._position = base + offset
        return self._position

    def _chunk(self, number: int) -> bytes:
        from exports.models import StoredFileChunk

        if number != self._number:
            data = (
                StoredFileChunk.objects.filter(file_id=self._id, number=number)
                .values_list("data", flat=True)
                .first()
            )
            if data is None:
                raise OSError(f"stored file {self._id}: chunk {number} is missing")
            self._number, self._data = number, bytes(data)
        return self._data

    def readinto(self, buffer) -> int:
        if self._position >= self._size:
            return 0
        number, offset = divmod(self._position, self._chunk_size)
        piece = self._chunk(number)[offset : offset + len(buffer)]
        buffer[: len(piece)] = piece
        self._position += len(piece)
        return len(piece)


@deconstructible
class DatabaseStorage(Storage):
    """Files as ordered chunks of bytea rows in the application's own database."""

    def __init__(self, chunk_size: int | None = None):
        self._chunk_size = chunk_size

    @property
    def chunk_size(self) -> int:
        return self._chunk_size or getattr(settings, "EXPORT_CHUNK_BYTES", DEFAULT_CHUNK_BYTES)

    def _stored(self, name: str):
        from exports.models import StoredFile

        return StoredFile.objects.filter(name=name).first()

    def _save(self, name: str, content) -> str:
        from exports.models import StoredFile, StoredFileChunk

        chunk_size = self.chunk_size
        content.seek(0)
        # One transaction: a file is there whole or not at all, for every node.
        with transaction.atomic():
            stored = StoredFile.objects.create(
                name=name, chunk_size=chunk_size, created_at=timezone.now()
            )
            size = 0
            for number, data in enumerate(iter(lambda: content.read(chunk_size), b"")):
                StoredFileChunk.objects.create(file=stored, number=number, data=data)
                size += len(data)
            StoredFile.objects.filter(pk=stored.pk).update(size=size)
        return name

    def _open(self, name: str, mode: str = "rb") -> File:
        if "w" in mode or "a" in mode or "+" in mode:
            raise ValueError("Stored files are written with save(), never opened for writing.")
        stored = self._stored(name)
        if stored is None:
            raise FileNotFoundError(name)
        reader = io.BufferedReader(_ChunkReader(stored), buffer_size=stored.chunk_size)
        return File(reader, name=name)

    def delete(self, name: str) -> None:
        from exports.models import StoredFile, StoredFileChunk

        with transaction.atomic():
            StoredFileChunk.objects.filter(file__name=name).delete()
            StoredFile.objects.filter(name=name).delete()

    def exists(self, name: str) -> bool:
        from exports.models import StoredFile

        return StoredFile.objects.filter(name=name).exists()

    def size(self, name: str) -> int:
        stored = self._stored(name)
        if stored is None:
            raise FileNotFoundError(name)
        return stored.size

    def listdir(self, path: str):
        from exports.models import StoredFile

        prefix = f"{path.strip('/')}/" if path.strip("/") else ""
        names = StoredFile.objects.filter(name__startswith=prefix).values_list("name", flat=True)
        directories, files = set(), []
        for name in names:
            rest = name[len(prefix) :]
            if "/" in rest:
                directories.add(rest.split("/", 1)[0])
            else:
                files.append(rest)
        return sorted(directories), sorted(files)

    def get_created_time(self, name: str):
        stored = self._stored(name)
        if stored is None:
            raise FileNotFoundError(name)
        return stored.created_at

    get_modified_time = get_created_time

    def url(self, name: str):
        raise NotImplementedError("Stored files are downloaded through the export page only.")
