from __future__ import annotations

import datetime
from pathlib import Path

import httpx
import inngest
import pytest

from pipelines import Services, create_client, default_services
from pipelines.app import create_app
from pipelines.assets import LocalAssetStore, ObjectAssetStore
from pipelines.errors import ConfigurationError
from pipelines.providers import LocalProvider, OpenAIProvider, ReplicateProvider
from pipelines.store import SqliteLectureStore


def test_default_services_without_keys_are_local(tmp_path: Path) -> None:
    services = default_services({"LECTURE_MEDIA_DATA_DIR": str(tmp_path)})
    assert isinstance(services.images, LocalProvider)
    assert isinstance(services.video, LocalProvider)
    assert isinstance(services.store, SqliteLectureStore)
    assert services.store.path == tmp_path / "lectures.sqlite3"
    assert (services.chunk_size, services.images_per_segment, services.max_polls) == (5, 2, 10)
    assert services.poll_interval == datetime.timedelta(seconds=30)
    assert services.http_client is None


def test_default_data_dir_is_relative_to_cwd(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    services = default_services({})
    assert (tmp_path / ".lecture-media" / "lectures.sqlite3").exists()
    assert isinstance(services.store, SqliteLectureStore)


async def test_default_services_with_keys(tmp_path: Path) -> None:
    env = {
        "LECTURE_MEDIA_DATA_DIR": str(tmp_path),
        "OPENAI_API_KEY": "sk-abc",
        "REPLICATE_API_TOKEN": "r8-abc",
        "REPLICATE_VIDEO_MODEL": "owner/video",
        "LECTURE_MEDIA_CHUNK_SIZE": "3",
        "LECTURE_MEDIA_MAX_POLLS": "7",
        "LECTURE_MEDIA_POLL_INTERVAL_SECONDS": "12",
        "LECTURE_MEDIA_DATABASE_URL": f"sqlite:///{tmp_path}/other.sqlite3",
    }
    services = default_services(env)
    try:
        assert isinstance(services.images, OpenAIProvider)
        assert isinstance(services.speech, OpenAIProvider)
        assert isinstance(services.video, ReplicateProvider)
        assert services.video.video_model == "owner/video"
        assert (services.chunk_size, services.max_polls) == (3, 7)
        assert services.poll_interval == datetime.timedelta(seconds=12)
        assert isinstance(services.http_client, httpx.AsyncClient)
        assert "sk-abc" not in repr(services)
        assert "r8-abc" not in repr(services)
    finally:
        await services.aclose()


async def test_injected_http_client_is_not_owned(tmp_path: Path) -> None:
    async with httpx.AsyncClient() as http:
        env = {"LECTURE_MEDIA_DATA_DIR": str(tmp_path), "OPENAI_API_KEY": "sk-x"}
        services = default_services(env, http_client=http)
        assert services.http_client is None
        assert isinstance(services.prompts, OpenAIProvider)


@pytest.mark.parametrize(
    ("env", "match"),
    [
        (
            {"LECTURE_MEDIA_CHUNK_SIZE": "five"},
            "LECTURE_MEDIA_CHUNK_SIZE='five' is not a whole number",
        ),
        ({"LECTURE_MEDIA_CHUNK_SIZE": "0"}, "Services.chunk_size must be an integer from 1 to 100"),
        ({"LECTURE_MEDIA_POLL_INTERVAL_SECONDS": "0"}, "poll_interval must be a timedelta"),
        ({"LECTURE_MEDIA_DATABASE_URL": "mysql://db/x"}, "unsupported lecture store URL"),
    ],
)
def test_bad_configuration(tmp_path: Path, env: dict[str, str], match: str) -> None:
    with pytest.raises(ConfigurationError, match=match):
        default_services({"LECTURE_MEDIA_DATA_DIR": str(tmp_path), **env})


def test_lecture_store_url_and_its_older_name(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/new.sqlite3"
    for name in ("LECTURE_STORE_URL", "LECTURE_MEDIA_DATABASE_URL"):
        services = default_services({"LECTURE_MEDIA_DATA_DIR": str(tmp_path), name: url})
        assert isinstance(services.store, SqliteLectureStore)
        assert services.store.path == tmp_path / "new.sqlite3"
    both = {"LECTURE_STORE_URL": url, "LECTURE_MEDIA_DATABASE_URL": f"{url}-other"}
    with pytest.raises(ConfigurationError, match="both set and differ: keep LECTURE_STORE_URL"):
        default_services({"LECTURE_MEDIA_DATA_DIR": str(tmp_path), **both})


def test_asset_store_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env = {"LECTURE_MEDIA_DATA_DIR": str(tmp_path)}
    assert isinstance(default_services(env).assets, LocalAssetStore)
    assert default_services(env).assets.root == (tmp_path / "assets").resolve()  # type: ignore[attr-defined]
    # The store is checked at start-up; AWS itself is out of reach here, so record the check.
    checked: list[str] = []
    monkeypatch.setattr(ObjectAssetStore, "check", lambda self: checked.append(self.bucket))
    remote = default_services({**env, "LECTURE_ASSET_STORE_URL": "s3://media/lectures"}).assets
    assert isinstance(remote, ObjectAssetStore)
    assert (remote.bucket, remote.prefix) == ("media", "lectures")
    assert checked == ["media"]
    with pytest.raises(ConfigurationError, match="unsupported asset store URL 'gs://x'"):
        default_services({**env, "LECTURE_ASSET_STORE_URL": "gs://x"})


def test_services_validation(tmp_path: Path) -> None:
    with pytest.raises(
        ConfigurationError, match=r"Services\.retries must be an integer from 0 to 20"
    ):
        Services.local(tmp_path, retries=21)
    with pytest.raises(ConfigurationError, match="images_per_segment"):
        Services.local(tmp_path, images_per_segment=True)
    assert Services.local(tmp_path, retries=0).max_attempts == 1


def test_create_client() -> None:
    client = create_client(is_production=False)
    assert isinstance(client, inngest.Inngest)
    assert client.app_id == "lecture-media"


async def test_app_serves_the_functions(tmp_path: Path) -> None:
    services = Services.local(tmp_path)
    app = create_app(create_client(is_production=False), services)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://app.test") as http:
        response = await http.get("/api/inngest")
    assert response.status_code == 200
    # the four pipelines and the child each one invokes per slice of a long lecture
    assert response.json()["function_count"] == 8
    assert response.json()["mode"] == "dev"


def test_seed_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from pipelines.__main__ import main

    monkeypatch.setenv("LECTURE_MEDIA_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("REPLICATE_API_TOKEN", raising=False)
    assert main(["seed", "--segments", "3", "--sensitive", "1"]) == 0
    out = capsys.readouterr().out
    assert "created lecture 'sample-lecture' with 3 segments" in out
    assert '"name": "lecture/images.requested"' in out
    lecture = SqliteLectureStore(tmp_path / "lectures.sqlite3").get_lecture("sample-lecture")
    assert lecture is not None
    assert "[sensitive]" in lecture.segments[1].visual_brief
    assert main(["seed"]) == 2
    assert "already exists: pass replace=True" in capsys.readouterr().err
