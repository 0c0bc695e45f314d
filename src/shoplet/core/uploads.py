"""One uploaded file from a multipart body, bounded before and while it is read.

Every upload route (product media and videos, product and stock imports, review photos, photo
search) checks the declared length before parsing, accepts only multipart/form-data with one
file in the field ``file``, and stops reading one chunk past its limit, so a body that lies about
its length still costs at most ``limit`` bytes of memory. Each route passes its own module's
problems for "too large" and "not a usable upload".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request

# Room for the multipart boundaries and part headers around the file, on top of its own limit.
MULTIPART_OVERHEAD = 16 * 1024
READ_CHUNK = 256 * 1024


def upload_body(description: str) -> dict[str, Any]:
    """The route's ``openapi_extra``: a multipart body with one required file in ``file``."""
    return {
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["file"],
                        "properties": {
                            "file": {
                                "type": "string",
                                "format": "binary",
                                "description": description,
                            }
                        },
                    }
                }
            },
        }
    }


@dataclass(frozen=True, slots=True)
class Upload:
    data: bytes
    filename: str
    # The form's other text fields (at most three), e.g. a product import's ``update``.
    fields: dict[str, str]


async def read_limited(upload: UploadFile, limit: int, too_large: Callable[[], Exception]) -> bytes:
    """The file's bytes; ``too_large()`` is raised once more than ``limit`` have arrived."""
    chunks: list[bytes] = []
    size = 0
    while chunk := await upload.read(READ_CHUNK):
        size += len(chunk)
        if size > limit:
            raise too_large()
        chunks.append(chunk)
    return b"".join(chunks)


async def read_upload(
    request: Request,
    limit: int,
    *,
    too_large: Callable[[], Exception],
    invalid: Callable[[str], Exception],
    noun: str = "file",
) -> Upload:
    """The multipart field ``file`` of ``request``, at most ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit + MULTIPART_OVERHEAD:
        raise too_large()
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise invalid(f"Send the {noun} as multipart/form-data in a field named 'file'")
    try:
        form = await request.form(max_files=1, max_fields=4)
    except MultiPartException as exc:  # malformed, or more than one file
        raise invalid(f"The multipart body could not be read: {exc.message}") from exc
    except HTTPException as exc:
        # Inside an app Starlette turns the parser's error into a bare 400; the route's own
        # problem (with its stable code) says the same thing.
        if exc.status_code != 400:
            raise
        raise invalid(f"The multipart body could not be read: {exc.detail}") from exc
    try:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise invalid(f"Send the {noun} in a multipart field named 'file'")
        data = await read_limited(upload, limit, too_large)
        fields = {key: value for key, value in form.multi_items() if isinstance(value, str)}
        return Upload(data, upload.filename or "", fields)
    finally:
        await form.close()
