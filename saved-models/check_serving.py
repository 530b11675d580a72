#!/usr/bin/env python3
"""Check docs/serving.md's TF Serving recipe on Spinal's Java exports with Python TensorFlow.

    check_serving.py EXPORTS DOCS
    check_serving.py --make-request DOCS     (writes DOCS/predict-request.json from Fashion-MNIST's test set)

TensorFlow Serving's model server cannot be installed here, so this checks what can be checked without it:

1. DOCS/models.config parses as TF Serving's ModelServerConfig (a text proto; the message types are rebuilt
   below from tensorflow_serving/config/model_server_config.proto and file_system_storage_path_source.proto,
   so a misspelt field fails), with unique model names and base paths in the BASE/<version>/ layout.
2. For every export in EXPORTS (``spinal-train/target/python-check/*/model`` after ``mvn test``) whose input is
   28x28x1 (Fashion-MNIST's):
   - the documented REST request (DOCS/predict-request.json, row format: ``instances`` of ``{"images": HxWxC}``)
     is decoded as the model server decodes the row format (instances stacked along a new batch dimension),
     fed to ``tf.saved_model.load(model).signatures["serving_default"]``, and the response built as the model
     server builds it for several named outputs (``predictions``: one object per instance with ``logits``,
     ``probabilities``, ``classes``) must have the structure of DOCS/predict-response.json: the same keys,
     lengths and types, probabilities summing to 1, ``classes`` their argmax;
   - a request made the documented way from the export's own check batch (input.npz) gives Java's outputs
     (expected.npz) to 1e-5 + 1e-6 relative, classes exactly, after a JSON round trip of the request;
   - ``saved_model_cli run`` with the same images (``--inputs images=FILE.npy``) gives the same outputs;
   - the gRPC request's TensorProto (``tf.make_tensor_proto``) is DT_FLOAT [n, 28, 28, 1] and reads back equal.

Exit 0 when everything holds, 1 on a mismatch, 2 when there is nothing to check or bad usage.
"""
from __future__ import annotations

import glob
import gzip
import json
import os
import subprocess
import sys
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

OUTPUTS = ("logits", "probabilities", "classes")


def model_server_config_types():
    """TF Serving's ModelServerConfig message class, rebuilt from its .proto definitions (field names and numbers)."""
    from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
    from google.protobuf import any_pb2  # noqa: F401  (registers google/protobuf/any.proto in the default pool)

    F = descriptor_pb2.FieldDescriptorProto
    pool = descriptor_pool.DescriptorPool()
    pool.AddSerializedFile(any_pb2.DESCRIPTOR.serialized_pb)

    def field(msg, name, number, kind, label=F.LABEL_OPTIONAL, type_name=None, oneof=None):
        f = msg.field.add(name=name, number=number, type=kind, label=label)
        if type_name:
            f.type_name = type_name
        if oneof is not None:
            f.oneof_index = oneof

    fs = descriptor_pb2.FileDescriptorProto(name="tensorflow_serving/sources/storage_path/"
                                            "file_system_storage_path_source.proto",
                                            package="tensorflow.serving", syntax="proto3")
    src = fs.message_type.add(name="FileSystemStoragePathSourceConfig")
    policy = src.nested_type.add(name="ServableVersionPolicy")
    latest = policy.nested_type.add(name="Latest")
    field(latest, "num_versions", 1, F.TYPE_UINT32)
    policy.nested_type.add(name="All")
    specific = policy.nested_type.add(name="Specific")
    field(specific, "versions", 1, F.TYPE_INT64, F.LABEL_REPEATED)
    policy.oneof_decl.add(name="policy_choice")
    prefix = ".tensorflow.serving.FileSystemStoragePathSourceConfig.ServableVersionPolicy."
    field(policy, "latest", 100, F.TYPE_MESSAGE, type_name=prefix + "Latest", oneof=0)
    field(policy, "all", 101, F.TYPE_MESSAGE, type_name=prefix + "All", oneof=0)
    field(policy, "specific", 102, F.TYPE_MESSAGE, type_name=prefix + "Specific", oneof=0)
    pool.Add(fs)

    fc = descriptor_pb2.FileDescriptorProto(name="tensorflow_serving/config/model_server_config.proto",
                                            package="tensorflow.serving", syntax="proto3",
                                            dependency=["google/protobuf/any.proto", fs.name])
    cfg = fc.message_type.add(name="ModelConfig")
    field(cfg, "name", 1, F.TYPE_STRING)
    field(cfg, "base_path", 2, F.TYPE_STRING)
    field(cfg, "model_platform", 4, F.TYPE_STRING)
    field(cfg, "model_version_policy", 7, F.TYPE_MESSAGE,
          type_name=".tensorflow.serving.FileSystemStoragePathSourceConfig.ServableVersionPolicy")
    labels = cfg.nested_type.add(name="VersionLabelsEntry")
    labels.options.map_entry = True
    field(labels, "key", 1, F.TYPE_STRING)
    field(labels, "value", 2, F.TYPE_INT64)
    field(cfg, "version_labels", 8, F.TYPE_MESSAGE, F.LABEL_REPEATED,
          type_name=".tensorflow.serving.ModelConfig.VersionLabelsEntry")
    lst = fc.message_type.add(name="ModelConfigList")
    field(lst, "config", 1, F.TYPE_MESSAGE, F.LABEL_REPEATED, type_name=".tensorflow.serving.ModelConfig")
    server = fc.message_type.add(name="ModelServerConfig")
    server.oneof_decl.add(name="config")
    field(server, "model_config_list", 1, F.TYPE_MESSAGE, type_name=".tensorflow.serving.ModelConfigList", oneof=0)
    field(server, "custom_model_config", 2, F.TYPE_MESSAGE, type_name=".google.protobuf.Any", oneof=0)
    pool.Add(fc)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("tensorflow.serving.ModelServerConfig"))


def check_models_config(path):
    from google.protobuf import text_format

    problems = []
    config = model_server_config_types()()
    with open(path) as f:
        text_format.Parse(f.read(), config)  # raises on an unknown field or a bad value
    names = [c.name for c in config.model_config_list.config]
    if len(names) < 2 or len(set(names)) != len(names):
        problems.append(f"{path}: expected several models with unique names, got {names}")
    for c in config.model_config_list.config:
        if c.model_platform != "tensorflow":
            problems.append(f"{path}: model {c.name!r} has model_platform {c.model_platform!r}, expected 'tensorflow'")
        if not c.base_path.startswith("/") or c.base_path.rstrip("/").split("/")[-1].isdigit():
            problems.append(f"{path}: model {c.name!r}: base_path {c.base_path!r} must be the absolute BASE folder"
                            " (its numbered version folders inside), not a version folder")
        versions = set(c.model_version_policy.specific.versions)
        for label, version in c.version_labels.items():
            if versions and version not in versions:
                problems.append(f"{path}: model {c.name!r}: label {label!r} -> version {version}, which the"
                                f" specific policy {sorted(versions)} does not load")
    print(f"check_serving: {path} parses as ModelServerConfig: models {names}")
    return problems


def decode_row_format(request, input_name):
    """The model server's reading of a row-format request: instances stacked along a new batch dimension."""
    import numpy as np

    instances = request["instances"]
    rows = [inst[input_name] if isinstance(inst, dict) else inst for inst in instances]
    return np.asarray(rows, dtype=np.float32)


def encode_row_format(outputs):
    """The model server's row-format response for several named outputs: one object per instance."""
    n = len(next(iter(outputs.values())))
    return {"predictions": [{k: v[i].tolist() for k, v in outputs.items()} for i in range(n)]}


def structure(value):
    """Keys, lengths and JSON types of a response, without the numbers."""
    if isinstance(value, dict):
        return {k: structure(v) for k, v in sorted(value.items())}
    if isinstance(value, list):
        return [len(value), structure(value[0]) if value else None]
    return "integer" if isinstance(value, int) else "number" if isinstance(value, float) else type(value).__name__


def run_signature(model_dir, images):
    import tensorflow as tf

    fn = tf.saved_model.load(model_dir).signatures["serving_default"]
    return {k: v.numpy() for k, v in fn(images=tf.constant(images)).items()}


def saved_model_cli_run(model_dir, images):
    import numpy as np

    exe = os.path.join(os.path.dirname(sys.executable), "saved_model_cli")
    with tempfile.TemporaryDirectory() as tmp:
        np.save(os.path.join(tmp, "images.npy"), images)
        out = os.path.join(tmp, "out")
        proc = subprocess.run([exe, "run", "--dir", model_dir, "--tag_set", "serve", "--signature_def",
                               "serving_default", "--inputs", f"images={tmp}/images.npy", "--outdir", out],
                              capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"saved_model_cli run failed ({proc.returncode}): {proc.stderr.strip()[-2000:]}")
        return {k: np.load(os.path.join(out, k + ".npy")) for k in OUTPUTS}


def compare(got, want, what):
    import numpy as np

    problems = []
    for k in OUTPUTS:
        g, w = np.asarray(got[k]), np.asarray(want[k])
        if g.shape != w.shape:
            problems.append(f"{what}: {k} has shape {g.shape}, expected {w.shape}")
        elif k == "classes":
            if not np.array_equal(g, w):
                problems.append(f"{what}: classes {g.tolist()} differ from {w.tolist()}")
        elif not np.allclose(g, w, atol=1e-5, rtol=1e-6):
            problems.append(f"{what}: {k} differs by up to {float(np.max(np.abs(g - w))):.3g}")
    return problems


def check_export(export_dir, docs):
    import numpy as np
    import tensorflow as tf

    model = os.path.join(export_dir, "model")
    problems = []
    with open(os.path.join(docs, "predict-request.json")) as f:
        documented_request = json.load(f)
    with open(os.path.join(docs, "predict-response.json")) as f:
        documented_response = json.load(f)

    # the documented request, decoded and answered as the model server would
    images = decode_row_format(documented_request, "images")
    outputs = run_signature(model, images)
    response = json.loads(json.dumps(encode_row_format(outputs)))
    if structure(response) != structure(documented_response):
        problems.append(f"response {structure(response)} does not have the documented structure "
                        f"{structure(documented_response)}")
    for i, p in enumerate(response["predictions"]):
        if abs(sum(p["probabilities"]) - 1) > 1e-5 or p["classes"] != int(np.argmax(p["probabilities"])):
            problems.append(f"prediction {i}: probabilities sum to {sum(p['probabilities'])}, classes {p['classes']}")

    # the export's own check batch as a documented request: Java's outputs, through JSON
    batch = np.load(os.path.join(export_dir, "input.npz"))["images"]
    expected = dict(np.load(os.path.join(export_dir, "expected.npz")))
    request = json.loads(json.dumps({"signature_name": "serving_default",
                                     "instances": [{"images": img.tolist()} for img in batch]}))
    decoded = decode_row_format(request, "images")
    if not np.array_equal(decoded, batch):
        problems.append("the JSON round trip of the request changed the images")
    served = run_signature(model, decoded)
    answer = json.loads(json.dumps(encode_row_format(served)))
    from_json = {k: np.asarray([p[k] for p in answer["predictions"]]) for k in OUTPUTS}
    problems += compare(from_json, expected, "REST response vs Java")
    problems += compare(saved_model_cli_run(model, decoded), expected, "saved_model_cli run vs Java")

    # gRPC: the PredictRequest's inputs["images"] TensorProto
    proto = tf.make_tensor_proto(decoded, dtype=tf.float32)
    dims = [d.size for d in proto.tensor_shape.dim]
    if proto.dtype != tf.float32.as_datatype_enum or dims != list(decoded.shape) \
            or not np.array_equal(tf.make_ndarray(proto), decoded):
        problems.append(f"gRPC TensorProto: dtype {proto.dtype}, shape {dims}")
    return problems


def make_request(docs, data="/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz", count=2):
    import numpy as np

    with gzip.open(data) as f:
        raw = np.frombuffer(f.read(), dtype=np.uint8, offset=16).reshape(-1, 28, 28, 1)[:count]
    unit = raw.astype(np.float32) * np.float32(1.0 / 255.0)  # what Spinal's batches feed: pixel * (1 / 255)

    def value(x):
        return float(np.format_float_positional(x, unique=True, trim="-"))

    instances = [{"images": [[[value(p) for p in col] for col in row] for row in img]} for img in unit]
    with open(os.path.join(docs, "predict-request.json"), "w") as f:
        json.dump({"signature_name": "serving_default", "instances": instances}, f, separators=(",", ":"))
        f.write("\n")
    print(f"check_serving: wrote {count} test images of {data} to {docs}/predict-request.json")


def main(argv):
    if len(argv) == 2 and argv[0] == "--make-request":
        make_request(argv[1])
        return 0
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    exports_root, docs = argv
    problems = check_models_config(os.path.join(docs, "models.config"))
    exports = []
    for d in sorted(glob.glob(os.path.join(exports_root, "*"))):
        if os.path.isfile(os.path.join(d, "input.npz")):
            import numpy as np

            if np.load(os.path.join(d, "input.npz"))["images"].shape[1:] == (28, 28, 1):
                exports.append(d)
    if not exports:
        print(f"check_serving: no 28x28x1 export in {exports_root!r} (run the Java tests first)", file=sys.stderr)
        return 2
    for d in exports:
        found = check_export(d, docs)
        for p in found:
            print(f"check_serving: MISMATCH {d}: {p}", file=sys.stderr)
        print(f"check_serving: {'FAIL' if found else 'OK'} {d}/model: documented REST request and response,"
              " saved_model_cli run, gRPC tensor")
        problems += found
    config_problems = [p for p in problems if "models.config" in p]
    for p in config_problems:
        print(f"check_serving: MISMATCH {p}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
