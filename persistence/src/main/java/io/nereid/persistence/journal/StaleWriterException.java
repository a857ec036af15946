package io.nereid.persistence.journal;

/**
 * A journal write rejected because another incarnation of the same entity wrote after this one
 * recovered. No event of the rejected batch is stored.
 */
public final class StaleWriterException extends IllegalStateException {

  private static final long serialVersionUID = 1L;

  public StaleWriterException(
      String persistenceId, long partitionNr, long firstSequenceNr, long lastSequenceNr, Long expected, Long found) {
    super(
        "journal write of persistence id "
            + persistenceId
            + ", sequence numbers "
            + firstSequenceNr
            + " to "
            + lastSequenceNr
            + ", rejected: partition "
            + partitionNr
            + " has highest sequence number "
            + found
            + " where this writer expected "
            + expected
            + ", so another incarnation of this entity has written since this one recovered");
  }
}
