package dev.spinal.train.callbacks;

import dev.spinal.train.FitContext;
import dev.spinal.train.TrainResult;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Turns Ctrl-C / SIGTERM into a clean stop: a JVM shutdown hook asks the loop to stop after the
 * current step and waits (up to two minutes) until the loop has ended, so that the checkpoint written
 * on interruption ({@link Checkpointing}) is complete before the JVM exits.
 */
public final class StopOnSignal implements Callback {

  private Thread hook;
  private CountDownLatch ended;

  @Override
  public void onTrainBegin(FitContext fit) {
    ended = new CountDownLatch(1);
    CountDownLatch latch = ended;
    hook = new Thread(() -> {
      fit.requestStop();
      try {
        latch.await(120, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "spinal-stop");
    Runtime.getRuntime().addShutdownHook(hook);
  }

  @Override
  public void onTrainEnd(FitContext fit, TrainResult result) {
    release();
  }

  private void release() {
    if (ended != null) {
      ended.countDown();
    }
    if (hook != null) {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the JVM is exiting (Ctrl-C): the hook is running and waits for `ended`
      }
      hook = null;
    }
  }

  @Override
  public void onTrainFailed(FitContext fit, RuntimeException error) {
    release();
  }
}
