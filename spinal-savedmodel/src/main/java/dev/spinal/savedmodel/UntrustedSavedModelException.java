package dev.spinal.savedmodel;

/**
 * A SavedModel refused by {@link SavedModelAudit} under {@link ModelTrust#AUDITED}: its graph or function library
 * holds ops that reach outside the model. Nothing of the model has run. The message names every refused op, its
 * node and function, and how to accept the model knowingly; {@link #report()} is the full audit.
 */
public final class UntrustedSavedModelException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  private final transient SavedModelAudit.Report report;

  UntrustedSavedModelException(SavedModelAudit.Report report) {
    super(report.refusal());
    this.report = report;
  }

  /** The audit that refused the model. */
  public SavedModelAudit.Report report() {
    return report;
  }
}
