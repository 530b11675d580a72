package dev.spinal.train.ablation;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * What an ablation keeps about one of its runs beside the trainer's own files, in the run folder's
 * {@code ablation-run.json}: the model's size, the fingerprints that show the run was paired with the other
 * heads of its seed, and the wall time summed over the invocations that trained it (a run continued after a
 * stop counts every part; a process killed outright loses the part it was in).
 *
 * @param backboneInitSha256 SHA-256 of the backbone's initial weights in the trained graph (every variable
 *     the backbone created, in creation order, as raw float bytes), or null when the run was first started
 *     by another version or resumed before it was recorded; {@code "none"} when the trained graph has no
 *     backbone weights (a flatten backbone, or a head on a frozen backbone's cached features)
 * @param epoch1BatchesSha256 SHA-256 of every training batch of epoch 1 as fed (example indices, labels and
 *     pixels after augmentation), or null when epoch 1 was not trained in one piece by this ablation
 * @param epoch1Batches how many batches that hash covers
 * @param invocations how many times the ablation trained this run (more than 1: continued after a stop)
 */
public record RunRecord(
    @JsonProperty("head") String head,
    @JsonProperty("seed") long seed,
    @JsonProperty("head_parameters") long headParameters,
    @JsonProperty("head_flops_per_example") long headFlopsPerExample,
    @JsonProperty("backbone_parameters") long backboneParameters,
    @JsonProperty("backbone_flops_per_example") long backboneFlopsPerExample,
    @JsonProperty("backbone_init_sha256") String backboneInitSha256,
    @JsonProperty("epoch1_batches_sha256") String epoch1BatchesSha256,
    @JsonProperty("epoch1_batches") int epoch1Batches,
    @JsonProperty("wall_seconds") double wallSeconds,
    @JsonProperty("invocations") int invocations) {

  /** The file name in a run folder. */
  public static final String FILE = "ablation-run.json";
}
