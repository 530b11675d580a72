"""The serving check's own negative controls (pytest, no export needed): a misspelt models.config field, a
version label outside the loaded versions, and a response of another structure are caught."""
from __future__ import annotations

import json
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_serving  # noqa: E402

DOCS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "docs", "serving")


def test_the_documented_models_config_parses():
    assert check_serving.check_models_config(os.path.join(DOCS, "models.config")) == []


def test_a_misspelt_field_is_rejected(tmp_path):
    bad = tmp_path / "models.config"
    bad.write_text(open(os.path.join(DOCS, "models.config")).read().replace("model_platform", "model_plateform", 1))
    from google.protobuf import text_format

    with pytest.raises(text_format.ParseError, match="model_plateform"):
        check_serving.check_models_config(str(bad))


def test_a_label_outside_the_loaded_versions_and_a_version_folder_as_base_path_are_reported(tmp_path):
    bad = tmp_path / "models.config"
    text = open(os.path.join(DOCS, "models.config")).read()
    bad.write_text(text.replace("value: 2", "value: 3").replace('"/models/pets"', '"/models/pets/1"'))
    problems = check_serving.check_models_config(str(bad))
    assert any("label 'canary' -> version 3" in p for p in problems)
    assert any("not a version folder" in p for p in problems)


def test_the_documented_response_matches_the_documented_request_and_structure_tells_shapes_apart():
    request = json.load(open(os.path.join(DOCS, "predict-request.json")))
    response = json.load(open(os.path.join(DOCS, "predict-response.json")))
    images = check_serving.decode_row_format(request, "images")
    assert images.shape == (len(response["predictions"]), 28, 28, 1)
    assert images.min() == 0 and images.max() <= 1
    shape = check_serving.structure(response)
    assert shape == {"predictions": [2, {"classes": "integer", "logits": [10, "number"],
                                         "probabilities": [10, "number"]}]}
    del response["predictions"][0]["logits"]
    assert check_serving.structure(response) != shape
