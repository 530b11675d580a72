package dev.spinal.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;

/** The executor side without a model: thread counts from the Spark conf, the JVM-wide cache's close at exit. */
class ExecutorSideTest {

  @Test
  void threadsFollowTheExecutorsCoresAndTaskCpus() {
    TfThreads auto = TfThreads.fromExecutor();
    assertThat(auto.resolved(new SparkConf().set("spark.master", "local[3]"), 1, 16)).isEqualTo(new TfThreads(3, 3));
    assertThat(auto.resolved(new SparkConf().set("spark.master", "local[*]"), 1, 16)).isEqualTo(new TfThreads(16, 16));
    assertThat(auto.resolved(new SparkConf().set("spark.master", "local"), 1, 16)).isEqualTo(new TfThreads(1, 1));
    SparkConf cluster = new SparkConf().set("spark.master", "spark://head:7077").set("spark.executor.cores", "8");
    assertThat(auto.resolved(cluster, 2, 64)).isEqualTo(new TfThreads(8, 4));
    assertThat(auto.resolved(new SparkConf().set("spark.master", "yarn"), 1, 12)).isEqualTo(new TfThreads(12, 12));
    assertThat(TfThreads.of(2, 1).resolved(cluster, 2, 64)).isEqualTo(new TfThreads(2, 1));
    assertThatThrownBy(() -> TfThreads.of(0, 1)).hasMessageContaining("needs >= 1 thread each");
  }

  /** In a task of the tests' local[2] session: 2 intra-op threads (the cores), 2 inter-op (tasks of 1 cpu). */
  @Test
  void insideATaskTheSessionConfigHasTheLocalCores() {
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(SparkFixture.spark().sparkContext());
    List<String> configs = sc.parallelize(List.of(1, 2), 2).map(i -> {
      var c = TfThreads.fromExecutor().sessionConfig();
      return c.getIntraOpParallelismThreads() + "/" + c.getInterOpParallelismThreads();
    }).collect();
    assertThat(configs).containsExactly("2/2", "2/2");
  }

  @Test
  void closingAtExitWaitsForUsersAndNeverClosesAModelInUse() throws Exception {
    AtomicInteger closed = new AtomicInteger();
    JvmCache.Loader<AutoCloseable> loader = () -> closed::incrementAndGet;
    JvmCache.Lease<AutoCloseable> lease = JvmCache.acquire("test value", loader);
    Thread other = new Thread(() -> assertThat(JvmCache.closeAll(200)).isFalse());
    other.start();
    other.join();
    assertThat(closed).hasValue(0);
    lease.close();
    assertThat(JvmCache.closeAll(200)).isTrue();
    assertThat(closed).hasValue(1);
    try (JvmCache.Lease<AutoCloseable> again = JvmCache.acquire("test value", loader)) {
      assertThat(JvmCache.loads("test value")).isEqualTo(2);
    }
  }
}
