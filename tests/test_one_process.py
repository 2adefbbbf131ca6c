"""``crosswarn run``'s process settings: no collection while loading, a short GIL switch
interval while it runs, and both undone after, for callers in the same process."""

from __future__ import annotations

import gc
import sys

import pytest

from pipeline.one_process import SWITCH_INTERVAL_S, collecting_after_loading, switching_often


def test_the_switch_interval_is_short_while_running_and_restored_after_a_failure():
    default = sys.getswitchinterval()
    assert default != SWITCH_INTERVAL_S  # else the test shows nothing
    with pytest.raises(RuntimeError), switching_often():
        assert sys.getswitchinterval() == pytest.approx(SWITCH_INTERVAL_S)
        raise RuntimeError("the run failed")
    assert sys.getswitchinterval() == default


def test_no_collection_while_loading_then_collections_without_what_loading_made():
    assert gc.isenabled()
    with collecting_after_loading() as loaded:
        assert not gc.isenabled()
        loaded()
        assert gc.isenabled() and gc.get_freeze_count() > 0
    assert gc.isenabled() and gc.get_freeze_count() == 0
