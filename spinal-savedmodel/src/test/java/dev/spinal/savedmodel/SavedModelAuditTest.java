package dev.spinal.savedmodel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.spinal.core.GraphContext;
import dev.spinal.core.heads.HeadSpec;
import dev.spinal.core.heads.ProgressiveSpinalHead;
import dev.spinal.core.model.Model;
import dev.spinal.core.model.ModelGraph;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.TensorFlow;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.FunctionDef;
import org.tensorflow.proto.FunctionDefLibrary;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.NameAttrList;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.OpDef;
import org.tensorflow.proto.SaverDef;
import org.tensorflow.types.TFloat32;

/**
 * The SavedModel audit: Spinal's own SavedModels pass; the crafted ones of {@code saved-models/untrusted/}
 * ({@code make_untrusted.py}: a serving function that writes a file, one that reads one) are refused before
 * anything of them runs, and run as written when trusted.
 */
class SavedModelAuditTest {

  static final Path MODELS = Path.of("..", "saved-models");
  static final Path WRITER = MODELS.resolve("untrusted/writes-file");
  static final Path READER = MODELS.resolve("untrusted/reads-file");
  /** Where the crafted models write and read: relative paths, so the test's working directory (the module). */
  static final Path PROBE = Path.of("target", "untrusted-savedmodel").toAbsolutePath();
  static final Path WRITTEN = PROBE.resolve("written-by-savedmodel.txt");
  static final Path SECRET = PROBE.resolve("secret.txt");

  @BeforeEach
  void noProbeFiles() throws Exception {
    if (Files.exists(PROBE)) {
      try (Stream<Path> s = Files.walk(PROBE)) {
        for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
  }

  @Test
  void committedBackbonesPassWithTheirSaversAsTheLoadersOwn() {
    for (String name : List.of("fmnist04-cnn", "fmnist04-cnn-graph", "mobilenetv2-32", "mobilenetv2-32-graph")) {
      SavedModelAudit.Report r = SavedModelAudit.audit(MODELS.resolve(name));
      assertThat(r.passed()).as(name + ": " + r.refusal()).isTrue();
      assertThat(r.acceptedCheckpointOps()).extracting(SavedModelAudit.Finding::op)
          .as(name).contains("SaveV2", "RestoreV2", "MergeV2Checkpoints");
      assertThat(r.ops()).containsKey("RestoreV2");
    }
  }

  @Test
  void spinalsOwnExportPassesAndLoads(@TempDir Path dir) throws Exception {
    Path version;
    try (ModelGraph graph = ModelGraph.build(ExportedModelTest.model(), GraphContext.Mode.INFERENCE, 5, null)) {
      version = ModelExporter.export(graph, dir, List.of("a", "b", "c"), Map.of());
    }
    SavedModelAudit.Report r = SavedModelAudit.audit(version);
    assertThat(r.passed()).as(r.refusal()).isTrue();
    // TF Java's exporter writes a TF1 saver into the graph: the loader's own, not refused
    assertThat(r.acceptedCheckpointOps()).extracting(SavedModelAudit.Finding::op).contains("SaveV2", "RestoreV2");
    assertThat(r.acceptedCheckpointOps()).allSatisfy(f -> assertThat(f.function()).isNull());
    try (ExportedModel model = ExportedModel.load(dir)) {
      assertThat(model.audit().passed()).isTrue();
    }
  }

  @Test
  void spinalsExportOnAKerasBackbonePassesAndLoads(@TempDir Path dir) throws Exception {
    for (String name : List.of("fmnist04-cnn", "fmnist04-cnn-graph")) {
      SavedModelBackbone backbone = SavedModelBackbone.load(MODELS.resolve(name), 28, 28, 1, false);
      Model model = Model.builder().backbone(backbone).head(new ProgressiveSpinalHead(HeadSpec.builder()
          .inputSize(backbone.featureSize()).width(4).depth(1).classes(3).build())).build();
      Path version;
      try (ModelGraph graph = ModelGraph.build(model, GraphContext.Mode.INFERENCE, 5, null)) {
        version = ModelExporter.export(graph, dir.resolve(name), List.of("a", "b", "c"), Map.of());
      }
      SavedModelAudit.Report r = SavedModelAudit.audit(version);
      assertThat(r.passed()).as(name + ": " + r.refusal()).isTrue();
      try (ExportedModel exported = ExportedModel.load(version);
          TFloat32 x = SavedModelBackboneTest.pattern(2, 28, 28, 1)) {
        assertThat(exported.classify(x)).hasSize(2);
      }
    }
  }

  @Test
  void aBackboneThatWritesAFileIsRefusedBeforeAnythingRuns() throws Exception {
    assertThatThrownBy(() -> SavedModelBackbone.load(WRITER, 28, 28, 1, false))
        .isInstanceOf(UntrustedSavedModelException.class)
        .hasMessageStartingWith("refused to load the SavedModel in " + WRITER + ": it holds 2 ops that reach"
            + " outside the model (WriteFile): WriteFile at node 'WriteFile' in function '__inference_record_")
        // the one serving_default calls, two functions deep, and the copy nothing calls
        .hasMessageContaining("(called from graph node 'StatefulPartitionedCall' -> "
            + "__inference_signature_wrapper_serve_")
        .hasMessageContaining("(not called from the graph): writes a tensor to a file")
        .hasMessageContaining("Nothing of it has run")
        .hasMessageContaining("--trust-savedmodel (Java: ModelTrust.TRUSTED)")
        .hasMessageNotContaining("\n");
    assertThat(WRITTEN).doesNotExist();
    // the exported-model loader audits too (eval, predict, inspect)
    assertThatThrownBy(() -> ExportedModel.load(WRITER)).isInstanceOf(UntrustedSavedModelException.class)
        .hasMessageContaining("WriteFile at node 'WriteFile' in function '__inference_record_");
    assertThat(WRITTEN).doesNotExist();
    assertThat(PROBE).doesNotExist();
  }

  @Test
  void aTrustedWriterLoadsAndWritesItsFileWhenRun() throws Exception {
    SavedModelBackbone backbone = SavedModelBackbone.load(WRITER, 28, 28, 1, FineTune.FROZEN, ModelTrust.TRUSTED);
    assertThat(WRITTEN).as("loading alone runs no serving function").doesNotExist();
    try (TFloat32 x = SavedModelBackboneTest.pattern(2, 28, 28, 1)) {
      float[] features = SavedModelBackboneTest.features(backbone, x);
      assertThat(features).hasSize(4);
    }
    assertThat(WRITTEN).exists();
    assertThat(Files.readString(WRITTEN)).isNotBlank();
  }

  @Test
  void aBackboneThatReadsAFileIsRefusedAndReadsItWhenTrusted() throws Exception {
    Files.createDirectories(PROBE);
    Files.writeString(SECRET, "not for the model", StandardCharsets.UTF_8);
    assertThatThrownBy(() -> SavedModelBackbone.load(READER, 28, 28, 1, false))
        .isInstanceOf(UntrustedSavedModelException.class)
        .hasMessageContaining("(ReadFile): ReadFile at node 'ReadFile' in function '__inference_peek_")
        .hasMessageContaining(": reads a whole file into a tensor");
    SavedModelBackbone backbone = SavedModelBackbone.load(READER, 28, 28, 1, FineTune.FROZEN, ModelTrust.TRUSTED);
    try (TFloat32 x = SavedModelBackboneTest.pattern(2, 28, 28, 1)) {
      float[] features = SavedModelBackboneTest.features(backbone, x);
      // feature 1 of each image is the length of the file it read
      assertThat(new float[] {features[1], features[3]}).containsExactly(17f, 17f);
    }
  }

  @Test
  void everyListedOpIsAnOpOfThisTensorFlow() {
    Set<String> registered = TensorFlow.registeredOpList().getOpList().stream().map(OpDef::getName)
        .collect(Collectors.toSet());
    assertThat(SavedModelAudit.rules().keySet()).hasSizeGreaterThan(80).allSatisfy(op ->
        assertThat(registered).as("%s in %s", op, SavedModelAudit.OP_LIST).contains(op));
    assertThat(SavedModelAudit.rules()).containsKeys("WriteFile", "ReadFile", "MatchingFiles", "PyFunc",
        "EagerPyFunc", "PyFuncStateless", "SaveV2", "RestoreV2", "MergeV2Checkpoints", "ImmutableConst",
        "TFRecordDataset", "TextLineDataset", "FixedLengthRecordDataset", "PrintV2");
  }

  // --- the rules on hand-made graphs ---

  static NodeDef node(String name, String op, String... inputs) {
    return NodeDef.newBuilder().setName(name).setOp(op).addAllInput(List.of(inputs)).build();
  }

  static NodeDef call(String name, String function, String... inputs) {
    return node(name, "StatefulPartitionedCall", inputs).toBuilder()
        .putAttr("f", AttrValue.newBuilder().setFunc(NameAttrList.newBuilder().setName(function)).build()).build();
  }

  static FunctionDef function(String name, NodeDef... nodes) {
    FunctionDef.Builder f = FunctionDef.newBuilder();
    f.getSignatureBuilder().setName(name);
    return f.addAllNodeDef(List.of(nodes)).build();
  }

  static MetaGraphDef meta(List<NodeDef> nodes, List<FunctionDef> functions, String restoreOp) {
    MetaGraphDef.Builder m = MetaGraphDef.newBuilder().setGraphDef(GraphDef.newBuilder().addAllNode(nodes)
        .setLibrary(FunctionDefLibrary.newBuilder().addAllFunction(functions)));
    if (restoreOp != null) {
      m.setSaverDef(SaverDef.newBuilder().setFilenameTensorName("filename:0").setRestoreOpName(restoreOp)
          .setSaveTensorName("filename:0"));
    }
    return m.build();
  }

  static SavedModelAudit.Report audit(MetaGraphDef meta) {
    return SavedModelAudit.audit(meta, Path.of("crafted"));
  }

  @Test
  void checkpointOpsPassOnlyAsTheSaversOwnOrWhereNothingCallsThem() {
    FunctionDef restore = function("restore_fn", node("RestoreV2", "RestoreV2"));
    FunctionDef serve = function("serve_fn", node("read_ckpt", "RestoreV2"));
    NodeDef filename = node("filename", "Placeholder");
    // the saver's restore in a function the saver_def names: accepted
    SavedModelAudit.Report ok = audit(meta(List.of(filename, call("restore", "restore_fn", "filename")),
        List.of(restore), "restore"));
    assertThat(ok.passed()).isTrue();
    assertThat(ok.acceptedCheckpointOps()).extracting(SavedModelAudit.Finding::node).containsExactly("RestoreV2");
    // the same op in the serving function: refused
    SavedModelAudit.Report inServing = audit(meta(List.of(filename, call("restore", "restore_fn", "filename"),
        call("serve", "serve_fn")), List.of(restore, serve), "restore"));
    assertThat(inServing.refused()).extracting(SavedModelAudit.Finding::where)
        .containsExactly("node 'read_ckpt' in function 'serve_fn' (called from graph node 'serve' -> serve_fn)");
    // the saver's function also called from elsewhere: no longer the loader's own
    SavedModelAudit.Report shared = audit(meta(List.of(filename, call("restore", "restore_fn", "filename"),
        call("serve", "restore_fn")), List.of(restore), "restore"));
    assertThat(shared.refusedOps()).containsExactly("RestoreV2");
    // in a function nothing calls (a pruned backbone's saver): no session can run it; other ops stay refused there
    SavedModelAudit.Report uncalled = audit(meta(List.of(filename), List.of(restore,
        function("stray", node("w", "WriteFile"))), null));
    assertThat(uncalled.acceptedCheckpointOps()).extracting(SavedModelAudit.Finding::calledFrom)
        .containsExactly("not called from the graph");
    assertThat(uncalled.refusedOps()).containsExactly("WriteFile");
    // without a saver_def nothing is the loader's own
    assertThat(audit(meta(List.of(node("save", "SaveV2")), List.of(), null)).refusedOps()).containsExactly("SaveV2");
    // a TF1 saver node that a serving output depends on is not the loader's own either
    SavedModelAudit.Report tf1 = audit(meta(List.of(filename, node("save/RestoreV2", "RestoreV2", "filename"),
        node("restore", "NoOp", "^save/RestoreV2"), node("out", "Identity", "save/RestoreV2")), List.of(),
        "restore"));
    assertThat(tf1.refused()).extracting(SavedModelAudit.Finding::where)
        .containsExactly("node 'save/RestoreV2' in the graph");
  }

  @Test
  void functionsAreFollowedThroughAttributesListsAndNesting() {
    FunctionDef inner = function("inner", node("w", "WriteFile"));
    FunctionDef body = function("body", call("nested", "inner"));
    NodeDef loop = node("loop", "While").toBuilder()
        .putAttr("body", AttrValue.newBuilder().setFunc(NameAttrList.newBuilder().setName("body")).build())
        .build();
    FunctionDef branch = function("branch1", node("p", "PyFunc"));
    NodeDef cases = node("case", "Case").toBuilder().putAttr("branches", AttrValue.newBuilder()
        .setList(AttrValue.ListValue.newBuilder().addFunc(NameAttrList.newBuilder().setName("branch1"))).build())
        .build();
    SavedModelAudit.Report r = audit(meta(List.of(loop, cases), List.of(inner, body, branch), null));
    assertThat(r.refused()).extracting(SavedModelAudit.Finding::where).containsExactlyInAnyOrder(
        "node 'w' in function 'inner' (called from graph node 'loop' -> body -> inner)",
        "node 'p' in function 'branch1' (called from graph node 'case' -> branch1)");
    assertThat(r.ops()).containsEntry("WriteFile", new SavedModelAudit.OpCount(0, 1))
        .containsEntry("While", new SavedModelAudit.OpCount(1, 0));
  }

  @Test
  void attributeConditionsRefusePrintV2ToAFileAndProtoDescriptorsFromAFile() {
    NodeDef toFile = node("to_file", "PrintV2").toBuilder().putAttr("output_stream",
        AttrValue.newBuilder().setS(ByteString.copyFromUtf8("file:///tmp/log.txt")).build()).build();
    NodeDef toStderr = node("to_stderr", "PrintV2").toBuilder().putAttr("output_stream",
        AttrValue.newBuilder().setS(ByteString.copyFromUtf8("stderr")).build()).build();
    NodeDef byDefault = node("default", "PrintV2");
    SavedModelAudit.Report r = audit(meta(List.of(toFile, toStderr, byDefault), List.of(), null));
    assertThat(r.refused()).extracting(SavedModelAudit.Finding::node).containsExactly("to_file");
    assertThat(r.ops()).containsEntry("PrintV2", new SavedModelAudit.OpCount(3, 0));
    // a protocol-buffer decoder is refused only when its descriptors come from a file
    NodeDef local = node("local", "DecodeProtoV2").toBuilder().putAttr("descriptor_source",
        AttrValue.newBuilder().setS(ByteString.copyFromUtf8("local://")).build()).build();
    NodeDef fromFile = node("from_file", "DecodeProtoV2").toBuilder().putAttr("descriptor_source",
        AttrValue.newBuilder().setS(ByteString.copyFromUtf8("/etc/descriptors.bin")).build()).build();
    assertThat(audit(meta(List.of(local, fromFile), List.of(), null)).refused())
        .extracting(SavedModelAudit.Finding::node).containsExactly("from_file");
  }

  @Test
  void theReportListsOpsRefusedNodesAndTheVerdict() {
    SavedModelAudit.Report r = SavedModelAudit.audit(WRITER);
    String text = r.render();
    assertThat(text).contains("SavedModel audit of " + WRITER + " (tag serve)",
        "graph: 9 nodes; function library: 6 functions",
        "refused: 2 nodes", "verdict: REFUSED (WriteFile)", "--trust-savedmodel");
    assertThat(text.lines()).anyMatch(l -> l.matches("  WriteFile\\s+0\\s+2  REFUSED"));
    assertThat(text.lines()).anyMatch(l -> l.matches("  RestoreV2 at node 'RestoreV2' in function"
        + " '__inference__traced_restore_\\d+' \\(called from graph node 'StatefulPartitionedCall_2' -> .*"));
    assertThat(SavedModelAudit.audit(MODELS.resolve("fmnist04-cnn")).render())
        .contains("refused: none", "verdict: PASSED");
  }

  @Test
  void aFolderWithoutASavedModelSaysSo(@TempDir Path dir) throws Exception {
    assertThatThrownBy(() -> SavedModelAudit.audit(dir)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("not a SavedModel: " + dir.resolve("saved_model.pb") + " does not exist");
    Files.write(dir.resolve("saved_model.pb"), new byte[] {1, 2, 3});
    assertThatThrownBy(() -> SavedModelAudit.audit(dir)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(dir.resolve("saved_model.pb") + " is not a SavedModel protocol buffer");
  }
}
