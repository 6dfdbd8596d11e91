"""Deterministic media for the offline provider: PNG stills, WAV tones, animated GIFs.

Every output is a pure function of its text seed, so tests can compare bytes and demos
produce the same files on every machine (given the same Pillow version).
"""

from __future__ import annotations

import array
import hashlib
import io
import math
import sys
import wave

from PIL import Image, ImageDraw

__all__ = ["render_gif", "render_music_wav", "render_png", "render_speech_wav"]

_SAMPLE_RATE = 8_000
_TONE_SECONDS = 0.12
_MAX_TONES = 60
# C major pentatonic over two octaves: pleasant whatever the hash picks.
_SCALE_HZ = (261.6, 293.7, 329.6, 392.0, 440.0, 523.3, 587.3, 659.3, 784.0, 880.0)


def _digest(seed: str) -> bytes:
    # 64 bytes of material: enough for colours, shapes and notes without reusing bytes.
    return hashlib.sha512(seed.encode("utf-8")).digest()


def render_png(seed: str, *, width: int = 256, height: int = 256) -> bytes:
    """Return a PNG: a two-colour gradient with a few shapes picked by the seed's hash."""
    return _encode(_draw_still(seed, width, height), "PNG")


def render_speech_wav(text: str) -> bytes:
    """Return a mono 16-bit WAV: one short tone per word, pitches picked by the text's hash."""
    words = max(1, min(len(text.split()), _MAX_TONES))
    digest = _digest(text)
    notes = [_SCALE_HZ[digest[i % len(digest)] % len(_SCALE_HZ)] for i in range(words)]
    samples: array.array[int] = array.array("h")
    for frequency in notes:
        samples.extend(_tone((frequency,), _TONE_SECONDS))
    return _encode_wav(samples)


def render_music_wav(seed: str, *, seconds: int) -> bytes:
    """Return a mono 16-bit WAV of `seconds` one-second chords picked by the seed's hash."""
    digest = _digest(seed)
    samples: array.array[int] = array.array("h")
    for beat in range(max(1, seconds)):
        root = digest[beat % len(digest)] % 5
        chord = tuple(_SCALE_HZ[root + step] for step in (0, 2, 4))
        samples.extend(_tone(chord, 1.0))
    return _encode_wav(samples)


def render_gif(
    seed: str, *, base_image: bytes | None = None, frames: int = 8, size: int = 128
) -> bytes:
    """Return an animated GIF that slowly zooms into `base_image` (or a seeded still)."""
    if base_image is not None:
        with Image.open(io.BytesIO(base_image)) as opened:
            base = opened.convert("RGB").resize((size, size))
    else:
        base = _draw_still(seed, size, size)
    sequence = [_zoom(base, 1.0 + 0.35 * i / max(1, frames - 1)) for i in range(frames)]
    buffer = io.BytesIO()
    sequence[0].save(
        buffer, format="GIF", save_all=True, append_images=sequence[1:], duration=120, loop=0
    )
    return buffer.getvalue()


def _draw_still(seed: str, width: int, height: int) -> Image.Image:
    digest = _digest(seed)
    top, bottom = digest[0:3], digest[3:6]
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    for y in range(height):
        mix = y / max(1, height - 1)
        colour = tuple(round(a + (b - a) * mix) for a, b in zip(top, bottom, strict=True))
        draw.line([(0, y), (width, y)], fill=(colour[0], colour[1], colour[2]))
    for shape in range(6):
        chunk = digest[8 + shape * 8 : 16 + shape * 8]
        x0, y0 = chunk[0] * width // 256, chunk[1] * height // 256
        x1, y1 = x0 + 8 + chunk[2] * width // 512, y0 + 8 + chunk[3] * height // 512
        fill = (chunk[4], chunk[5], chunk[6])
        if chunk[7] % 2:
            draw.ellipse([x0, y0, x1, y1], fill=fill)
        else:
            draw.rectangle([x0, y0, x1, y1], fill=fill)
    return image


def _zoom(image: Image.Image, factor: float) -> Image.Image:
    width, height = image.size
    crop_w, crop_h = round(width / factor), round(height / factor)
    left, top = (width - crop_w) // 2, (height - crop_h) // 2
    return image.crop((left, top, left + crop_w, top + crop_h)).resize((width, height))


def _tone(frequencies: tuple[float, ...], seconds: float) -> array.array[int]:
    count = round(_SAMPLE_RATE * seconds)
    amplitude = 9_000 / len(frequencies)
    fade = max(1, count // 10)
    out: array.array[int] = array.array("h")
    for n in range(count):
        # A short fade in/out avoids clicks between tones.
        envelope = min(1.0, n / fade, (count - n) / fade)
        value = sum(math.sin(2 * math.pi * f * n / _SAMPLE_RATE) for f in frequencies)
        out.append(round(amplitude * envelope * value))
    return out


def _encode_wav(samples: array.array[int]) -> bytes:
    if sys.byteorder == "big":  # WAV samples are little-endian
        samples.byteswap()
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(_SAMPLE_RATE)
        writer.writeframes(samples.tobytes())
    return buffer.getvalue()


def _encode(image: Image.Image, image_format: str) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=image_format)
    return buffer.getvalue()
