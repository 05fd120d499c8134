"""Assistants through the SDK: defaults per graph, create, update, delete,
search, count and graph introspection."""

from __future__ import annotations

import uuid

import httpx
import pytest
from langgraph_sdk.errors import ConflictError, NotFoundError, UnprocessableEntityError

pytestmark = pytest.mark.e2e

GRAPHS = (
    "echo",
    "steps",
    "slow",
    "interrupting",
    "failing",
    "chat",
    "custom",
    "factory",
    "subgraph",
)
# The official server derives default assistant ids from the graph id like this.
NAMESPACE_GRAPH = uuid.UUID("6ba7b821-9dad-11d1-80b4-00c04fd430c8")
UNKNOWN_ASSISTANT = "00000000-0000-4000-8000-000000000000"


def marker() -> dict[str, str]:
    return {"test": uuid.uuid4().hex}


async def test_every_graph_has_a_default_assistant(client) -> None:
    defaults = await client.assistants.search(metadata={"created_by": "system"}, limit=100)
    by_graph = {a["graph_id"]: a for a in defaults}
    assert set(GRAPHS) <= set(by_graph)
    for graph_id in GRAPHS:
        assert by_graph[graph_id]["assistant_id"] == str(uuid.uuid5(NAMESPACE_GRAPH, graph_id))


async def test_the_graph_id_stands_for_its_default_assistant(client) -> None:
    assistant = await client.assistants.get("steps")
    assert assistant["graph_id"] == "steps"
    assert assistant["assistant_id"] == str(uuid.uuid5(NAMESPACE_GRAPH, "steps"))
    thread = await client.threads.create()
    result = await client.runs.wait(thread["thread_id"], "steps", input={})
    assert result["steps"] == ["one", "two", "three"]
    runs = await client.runs.list(thread["thread_id"])
    assert runs[0]["assistant_id"] == assistant["assistant_id"]


async def test_creating_an_assistant_returns_it_with_its_settings(client) -> None:
    created = await client.assistants.create(
        "factory",
        config={"configurable": {"suffix": "?"}},
        metadata=marker(),
        name="shouter",
        description="shouts a question",
    )
    assert created["graph_id"] == "factory"
    assert created["name"] == "shouter"
    assert created["description"] == "shouts a question"
    assert created["config"]["configurable"] == {"suffix": "?"}
    assert created["version"] == 1
    fetched = await client.assistants.get(created["assistant_id"])
    assert fetched["assistant_id"] == created["assistant_id"]
    assert fetched["config"] == created["config"]


async def test_an_assistant_config_reaches_its_graph_and_a_run_config_overrides_it(client) -> None:
    created = await client.assistants.create("factory", config={"configurable": {"suffix": "?"}})
    thread = await client.threads.create()
    result = await client.runs.wait(
        thread["thread_id"], created["assistant_id"], input={"text": "hi"}
    )
    assert result["result"] == "HI?"
    overridden = await client.runs.wait(
        thread["thread_id"],
        created["assistant_id"],
        input={"text": "hi"},
        config={"configurable": {"suffix": "."}},
    )
    assert overridden["result"] == "HI."


async def test_creating_an_existing_assistant_id_is_a_conflict(client) -> None:
    assistant_id = str(uuid.uuid4())
    await client.assistants.create("echo", assistant_id=assistant_id, name="first")
    with pytest.raises(ConflictError):
        await client.assistants.create(
            "echo", assistant_id=assistant_id, name="second", if_exists="raise"
        )
    assert (await client.assistants.get(assistant_id))["name"] == "first"


async def test_creating_an_existing_assistant_with_do_nothing_returns_it_unchanged(client) -> None:
    assistant_id = str(uuid.uuid4())
    first = await client.assistants.create(
        "echo", assistant_id=assistant_id, name="first", metadata={"n": 1}
    )
    again = await client.assistants.create(
        "steps", assistant_id=assistant_id, name="second", metadata={"n": 2}, if_exists="do_nothing"
    )
    assert again["assistant_id"] == assistant_id
    assert (again["graph_id"], again["name"], again["metadata"]) == (
        "echo",
        "first",
        first["metadata"],
    )
    assert again["version"] == first["version"]


async def test_updating_an_assistant_makes_a_new_version_and_merges_metadata(client) -> None:
    created = await client.assistants.create(
        "echo", metadata={"owner": "ann", "team": "a"}, name="v1"
    )
    updated = await client.assistants.update(
        created["assistant_id"], metadata={"team": "b", "tier": "gold"}, name="v2"
    )
    assert updated["version"] == created["version"] + 1
    assert updated["name"] == "v2"
    assert updated["graph_id"] == "echo"
    assert updated["metadata"] == {"owner": "ann", "team": "b", "tier": "gold"}
    assert await client.assistants.get(created["assistant_id"]) == updated
    versions = await client.assistants.get_versions(created["assistant_id"])
    assert [v["version"] for v in versions] == [2, 1]
    assert [v["name"] for v in versions] == ["v2", "v1"]


async def test_a_deleted_assistant_is_gone(client) -> None:
    mark = marker()
    created = await client.assistants.create("echo", metadata=mark)
    await client.assistants.delete(created["assistant_id"])
    with pytest.raises(NotFoundError):
        await client.assistants.get(created["assistant_id"])
    assert await client.assistants.search(metadata=mark) == []
    thread = await client.threads.create()
    with pytest.raises(NotFoundError):
        await client.runs.create(thread["thread_id"], created["assistant_id"], input={})


async def test_search_filters_by_graph_and_metadata_and_pages(client) -> None:
    mark = marker()
    ids = [
        (await client.assistants.create("echo", metadata={**mark, "i": i}))["assistant_id"]
        for i in range(3)
    ]
    other = await client.assistants.create("steps", metadata=mark)
    echo_ones = await client.assistants.search(metadata=mark, graph_id="echo", limit=10)
    assert {a["assistant_id"] for a in echo_ones} == set(ids)
    assert other["assistant_id"] not in {a["assistant_id"] for a in echo_ones}
    only_one = await client.assistants.search(metadata={**mark, "i": 1})
    assert [a["assistant_id"] for a in only_one] == [ids[1]]
    first_page = await client.assistants.search(metadata=mark, graph_id="echo", limit=2)
    second_page = await client.assistants.search(metadata=mark, graph_id="echo", limit=2, offset=2)
    assert len(first_page) == 2 and len(second_page) == 1
    paged = {a["assistant_id"] for a in first_page + second_page}
    assert paged == set(ids)


async def test_count_counts_the_matching_assistants(client) -> None:
    mark = marker()
    for graph_id in ("echo", "echo", "steps"):
        await client.assistants.create(graph_id, metadata=mark)
    assert await client.assistants.count(metadata=mark) == 3
    assert await client.assistants.count(metadata=mark, graph_id="echo") == 2
    assert await client.assistants.count(metadata=marker()) == 0


async def test_get_graph_describes_the_nodes_and_edges(client) -> None:
    graph = await client.assistants.get_graph("steps")
    node_ids = {node["id"] for node in graph["nodes"]}
    assert {"__start__", "one", "two", "three", "__end__"} <= node_ids
    edges = {(e["source"], e["target"]) for e in graph["edges"]}
    assert {("__start__", "one"), ("one", "two"), ("two", "three"), ("three", "__end__")} <= edges


async def test_get_graph_with_xray_shows_the_subgraph_nodes(client) -> None:
    flat = await client.assistants.get_graph("subgraph")
    xray = await client.assistants.get_graph("subgraph", xray=True)
    flat_ids = {node["id"] for node in flat["nodes"]}
    xray_ids = {node["id"] for node in xray["nodes"]}
    assert "child" in flat_ids
    assert any("inner_one" in node_id for node_id in xray_ids)


async def test_get_schemas_describes_the_graph_state(client) -> None:
    schemas = await client.assistants.get_schemas("interrupting")
    assert schemas["graph_id"] == "interrupting"
    assert {"question", "answer", "greeting"} <= set(schemas["state_schema"]["properties"])
    assert "input_schema" in schemas and "output_schema" in schemas


async def test_get_subgraphs_lists_the_nested_graph(client) -> None:
    subgraphs = await client.assistants.get_subgraphs("subgraph")
    assert list(subgraphs) == ["child"]
    assert await client.assistants.get_subgraphs("steps") == {}


async def test_unknown_assistant_is_not_found(client) -> None:
    with pytest.raises(NotFoundError):
        await client.assistants.get(str(uuid.uuid4()))
    with pytest.raises(NotFoundError):
        await client.assistants.update(str(uuid.uuid4()), metadata={"a": 1})
    with pytest.raises(NotFoundError):
        await client.assistants.delete(str(uuid.uuid4()))
    with pytest.raises(NotFoundError):
        await client.assistants.get_graph(str(uuid.uuid4()))


async def test_searching_or_counting_an_unknown_graph_is_not_found_naming_the_graphs(
    client,
) -> None:
    for call in (
        client.assistants.search(graph_id="nope"),
        client.assistants.count(graph_id="nope"),
    ):
        with pytest.raises(NotFoundError) as refused:
            await call
        detail = refused.value.body["detail"]
        assert detail.startswith("Graph '") and "not found" in detail
        assert all(repr(graph_id) in detail for graph_id in GRAPHS)


async def test_versions_of_an_unknown_assistant_are_refused_as_upstream(client) -> None:
    with pytest.raises(NotFoundError):
        await client.assistants.get_versions(str(uuid.uuid4()))
    with pytest.raises(UnprocessableEntityError) as malformed:
        await client.assistants.get_versions("not-a-uuid")
    assert "UUID" in malformed.value.body["detail"]
    created = await client.assistants.create("echo", metadata={"stage": "draft"})
    with pytest.raises(NotFoundError):
        await client.assistants.get_versions(created["assistant_id"], metadata={"stage": "live"})


@pytest.mark.parametrize(
    "path, field",
    [
        ("/assistants/search", "graph_id"),
        ("/assistants/search", "metadata"),
        ("/assistants/search", "name"),
        ("/assistants/search", "sort_by"),
        ("/assistants/search", "select"),
        ("/assistants/count", "graph_id"),
        ("/assistants/count", "metadata"),
        (f"/assistants/{UNKNOWN_ASSISTANT}/versions", "metadata"),
    ],
)
async def test_a_filter_sent_as_null_is_refused_naming_it(client, path: str, field: str) -> None:
    """As the official schema: a filter may be left out, not sent as null."""
    with pytest.raises(UnprocessableEntityError) as refused:
        await client.http.post(path, json={field: None})
    assert field in refused.value.body["detail"]


async def test_search_sorts_and_selects_fields(client) -> None:
    mark = marker()
    ids = [
        (await client.assistants.create("echo", metadata=mark, name=f"n{i}"))["assistant_id"]
        for i in range(3)
    ]
    ascending = await client.assistants.search(
        metadata=mark, sort_by="created_at", sort_order="asc"
    )
    assert [a["assistant_id"] for a in ascending] == ids
    by_name = await client.assistants.search(
        metadata=mark, sort_by="name", sort_order="desc", select=["assistant_id", "name"]
    )
    assert by_name == [{"assistant_id": ids[i], "name": f"n{i}"} for i in (2, 1, 0)]
    named = await client.assistants.search(metadata=mark, name="n1")
    assert [a["assistant_id"] for a in named] == [ids[1]]


async def test_set_latest_rolls_an_assistant_back_to_an_earlier_version(client) -> None:
    created = await client.assistants.create(
        "factory", name="polite", config={"configurable": {"suffix": "?"}}
    )
    assistant_id = created["assistant_id"]
    await client.assistants.update(
        assistant_id, name="loud", config={"configurable": {"suffix": "!!"}}
    )
    rolled_back = await client.assistants.set_latest(assistant_id, 1)
    assert rolled_back["version"] == 1
    assert rolled_back["name"] == "polite"
    assert await client.assistants.get(assistant_id) == rolled_back
    thread = await client.threads.create()
    result = await client.runs.wait(thread["thread_id"], assistant_id, input={"text": "hi"})
    assert result["result"] == "HI?"
    later = await client.assistants.update(assistant_id, metadata={"after": "rollback"})
    assert later["version"] == 3 and later["name"] == "polite"
    versions = await client.assistants.get_versions(assistant_id)
    assert [v["version"] for v in versions] == [3, 2, 1]


async def test_set_latest_to_an_unknown_version_is_not_found(client) -> None:
    created = await client.assistants.create("echo", name="only")
    with pytest.raises(NotFoundError):
        await client.assistants.set_latest(created["assistant_id"], 7)
    assert (await client.assistants.get(created["assistant_id"]))["version"] == 1


async def test_versions_filter_by_metadata_and_page(client) -> None:
    created = await client.assistants.create("echo", metadata={"stage": "draft"})
    assistant_id = created["assistant_id"]
    await client.assistants.update(assistant_id, metadata={"stage": "review"})
    await client.assistants.update(assistant_id, metadata={"stage": "live"})
    drafts = await client.assistants.get_versions(assistant_id, metadata={"stage": "draft"})
    assert [v["version"] for v in drafts] == [1]
    page = await client.assistants.get_versions(assistant_id, limit=1, offset=1)
    assert [v["version"] for v in page] == [2]


async def test_deleting_an_assistant_with_delete_threads_removes_its_threads(client) -> None:
    created = await client.assistants.create("echo")
    used = await client.threads.create()
    await client.runs.wait(used["thread_id"], created["assistant_id"], input={"value": 1})
    untouched = await client.threads.create()
    await client.runs.wait(untouched["thread_id"], "echo", input={"value": 2})
    await client.assistants.delete(created["assistant_id"], delete_threads=True)
    with pytest.raises(NotFoundError):
        await client.threads.get(used["thread_id"])
    assert (await client.threads.get(untouched["thread_id"]))["thread_id"] == untouched["thread_id"]


async def test_deleting_an_assistant_keeps_its_threads_by_default(client) -> None:
    created = await client.assistants.create("echo")
    thread = await client.threads.create()
    await client.runs.wait(thread["thread_id"], created["assistant_id"], input={"value": 1})
    await client.assistants.delete(created["assistant_id"])
    assert (await client.threads.get(thread["thread_id"]))["thread_id"] == thread["thread_id"]


async def test_search_tells_the_next_page_offset(client) -> None:
    mark = marker()
    for _ in range(3):
        await client.assistants.create("echo", metadata=mark)
    first = await client.assistants.search(metadata=mark, limit=2, response_format="object")
    assert len(first["assistants"]) == 2 and first["next"] == "2"
    last = await client.assistants.search(
        metadata=mark, limit=2, offset=2, response_format="object"
    )
    assert len(last["assistants"]) == 1 and last["next"] is None


async def test_subgraphs_with_a_namespace_and_recursively(client) -> None:
    assert list(await client.assistants.get_subgraphs("nested")) == ["middle"]
    deep = await client.assistants.get_subgraphs("nested", recurse=True)
    assert set(deep) == {"middle", "middle|inner"}
    assert "steps" in deep["middle|inner"]["state_schema"]["properties"]
    assert list(await client.assistants.get_subgraphs("nested", namespace="middle")) == ["middle"]
    assert await client.assistants.get_subgraphs("nested", namespace="nowhere") == {}


async def test_schemas_include_the_context_schema(client) -> None:
    schemas = await client.assistants.get_schemas("nested")
    assert schemas["context_schema"]["properties"]["user"]["type"] == "string"
    assert "user" in schemas["config_schema"]["properties"]
    assert "steps" in schemas["input_schema"]["properties"]
    assert "steps" in schemas["output_schema"]["properties"]


async def test_set_latest_without_a_usable_version_is_a_422_naming_it(
    server_url: str, client
) -> None:
    created = await client.assistants.create("echo")
    path = f"/assistants/{created['assistant_id']}/latest"
    async with httpx.AsyncClient(base_url=server_url) as http:
        missing = await http.post(path, json={})
        wrong = await http.post(path, json={"version": "latest"})
        by_query = await http.post(path, params={"version": 1})
    assert missing.status_code == 422 and "version" in missing.json()["detail"]
    assert wrong.status_code == 422 and "version" in wrong.json()["detail"]
    assert by_query.status_code == 200 and by_query.json()["version"] == 1
