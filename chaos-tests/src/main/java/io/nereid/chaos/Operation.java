package io.nereid.chaos;

/**
 * One request of the workload as the history records it.
 *
 * @param client the workload client that sent it
 * @param containerId the container it acts on; for a create, the id the gateway returned, or
 *     empty when none was returned
 * @param member index of the control member whose Docker API received it
 * @param startMs when it was sent, in milliseconds since the run began
 * @param endMs when its reply or failure arrived, on the same clock
 * @param status the HTTP status, 0 when there was no response
 * @param kind the failure kind for the report ({@code ok} when acknowledged), such as
 *     {@code refused}, {@code timeout} or {@code http-503}
 */
record Operation(
    long index,
    int client,
    Type type,
    String containerId,
    int member,
    long startMs,
    long endMs,
    Outcome outcome,
    int status,
    String kind,
    String detail) {

  enum Type {
    CREATE,
    START,
    STOP,
    REMOVE,
    LIST,
    INSPECT
  }

  /**
   * What the client learned. {@code OK}: acknowledged. {@code FAIL}: rejected or never sent, so
   * it had no effect. {@code UNKNOWN}: no answer after the request went out (a timeout, a broken
   * connection, a 5xx), so it may or may not have taken effect.
   */
  enum Outcome {
    OK,
    FAIL,
    UNKNOWN
  }

  boolean ok() {
    return outcome == Outcome.OK;
  }
}
