"""A deterministic local embedding for the store's semantic search: each word
(lowercased letters) adds 1 to one of 64 buckets chosen by its CRC-32. Texts
that share words point the same way; texts with none in common score 0.
A text with the word "misembedded" gets one dimension too few, as from a
model other than the one `dims` was set for."""

import re
import zlib

DIMS = 64


def embed(texts: list[str]) -> list[list[float]]:
    vectors = []
    for text in texts:
        vector = [0.0] * DIMS
        for word in re.findall(r"[a-z]+", text.lower()):
            vector[zlib.crc32(word.encode()) % DIMS] += 1.0
        vectors.append(vector[1:] if "misembedded" in text.lower() else vector)
    return vectors
