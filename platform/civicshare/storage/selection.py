"""Which backend a deployment uses, from `storage_url` (CIVICSHARE_STORAGE_URL).

- unset: the local disk under the data dir (as the platform always kept its files);
- `file:///srv/civicshare-files`: the local disk under that folder (a shared mount works too);
- `s3://bucket?endpoint_url=http://127.0.0.1:9000&region=eu-west-2&prefix=civicshare`: an S3-compatible
  store. Credentials come from the standard AWS variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
  AWS_SESSION_TOKEN, AWS_REGION, ...) unless the storage_access_key_id/secret settings give them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from civicshare.settings import Settings
from civicshare.storage.local import LocalFileStore
from civicshare.storage.port import FileStore

S3_OPTIONS = frozenset({"endpoint_url", "region", "prefix"})


def file_store(settings: Settings) -> FileStore:
    url = settings.storage_url
    if not url:
        return LocalFileStore(settings.data_dir)
    parts = urlsplit(url)
    if parts.scheme == "file":
        return LocalFileStore(Path(unquote(parts.path)))
    if parts.scheme == "s3":
        return _s3_store(settings, parts.netloc, {key: values[-1] for key, values in parse_qs(parts.query).items()})
    raise ValueError(f"storage_url must start with file:// or s3://, not {url!r}")


def _s3_store(settings: Settings, bucket: str, options: dict[str, str]) -> FileStore:
    from obstore.store import S3Store  # only deployments on S3 load the Rust extension

    from civicshare.storage.s3 import RETRIES, S3FileStore

    config: dict[str, Any] = {}
    if "endpoint_url" in options:
        config["endpoint"] = options["endpoint_url"]
    if "region" in options:
        config["region"] = options["region"]
    if settings.storage_access_key_id and settings.storage_secret_access_key:
        config["access_key_id"] = settings.storage_access_key_id
        config["secret_access_key"] = settings.storage_secret_access_key.get_secret_value()
    client: dict[str, Any] = {"connect_timeout": "5s", "timeout": "60s"}  # per request; a 5 MB part at most
    if options.get("endpoint_url", "").startswith("http://"):
        client["allow_http"] = True  # an S3-compatible server on the deployment's own network
    store = S3Store(
        bucket,
        prefix=options.get("prefix") or None,
        config=config,  # type: ignore[arg-type]
        client_options=client,  # type: ignore[arg-type]
        retry_config=RETRIES,  # type: ignore[arg-type]
    )
    return S3FileStore(store, bucket, options.get("prefix"))
