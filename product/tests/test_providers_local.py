from __future__ import annotations

import io
import wave

import pytest
from PIL import Image

from pipelines.errors import ErrorCode, MediaGenerationError
from pipelines.providers import (
    ImageProvider,
    LocalProvider,
    MusicProvider,
    PromptProvider,
    SpeechProvider,
    StartingImage,
    VideoProvider,
)


def still(data: bytes) -> StartingImage:
    return StartingImage(mime_type="image/png", url=None, load=lambda: data)


def test_implements_every_interface() -> None:
    provider = LocalProvider()
    for interface in (PromptProvider, ImageProvider, SpeechProvider, MusicProvider, VideoProvider):
        assert isinstance(provider, interface)


async def test_png_is_valid_and_deterministic() -> None:
    provider = LocalProvider(image_size=64)
    first = await provider.generate_image("a prism", size="1024x1024")
    again = await LocalProvider(image_size=64).generate_image("a prism", size="1024x1024")
    other = await provider.generate_image("a raindrop", size="1024x1024")
    assert first.mime_type == "image/png"
    assert first.data.startswith(b"\x89PNG\r\n\x1a\n")
    assert first.data == again.data
    assert first.data != other.data
    with Image.open(io.BytesIO(first.data)) as image:
        image.verify()
    with Image.open(io.BytesIO(first.data)) as image:
        assert image.size == (64, 64)


async def test_narration_wav_is_valid_and_deterministic() -> None:
    provider = LocalProvider()
    media = await provider.synthesize("Light bends inside each raindrop", voice="alloy")
    assert media.mime_type == "audio/wav"
    assert (
        media.data
        == (await provider.synthesize("Light bends inside each raindrop", voice="alloy")).data
    )
    assert media.data != (await provider.synthesize("Something else entirely", voice="alloy")).data
    with wave.open(io.BytesIO(media.data)) as reader:
        assert (reader.getnchannels(), reader.getsampwidth(), reader.getframerate()) == (1, 2, 8000)
        # one 0.12 s tone per word
        assert reader.getnframes() == 5 * 960


async def test_music_starts_then_polls_and_is_capped() -> None:
    provider = LocalProvider()
    render_id = await provider.start_music("calm", duration_seconds=120)
    assert render_id == await LocalProvider().start_music("calm", duration_seconds=120)
    status = await provider.poll_music(render_id)
    assert status.media is not None
    with wave.open(io.BytesIO(status.media.data)) as reader:
        assert reader.getnframes() == 8 * 8000
    with pytest.raises(MediaGenerationError, match="not issued by the local provider"):
        await provider.poll_music("local-abc")


async def test_video_renders_an_animation_from_the_start_image() -> None:
    provider = LocalProvider(video_polls_until_ready=2)
    image = (await provider.generate_image("scene", size="s")).data
    prediction = await provider.start_video("push in", still(image))
    assert prediction == await LocalProvider().start_video("push in", still(image))
    first = await provider.poll_video(prediction)
    assert (first.status, first.done) == ("processing", False)
    second = await provider.poll_video(prediction)
    assert second.media is not None
    assert second.media.mime_type == "image/gif"
    with Image.open(io.BytesIO(second.media.data)) as animation:
        assert animation.is_animated
        assert animation.n_frames == 8
    # A restarted provider (no in-memory state) still finishes the render deterministically.
    restarted = await LocalProvider().poll_video(prediction)
    assert restarted.media is not None
    assert restarted.media.data == (await LocalProvider().poll_video(prediction)).media.data  # type: ignore[union-attr]


async def test_slow_render_never_finishes() -> None:
    provider = LocalProvider()
    prediction = await provider.start_video("slow [slow-render]", still(b"x"))
    for _ in range(3):
        assert not (await provider.poll_video(prediction)).done


@pytest.mark.parametrize(
    ("marker", "code", "retryable"),
    [
        ("[sensitive]", ErrorCode.SENSITIVE_CONTENT, False),
        ("[unavailable]", ErrorCode.PROVIDER_UNAVAILABLE, True),
        ("[rate-limited]", ErrorCode.RATE_LIMITED, True),
    ],
)
async def test_markers_simulate_provider_failures(
    marker: str, code: ErrorCode, retryable: bool
) -> None:
    provider = LocalProvider()
    calls = [
        provider.generate_image(f"a {marker} scene", size="s"),
        provider.synthesize(f"text {marker}", voice="v"),
        provider.start_music(f"music {marker}", duration_seconds=1),
        provider.start_video(f"clip {marker}", still(b"x")),
    ]
    for call in calls:
        with pytest.raises(MediaGenerationError) as info:
            await call
        assert (info.value.code, info.value.retryable) == (code, retryable)
        assert info.value.provider == "local"


async def test_prompts_pass_markers_through() -> None:
    assert await LocalProvider().complete("sys", "  a  [sensitive] brief ") == "a [sensitive] brief"


async def test_invalid_inputs() -> None:
    provider = LocalProvider()
    with pytest.raises(MediaGenerationError, match="narration text is empty"):
        await provider.synthesize("  ", voice="v")
    with pytest.raises(MediaGenerationError, match="not issued by the local provider"):
        await provider.poll_video("r8-abc")
    with pytest.raises(ValueError, match="image_size must be >= 8"):
        LocalProvider(image_size=2)
