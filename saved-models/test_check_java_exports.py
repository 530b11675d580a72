"""The negative controls of check_java_exports.py's TensorBoard check: a wrong expectation must be reported.

Uses the event file the Java tests leave in spinal-train/target/python-check/tensorboard-gradients/ (run-tests runs
the Java tests first); skipped when it is not there.
"""
from __future__ import annotations

import json
import os
import shutil
import sys

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import check_java_exports  # noqa: E402

GRADIENTS = os.path.join(HERE, "..", "spinal-train", "target", "python-check", "tensorboard-gradients")
needs_java = pytest.mark.skipif(not os.path.isfile(os.path.join(GRADIENTS, "expected.json")),
                                reason="the Java tests have not left tensorboard-gradients/ yet")


def copy_with(tmp_path, change):
    shutil.copytree(GRADIENTS, tmp_path / "g")
    with open(tmp_path / "g" / "expected.json") as f:
        expected = json.load(f)
    change(expected)
    with open(tmp_path / "g" / "expected.json", "w") as f:
        json.dump(expected, f)
    return str(tmp_path / "g")


@needs_java
def test_the_java_event_file_passes():
    assert check_java_exports.check_gradients(GRADIENTS) == []


@needs_java
def test_a_missing_step_is_reported(tmp_path):
    def change(e):
        tag = sorted(e["scalars"])[0]
        e["scalars"][tag] = e["scalars"][tag] + [999]
    problems = check_java_exports.check_gradients(copy_with(tmp_path, change))
    assert any("steps" in p and "999" in p for p in problems), problems


@needs_java
def test_a_wrong_histogram_count_and_sum_are_reported(tmp_path):
    def change(e):
        tag = sorted(e["histograms"])[0]
        e["histograms"][tag]["num"] += 1
        e["histograms"][tag]["sum_at_step_0"] += 0.5
    problems = check_java_exports.check_gradients(copy_with(tmp_path, change))
    assert any("values, expected" in p for p in problems), problems
    assert any("Java read" in p for p in problems), problems


@needs_java
def test_a_histogram_java_did_not_announce_is_reported(tmp_path):
    def change(e):
        del e["histograms"][sorted(e["histograms"])[0]]
    problems = check_java_exports.check_gradients(copy_with(tmp_path, change))
    assert any("did not write" in p for p in problems), problems
