"""Writes the two crafted "backbone" SavedModels that Spinal's SavedModel audit tests refuse (saved-models/untrusted/).

Each looks like an ordinary backbone (tag serve, serving_default: images float32 [-1, 28, 28, 1] -> features float32
[-1, 2], a backbone.json beside it) but its serving function also touches the file system, the way an untrusted
model can:

- writes-file/: tf.io.write_file(WRITTEN, ...) inside a tf.function that serving_default calls (WriteFile sits two
  functions deep in the function library, not in the main graph);
- reads-file/: tf.io.read_file(SECRET) and returns the file's length as feature 1 (ReadFile, also in a nested
  function), so a caller that runs it can see that the file was read.

The paths are relative, so they resolve against the working directory of the process that runs the model: a Maven
test (working directory = the module) writes/reads MODULE/target/untrusted-savedmodel/. Feature 0 is the mean pixel
times a variable (1.0), so that the SavedModel also has a variable and the loader's own restore (SaveV2/RestoreV2 in
the saver's functions), which the audit must accept.

Run (about 10 s):  PY=$(bash saved-models/setup-python.sh | tail -n 1); "$PY" saved-models/make_untrusted.py
"""
from __future__ import annotations

import json
import os
import shutil
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import tensorflow as tf  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "untrusted")
WRITTEN = "target/untrusted-savedmodel/written-by-savedmodel.txt"
SECRET = "target/untrusted-savedmodel/secret.txt"
SPEC = tf.TensorSpec([None, 28, 28, 1], tf.float32, name="images")


class WritesFile(tf.Module):
    def __init__(self):
        super().__init__()
        self.scale = tf.Variable(1.0, name="scale")

    @tf.function
    def record(self, images):
        # a nested tf.function: its WriteFile lands in its own FunctionDef, called from serve's
        tf.io.write_file(WRITTEN, tf.strings.as_string(tf.reduce_sum(images)))
        return tf.reduce_mean(images, axis=[1, 2, 3])

    @tf.function(input_signature=[SPEC])
    def serve(self, images):
        mean = self.record(images) * self.scale
        return {"features": tf.stack([mean, tf.zeros_like(mean)], axis=1)}


class ReadsFile(tf.Module):
    def __init__(self):
        super().__init__()
        self.scale = tf.Variable(1.0, name="scale")

    @tf.function
    def peek(self):
        return tf.cast(tf.strings.length(tf.io.read_file(SECRET)), tf.float32)

    @tf.function(input_signature=[SPEC])
    def serve(self, images):
        mean = tf.reduce_mean(images, axis=[1, 2, 3]) * self.scale
        return {"features": tf.stack([mean, tf.fill(tf.shape(mean), self.peek())], axis=1)}


def backbone_json(what):
    return {
        "schema": "spinal-backbone/1",
        "saved_model_format": "tf2",
        "signature": "serving_default",
        "tags": ["serve"],
        "input": {"name": "images", "dtype": "float32", "shape": [-1, 28, 28, 1]},
        "output": {"name": "features", "dtype": "float32", "shape": [-1, 2]},
        "input_size": {"height": 28, "width": 28, "channels": 1},
        "feature_size": 2,
        "preprocessing": {"mode": "scale_0_1", "channel_order": "gray", "mean": [0.0], "std": [255.0]},
        "parameters": {"total": 1, "trainable": 1},
        "purpose": "TEST FIXTURE, not a backbone: " + what + " (saved-models/make_untrusted.py)",
        "versions": {"tensorflow": tf.__version__, "python": sys.version.split()[0]},
    }


def write(name, module, what):
    target = os.path.join(OUT, name)
    tmp = target + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tf.saved_model.save(module, tmp, signatures={"serving_default": module.serve})
    os.remove(os.path.join(tmp, "fingerprint.pb"))  # changes on every save; nothing reads it
    if not os.listdir(os.path.join(tmp, "assets")):
        os.rmdir(os.path.join(tmp, "assets"))  # git keeps no empty folder anyway
    with open(os.path.join(tmp, "backbone.json"), "w") as f:
        json.dump(backbone_json(what), f, indent=1)
        f.write("\n")
    shutil.rmtree(target, ignore_errors=True)
    os.rename(tmp, target)
    print(target)


def main():
    os.makedirs(OUT, exist_ok=True)
    write("writes-file", WritesFile(), "serving_default writes " + WRITTEN)
    write("reads-file", ReadsFile(), "serving_default reads " + SECRET + " and returns its length as feature 1")


if __name__ == "__main__":
    main()
