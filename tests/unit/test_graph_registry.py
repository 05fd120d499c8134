import json
import os
import sys
import textwrap
import uuid
from pathlib import Path
from typing import Any, Iterator

import pytest
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.pregel import Pregel
from langgraph.store.memory import InMemoryStore
from langgraph.types import Command

from duragraph.domain.errors import InvalidInput, NotFound
from duragraph.infrastructure.graphs.config import ConfigError, load_config
from duragraph.infrastructure.graphs.introspection import graph_json, graph_schemas, subgraphs
from duragraph.infrastructure.graphs.registry import GraphRegistry, UnknownGraph, with_persistence

TEST_GRAPHS = Path(__file__).resolve().parents[1] / "graphs" / "langgraph.json"

STATE = """
from operator import add
from typing import Annotated
from typing_extensions import TypedDict
from langgraph.graph import START, StateGraph

class State(TypedDict):
    log: Annotated[list[str], add]

def builder(word="hi"):
    return StateGraph(State).add_node("say", lambda s: {"log": [word]}).add_edge(START, "say")
"""


@pytest.fixture(autouse=True)
def isolated() -> Iterator[None]:
    """Loading a project changes process-wide state; put it back."""
    path, env, modules = list(sys.path), dict(os.environ), set(sys.modules)
    yield
    sys.path[:] = path
    os.environ.clear()
    os.environ.update(env)
    for name in set(sys.modules) - modules:
        del sys.modules[name]


def with_state(source: str) -> str:
    return STATE + textwrap.dedent(source)


def project(
    folder: Path, files: dict[str, str], graphs: dict[str, Any], **extra: Any
) -> GraphRegistry:
    for name, source in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(textwrap.dedent(source))
    (folder / "langgraph.json").write_text(json.dumps({"graphs": graphs, **extra}))
    return GraphRegistry.load(load_config(folder / "langgraph.json"))


async def run(registry: GraphRegistry, graph_id: str, config: dict | None = None) -> Any:
    return await (await registry.build(graph_id, config)).ainvoke({"log": []})


async def test_a_compiled_graph_is_returned_as_it_is_for_every_run(tmp_path: Path) -> None:
    reg = project(
        tmp_path, {"g.py": STATE + "graph = builder().compile(name='mine')"}, {"g": "./g.py:graph"}
    )
    first = await reg.build("g")
    assert first is await reg.build("g")
    assert first.name == "mine"
    assert await run(reg, "g") == {"log": ["hi"]}


async def test_a_state_graph_is_compiled_once_and_named_after_its_id(tmp_path: Path) -> None:
    reg = project(tmp_path, {"g.py": STATE + "graph = builder('built')"}, {"g": "./g.py:graph"})
    graph = await reg.build("g")
    assert isinstance(graph, Pregel) and graph is await reg.build("g")
    assert graph.name == "g"
    assert await run(reg, "g") == {"log": ["built"]}


async def test_a_factory_gets_the_runs_config_each_time(tmp_path: Path) -> None:
    source = with_state("""
    def make(config):
        return builder(config["configurable"]["word"]).compile()
    """)
    reg = project(tmp_path, {"g.py": source}, {"g": "./g.py:make"})
    assert await run(reg, "g", {"configurable": {"word": "one"}}) == {"log": ["one"]}
    assert await run(reg, "g", {"configurable": {"word": "two"}}) == {"log": ["two"]}


async def test_an_async_factory_without_arguments_may_return_a_state_graph(tmp_path: Path) -> None:
    source = with_state("""
    calls = []
    async def make():
        calls.append(1)
        return builder(f"call {len(calls)}")
    """)
    reg = project(tmp_path, {"g.py": source}, {"g": "./g.py:make"})
    assert await run(reg, "g") == {"log": ["call 1"]}
    assert await run(reg, "g", {"configurable": {"ignored": True}}) == {"log": ["call 2"]}


async def test_a_factory_cannot_leak_changes_into_the_runs_config(tmp_path: Path) -> None:
    source = with_state("""
    def make(config):
        config["configurable"]["word"] = "changed"
        return builder(config["configurable"]["word"])
    """)
    reg = project(tmp_path, {"g.py": source}, {"g": "./g.py:make"})
    config = {"configurable": {"word": "original"}}
    await reg.build("g", config)
    assert config == {"configurable": {"word": "original"}}


async def test_the_registry_never_attaches_a_checkpointer(tmp_path: Path) -> None:
    source = with_state("""
    graph = builder().compile()
    def make():
        return builder()
    """)
    reg = project(tmp_path, {"g.py": source}, {"a": "./g.py:graph", "b": "./g.py:make"})
    assert (await reg.build("a")).checkpointer is None
    assert (await reg.build("b")).checkpointer is None


async def test_with_persistence_saves_state_and_resumes_an_interrupt() -> None:
    registry = GraphRegistry.load(load_config(TEST_GRAPHS))
    plain = await registry.build("interrupting")
    saver, store = InMemorySaver(), InMemoryStore()
    graph = with_persistence(plain, saver, store)
    config = {"configurable": {"thread_id": "t1"}}
    first = await graph.ainvoke({}, config)
    assert first["__interrupt__"][0].value == {"question": "What is your name?"}
    assert await graph.ainvoke(Command(resume="Ada"), config) == {
        "answer": "Ada",
        "greeting": "Hello, Ada!",
    }
    assert (await graph.aget_state(config)).values["greeting"] == "Hello, Ada!"
    assert graph.store is store
    assert plain.checkpointer is None and plain.store is None


async def test_with_persistence_keeps_a_pydantic_graphs_output_coercion(tmp_path: Path) -> None:
    source = """
    from pydantic import BaseModel
    from langgraph.graph import START, StateGraph
    class State(BaseModel):
        n: int = 0
    graph = StateGraph(State).add_node("inc", lambda s: {"n": s.n + 1}).add_edge(START, "inc")
    """
    reg = project(tmp_path, {"g.py": source}, {"g": "./g.py:graph"})
    graph = with_persistence(await reg.build("g"), InMemorySaver())
    chunks = [
        c
        async for c in graph.astream(
            {"n": 1}, {"configurable": {"thread_id": "p"}}, stream_mode="values", version="v2"
        )
    ]
    assert type(chunks[-1]["data"]).__name__ == "State" and chunks[-1]["data"].n == 2


async def test_an_unknown_graph_is_not_found(tmp_path: Path) -> None:
    reg = project(tmp_path, {"g.py": STATE + "graph = builder()"}, {"g": "./g.py:graph"})
    assert reg.ids() == ["g"] and reg.has("g") and not reg.has("nope")
    with pytest.raises(UnknownGraph) as caught:
        await reg.build("nope")
    assert isinstance(caught.value, NotFound) and "graph 'nope' not found" in str(caught.value)


def test_env_is_applied_without_overriding_variables_already_set(tmp_path: Path) -> None:
    os.environ["DG_TEST_PRESET"] = "from the operator"
    project(
        tmp_path,
        {"g.py": STATE + "import os\nSEEN = os.environ['DG_TEST_NEW']\ngraph = builder(SEEN)"},
        {"g": "./g.py:graph"},
        env={"DG_TEST_PRESET": "from the project", "DG_TEST_NEW": "set"},
    )
    assert os.environ["DG_TEST_PRESET"] == "from the operator"
    assert os.environ["DG_TEST_NEW"] == "set"


async def test_a_module_path_is_imported_from_the_project_folder(tmp_path: Path) -> None:
    pkg = f"pkg_{uuid.uuid4().hex[:8]}"
    reg = project(
        tmp_path,
        {f"{pkg}/__init__.py": "", f"{pkg}/graphs.py": STATE + "g = builder()"},
        {"g": f"{pkg}.graphs:g"},
    )
    assert await run(reg, "g") == {"log": ["hi"]}


async def test_a_file_in_a_package_can_import_its_siblings(tmp_path: Path) -> None:
    pkg = f"pkg_{uuid.uuid4().hex[:8]}"
    files = {
        f"{pkg}/__init__.py": "",
        f"{pkg}/words.py": "WORD = 'sibling'\n",
        f"{pkg}/agent.py": with_state(f"""
    from .words import WORD
    from {pkg}.words import WORD as SAME
    graph = builder(WORD + '/' + SAME)
    """),
    }
    reg = project(tmp_path, files, {"g": f"./{pkg}/agent.py:graph"})
    assert await run(reg, "g") == {"log": ["sibling/sibling"]}


async def test_a_loose_file_can_import_the_module_beside_it(tmp_path: Path) -> None:
    helper = f"helper_{uuid.uuid4().hex[:8]}"
    files = {
        f"graphs/{helper}.py": "WORD = 'beside'\n",
        "graphs/agent.py": STATE + f"from {helper} import WORD\ngraph = builder(WORD)",
    }
    reg = project(tmp_path, files, {"g": "./graphs/agent.py:graph"})
    assert await run(reg, "g") == {"log": ["beside"]}


async def test_local_dependencies_are_importable(tmp_path: Path) -> None:
    lib = f"lib_{uuid.uuid4().hex[:8]}"
    files = {
        f"libs/shared/src/{lib}/__init__.py": "WORD = 'shared'\n",
        "agent.py": STATE + f"from {lib} import WORD\ngraph = builder(WORD)",
    }
    reg = project(tmp_path, files, {"g": "./agent.py:graph"}, dependencies=["./libs/shared"])
    assert await run(reg, "g") == {"log": ["shared"]}


async def test_two_graphs_from_one_file_share_its_module(tmp_path: Path) -> None:
    source = STATE + "import uuid\nTOKEN = uuid.uuid4().hex\na = builder(TOKEN)\nb = builder(TOKEN)"
    reg = project(tmp_path, {"g.py": source}, {"a": "./g.py:a", "b": "./g.py:b"})
    assert await run(reg, "a") == await run(reg, "b")


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        ("import not_a_module_anywhere\n", "ModuleNotFoundError: No module named 'not_a_module"),
        ("def broken(:\n", "SyntaxError"),
        ("raise RuntimeError('at import')\n", "RuntimeError: at import"),
        (STATE + "other = builder()\n", "no variable 'graph' \\(it defines: .*other"),
    ],
)
def test_an_import_failure_names_the_graph_and_the_file(
    tmp_path: Path, source: str, problem: str
) -> None:
    with pytest.raises(
        ConfigError,
        match=rf"graph 'g': cannot load 'graph' from "
        rf".*agent\.py: .*{problem}",
    ):
        project(tmp_path, {"agent.py": source}, {"g": "./agent.py:graph"})


def test_a_missing_graph_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"graph 'g': .*missing\.py: FileNotFoundError"):
        project(tmp_path, {}, {"g": "./missing.py:graph"})


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        ("graph = 42\n", "is a int, not a compiled graph"),
        ("def graph(config, runtime):\n    pass\n", "takes no arguments or one"),
    ],
)
def test_a_value_that_cannot_make_a_graph_is_rejected_at_load(
    tmp_path: Path, source: str, problem: str
) -> None:
    with pytest.raises(ConfigError, match=rf"graph 'g': .*{problem}"):
        project(tmp_path, {"agent.py": source}, {"g": "./agent.py:graph"})


async def test_a_factory_returning_something_else_fails_when_built(tmp_path: Path) -> None:
    reg = project(
        tmp_path,
        {"agent.py": "def graph():\n    return 'not a graph'\n"},
        {"g": "./agent.py:graph"},
    )
    with pytest.raises(ConfigError, match=r"graph 'g': expected a compiled graph .* got str"):
        await reg.build("g")


@pytest.fixture
def test_graphs(tmp_path: Path) -> GraphRegistry:
    os.environ["DURAGRAPH_TEST_COUNTER_DIR"] = str(tmp_path)
    return GraphRegistry.load(load_config(TEST_GRAPHS))


@pytest.mark.parametrize(
    ("graph_id", "given", "expected"),
    [
        ("echo", {"value": 7}, {"messages": [], "value": 7}),
        ("steps", {}, {"steps": ["one", "two", "three"]}),
        ("slow", {"sleep": 0.1, "value": "v"}, {"sleep": 0.1, "value": "v", "done": True}),
        ("custom", {}, {"done": True}),
        ("factory", {"text": "hey"}, {"text": "hey", "result": "HEY?"}),
        ("subgraph", {}, {"steps": ["before", "inner_one", "inner_two", "after"]}),
    ],
)
async def test_the_test_graphs_run(
    test_graphs: GraphRegistry, graph_id: str, given: dict, expected: dict
) -> None:
    config = {"configurable": {"thread_id": graph_id, "suffix": "?"}}
    graph = await test_graphs.build(graph_id, config)
    assert await graph.ainvoke(given, config) == expected


async def test_the_echo_graph_answers_with_the_last_message(test_graphs: GraphRegistry) -> None:
    graph = await test_graphs.build("echo")
    out = await graph.ainvoke({"messages": [{"role": "user", "content": "ping"}]})
    assert [(m.type, m.content) for m in out["messages"]] == [("human", "ping"), ("ai", "ping")]


async def test_the_chat_graph_streams_its_reply_token_by_token(test_graphs: GraphRegistry) -> None:
    graph = await test_graphs.build("chat")
    tokens = [
        chunk.content
        async for chunk, _ in graph.astream(
            {"messages": [{"role": "user", "content": "hi"}]}, stream_mode="messages"
        )
    ]
    assert tokens == ["Hello", " ", "from", " ", "the", " ", "fake", " ", "model"]


async def test_the_custom_graph_writes_progress_chunks(test_graphs: GraphRegistry) -> None:
    graph = await test_graphs.build("custom")
    chunks = [c async for c in graph.astream({}, stream_mode="custom")]
    assert chunks == [{"progress": 1}, {"progress": 2}, {"progress": 3}]


async def test_the_failing_graph_raises_boom(test_graphs: GraphRegistry) -> None:
    with pytest.raises(ValueError, match="boom"):
        await (await test_graphs.build("failing")).ainvoke({})


async def test_the_steps_graph_counts_each_nodes_executions(
    test_graphs: GraphRegistry, tmp_path: Path
) -> None:
    graph = await test_graphs.build("steps")
    for _ in range(2):
        await graph.ainvoke({}, {"configurable": {"thread_id": "counted"}})
    counts = {
        n: len((tmp_path / f"counted.{n}").read_text().splitlines())
        for n in ("one", "two", "three")
    }
    assert counts == {"one": 2, "two": 2, "three": 2}


async def test_schemas_describe_the_test_graphs(test_graphs: GraphRegistry) -> None:
    for graph_id in test_graphs.ids():
        schemas = graph_schemas(graph_id, await test_graphs.build(graph_id))
        assert schemas["graph_id"] == graph_id
        assert schemas["input_schema"]["type"] == "object"
        assert schemas["output_schema"]["type"] == "object"
        assert schemas["state_schema"]["type"] == "object"
        if graph_id == "nested":  # the one test graph declared with a context schema
            assert schemas["context_schema"]["required"] == ["user"]
        else:
            assert schemas["config_schema"] == {} and schemas["context_schema"] is None
    steps = graph_schemas("steps", await test_graphs.build("steps"))
    assert set(steps["state_schema"]["properties"]) == {"steps", "delay"}
    assert steps["input_schema"]["properties"]["steps"]["type"] == "array"


async def test_the_context_schema_is_the_config_and_context_schema(tmp_path: Path) -> None:
    source = with_state("""
    from dataclasses import dataclass
    @dataclass
    class Context:
        model: str = "fake"
    graph = (StateGraph(State, context_schema=Context).add_node("say", lambda s: {})
             .add_edge(START, "say"))
    """)
    reg = project(tmp_path, {"g.py": source}, {"g": "./g.py:graph"})
    schemas = graph_schemas("g", await reg.build("g"))
    assert schemas["context_schema"]["properties"] == {
        "model": {"default": "fake", "title": "Model", "type": "string"}
    }
    assert schemas["config_schema"]["properties"] == schemas["context_schema"]["properties"]


async def test_schemas_that_cannot_be_drawn_are_none(tmp_path: Path) -> None:
    # pydantic cannot describe typing.TypedDict before Python 3.12; the
    # endpoint must still answer.
    source = """
    import typing
    from langgraph.graph import START, StateGraph
    class Odd(typing.TypedDict):
        value: typing.Callable[[int], int]
    graph = StateGraph(Odd).add_node("n", lambda s: {}).add_edge(START, "n")
    """
    reg = project(tmp_path, {"g.py": source}, {"g": "./g.py:graph"})
    schemas = graph_schemas("g", await reg.build("g"))
    assert set(schemas) == {
        "graph_id",
        "input_schema",
        "output_schema",
        "state_schema",
        "config_schema",
        "context_schema",
    }
    assert schemas["input_schema"] is None
    assert schemas["state_schema"]["properties"]["value"] == {"default": None, "title": "Value"}


async def test_the_drawn_graph_lists_nodes_and_edges(test_graphs: GraphRegistry) -> None:
    drawn = graph_json(await test_graphs.build("steps"))
    assert [n["id"] for n in drawn["nodes"]] == ["__start__", "one", "two", "three", "__end__"]
    assert {(e["source"], e["target"]) for e in drawn["edges"]} == {
        ("__start__", "one"),
        ("one", "two"),
        ("two", "three"),
        ("three", "__end__"),
    }
    assert all("id" not in (n.get("data") or {}) for n in drawn["nodes"])


async def test_xray_draws_the_subgraphs_nodes(test_graphs: GraphRegistry) -> None:
    graph = await test_graphs.build("subgraph")
    assert "child:inner_one" not in {n["id"] for n in graph_json(graph)["nodes"]}
    assert "child:inner_one" in {n["id"] for n in graph_json(graph, xray=True)["nodes"]}


async def test_subgraphs_are_listed_with_their_schemas(test_graphs: GraphRegistry) -> None:
    graph = await test_graphs.build("subgraph")
    found = subgraphs(graph)
    assert list(found) == ["child"]
    assert found["child"]["state_schema"]["properties"]["steps"]["type"] == "array"
    assert subgraphs(graph, namespace="child") == found
    assert subgraphs(graph, namespace="before") == {}
    assert subgraphs(await test_graphs.build("echo")) == {}


def test_a_graph_that_cannot_be_drawn_is_invalid_input() -> None:
    class Undrawable:
        def get_graph(self, xray: bool | int = False) -> Any:
            raise NotImplementedError

    with pytest.raises(InvalidInput, match="does not support visualization"):
        graph_json(Undrawable())  # type: ignore[arg-type]
