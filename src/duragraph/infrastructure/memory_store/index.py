"""The semantic index: the configured embedding function and the fields it reads."""

from __future__ import annotations

from typing import Any, Mapping

from langgraph.store.base.embed import ensure_embeddings, get_text_at_path

from ...domain.errors import InvalidInput


class EmbeddingMismatch(InvalidInput, ValueError):
    """The embedding function answered vectors of another size than
    `store.index.dims`: the put or search is refused (422 over HTTP), and a
    node that made it fails with this ValueError, its message shown."""


class EmbeddingIndex:
    def __init__(self, embed: Any, dims: int, fields: list[str]) -> None:
        self.embeddings = ensure_embeddings(embed)
        self.dims, self.fields = dims, fields

    def texts(self, value: Mapping[str, Any], fields: list[str] | None) -> list[tuple[str, str]]:
        return [
            (path, text)
            for path in (self.fields if fields is None else fields)
            for text in get_text_at_path(value, path)
        ]

    async def embed(self, texts: list[str]) -> list[list[float]]:
        vectors = await self.embeddings.aembed_documents(texts)
        for vector in vectors:
            self._check(vector)
        return vectors

    async def embed_query(self, text: str) -> list[float]:
        return self._check(await self.embeddings.aembed_query(text))

    def _check(self, vector: list[float]) -> list[float]:
        if len(vector) != self.dims:
            raise EmbeddingMismatch(
                f"the embedding function returned {len(vector)} "
                f"dimensions; store.index.dims is {self.dims}"
            )
        return vector

    def as_config(self) -> dict[str, Any]:
        """LangGraph's IndexConfig, for BaseStore.index_config."""
        return {"dims": self.dims, "embed": self.embeddings, "fields": self.fields}
