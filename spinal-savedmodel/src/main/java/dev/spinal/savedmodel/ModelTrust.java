package dev.spinal.savedmodel;

/**
 * Whether a SavedModel that Spinal did not write may run ops that reach outside the model. A SavedModel is a
 * program: TensorFlow runs its graph (and the restore and init ops its loader runs) with this process's
 * permissions, so a graph can read and write files, use the network or call back into Python. Spinal's loaders
 * ({@link SavedModelBackbone#load}, {@link ExportedModel#load}) audit the graph first ({@link SavedModelAudit}).
 */
public enum ModelTrust {
  /**
   * The default: audit the graph and its function library before anything of it runs, and refuse the model
   * ({@link UntrustedSavedModelException}) when it holds an op of {@link SavedModelAudit}'s list.
   */
  AUDITED,
  /**
   * The caller knows where the SavedModel comes from and accepts whatever its ops do: it is loaded even when
   * the audit finds refused ops (they are logged as a warning). On the command line: {@code --trust-savedmodel}.
   */
  TRUSTED
}
