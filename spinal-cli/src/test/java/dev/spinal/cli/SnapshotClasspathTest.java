package dev.spinal.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/snapshot-classpath}, through which {@code ./spinal} runs the project's own jars and classes: a
 * rebuild while a command runs (which rewrites {@code target/*.jar} in place) must not change what that
 * command's JVM reads.
 */
class SnapshotClasspathTest {

  static final Path SCRIPT = Path.of("..", "bin", "snapshot-classpath");

  @TempDir Path dir;

  record Outcome(int status, String stdout, String stderr) {}

  Outcome run(String... args) throws Exception {
    List<String> command = new java.util.ArrayList<>(List.of("/bin/bash", SCRIPT.toString()));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return new Outcome(p.exitValue(), out, err);
  }

  /** A project with a module jar and a class folder, and a dependency outside it. */
  String projectClasspath() throws Exception {
    Path root = dir.resolve("project");
    Path jar = write(root.resolve("core/target/core.jar"), "build 1");
    Path classes = root.resolve("cli/target/classes");
    write(classes.resolve("dev/Cli.class"), "cli 1");
    Path dependency = write(dir.resolve("m2/guava.jar"), "guava");
    return classes + ":" + jar + ":" + dependency;
  }

  static Path write(Path file, String text) throws Exception {
    Files.createDirectories(file.getParent());
    return Files.writeString(file, text);
  }

  @Test
  void runsTheProjectsOwnEntriesFromACopyAndLeavesDependenciesAlone() throws Exception {
    String classpath = projectClasspath();
    Outcome first = run(dir.resolve("project").toString(), dir.resolve("cache").toString(), classpath);

    assertThat(first.status()).as(first.stderr()).isZero();
    String[] entries = first.stdout().split(":");
    assertThat(entries).hasSize(3);
    assertThat(Path.of(entries[0])).startsWith(dir.resolve("cache")).endsWith(Path.of("cli/target/classes"));
    assertThat(Path.of(entries[0]).resolve("dev/Cli.class")).hasContent("cli 1");
    assertThat(Path.of(entries[1])).startsWith(dir.resolve("cache")).hasContent("build 1");
    assertThat(entries[2]).isEqualTo(dir.resolve("m2/guava.jar").toString());
  }

  @Test
  void aRebuildInPlaceLeavesARunningSnapshotUnchangedAndTheNextLaunchGetsTheNewBuild() throws Exception {
    String classpath = projectClasspath();
    String root = dir.resolve("project").toString();
    String cache = dir.resolve("cache").toString();
    Outcome before = run(root, cache, classpath);
    assertThat(run(root, cache, classpath).stdout()).as("an unchanged build reuses its snapshot").isEqualTo(before.stdout());

    // what Maven does: the same file, new bytes (and a new modification time)
    Path jar = dir.resolve("project/core/target/core.jar");
    Files.writeString(jar, "build 2");
    Files.setLastModifiedTime(jar, FileTime.from(Instant.now().plusSeconds(5)));

    assertThat(Path.of(before.stdout().split(":")[1])).hasContent("build 1");
    Outcome after = run(root, cache, classpath);
    assertThat(after.stdout()).isNotEqualTo(before.stdout());
    assertThat(Path.of(after.stdout().split(":")[1])).hasContent("build 2");
    try (var snapshots = Files.list(dir.resolve("cache"))) {
      assertThat(snapshots.map(p -> p.getFileName().toString()))
          .as("two complete snapshots, no temporary folder left")
          .hasSize(2)
          .noneMatch(name -> name.startsWith("."));
    }
  }

  @Test
  void aClasspathWithNothingOfTheProjectComesBackAsItWas() throws Exception {
    String classpath = write(dir.resolve("m2/guava.jar"), "guava") + ":" + dir.resolve("m2/missing.jar");
    Outcome outcome = run(dir.resolve("project").toString(), dir.resolve("cache").toString(), classpath);
    assertThat(outcome.status()).isZero();
    assertThat(outcome.stdout()).isEqualTo(classpath);
    assertThat(dir.resolve("cache")).doesNotExist();
  }

  @Test
  void saysHowToCallItWhenArgumentsAreMissing() throws Exception {
    Outcome outcome = run(dir.toString());
    assertThat(outcome.status()).isEqualTo(2);
    assertThat(outcome.stderr()).contains("usage: snapshot-classpath ROOT CACHE CLASSPATH");
  }
}
