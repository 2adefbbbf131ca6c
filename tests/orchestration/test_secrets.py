"""Secrets stay where they are used: never inside a Dask graph (pickled to every worker, kept
in the scheduler's memory), never in how settings print themselves."""

from __future__ import annotations

from dask.callbacks import Callback
from distributed.protocol import serialize, to_serialize
from pydantic import SecretStr

from pipeline.orchestration import stages
from pipeline.settings import Settings
from tests.orchestration.knmi_run import RUN, SOURCE, knmi_settings
from tests.sources.knmi_api import API_KEY

WEBHOOK_SECRET = "webhook-secret-4711"


def _as_sent_to_a_cluster(graph) -> bytes:
    """The bytes distributed's client sends the scheduler for ``graph``."""
    _, frames = serialize(to_serialize(graph), on_error="raise")
    return b"".join(bytes(frame) for frame in frames)


def test_the_statistics_graphs_carry_no_secret(loopback, tmp_path):
    settings = knmi_settings(loopback, tmp_path, webhook_secret=WEBHOOK_SECRET)
    stages.fetch(SOURCE, RUN, settings)  # with the key: the mimic refuses requests without it
    graphs: list[dict] = []
    with Callback(start=graphs.append):  # every graph the statistics compute, as computed
        stages.statistics(SOURCE, RUN, settings)
    assert graphs  # the parts (gust, precipitation, t2m), computed together or one by one
    for graph in graphs:
        sent = _as_sent_to_a_cluster(graph)
        assert f"HA43_N20_{RUN}".encode() in sent  # the decoding tasks, with their files
        # Counted rather than searched: a failure shows how often, not 60 MB of graph.
        assert sent.count(API_KEY.encode()) == 0
        assert sent.count(WEBHOOK_SECRET.encode()) == 0


def test_settings_never_show_their_secrets():
    settings = Settings(knmi_api_key=API_KEY, webhook_secret=WEBHOOK_SECRET)
    secrets = [name for name, value in settings if isinstance(value, SecretStr)]
    assert secrets == ["knmi_api_key", "webhook_secret"]
    for text in (repr(settings), str(settings), settings.model_dump_json()):
        assert API_KEY not in text and WEBHOOK_SECRET not in text
    assert settings.knmi_api_key.get_secret_value() == API_KEY  # still there for its users


def test_a_pickled_knmi_source_carries_no_key():
    import pickle

    from pipeline.sources.knmi import KnmiHarmonie

    source = KnmiHarmonie("http://127.0.0.1:9/open-data/v1", "SECRET-pickled-key-42")
    copy = pickle.loads(pickle.dumps(source))
    assert b"SECRET-pickled-key-42" not in pickle.dumps(source)
    assert copy.base_url == source.base_url and copy._api_key is None
    assert source._api_key == "SECRET-pickled-key-42"  # the original keeps it
